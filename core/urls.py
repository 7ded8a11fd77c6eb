"""Site-wide addresses: the health check, the files crawlers and browsers ask for at
the root and, when asked, the uploads. No namespace: robots.txt and load balancers
know these names."""

import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import path, re_path
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

if settings.SERVE_MEDIA:
    # Editors' uploads (hero images). Fine for development and small sites; a busy
    # site lets nginx (or another web server) answer /media/ from MEDIA_ROOT.
    urlpatterns += [
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", views.media_file)
    ]
