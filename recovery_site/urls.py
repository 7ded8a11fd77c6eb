"""Top-level URL configuration: the apps' URLs, the admin and the health check."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles import views as article_views

admin.site.site_header = "Recovery Center administration"
admin.site.site_title = "Recovery Center admin"
admin.site.index_title = "Articles and comments"

urlpatterns = [
    path("", include("articles.urls")),
    path("healthz", article_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler500 = "articles.views.server_error"
