"""Top-level URL configuration: the apps' URLs (core has the health check, the files
crawlers and browsers ask for at the root and, when asked, the uploads), the admin, and
last the site pages at /<slug>/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
    path("admin/", admin.site.urls),
    # Site pages at /<slug>/: last, so that every other route wins over a page.
    path("", include("pages.urls")),
]

handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
