"""URLs for the 500-page test: the site's URLs plus a view that fails."""

from django.urls import path

from recovery_site.urls import handler500  # noqa: F401
from recovery_site.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("A deliberate failure for the 500-page test.")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
