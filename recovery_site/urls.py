"""Top-level URL configuration: the apps' URLs, the admin and the health check."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from articles import views as article_views

admin.site.site_header = "Recovery Center administration"
admin.site.site_title = "Recovery Center admin"
admin.site.index_title = "Site content"

urlpatterns = [
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
    path("healthz", article_views.healthz, name="healthz"),
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

handler500 = "articles.views.server_error"
