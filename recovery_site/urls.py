"""Top-level URL configuration: the apps' URLs (core has the health check, the files
crawlers and browsers ask for at the root and, when asked, the uploads) and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
