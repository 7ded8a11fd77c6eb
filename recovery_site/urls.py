"""Top-level URL configuration: the apps' URLs (core has the health check and the files
crawlers and browsers ask for at the root), the admin and, when asked, the uploads."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

admin.site.site_header = "Recovery Center administration"
admin.site.site_title = "Recovery Center admin"
admin.site.index_title = "Site content"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
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

handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
