"""Top-level URL configuration: the apps' URLs, the admin, the health check and the
files crawlers and browsers ask for at the root (robots.txt, sitemap.xml, favicon.ico)."""

import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView
from django.views.static import serve

from articles.sitemaps import SITEMAPS
from core import views as core_views


class FaviconView(RedirectView):
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says. The
    # hashed static name is only known once static files are collected: resolve late.
    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


admin.site.site_header = "Recovery Center administration"
admin.site.site_title = "Recovery Center admin"
admin.site.index_title = "Site content"

urlpatterns = [
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Editors' uploads (hero images). Fine for development and small sites; a busy
    # site lets nginx (or another web server) answer /media/ from MEDIA_ROOT.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

handler500 = "core.views.server_error"
