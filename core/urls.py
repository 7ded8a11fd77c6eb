"""Site-wide addresses: the health check and the files crawlers and browsers ask for at
the root. No namespace: robots.txt and load balancers know these names."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView, TemplateView

from . import views


class FaviconView(RedirectView):
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says. The
    # hashed static name is only known once static files are collected: resolve late.
    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
]
