"""The site's URLs (and error handlers) with one address that fails, for tests of what
a server error sends."""

from django.urls import path

from recovery_site.urls import *  # noqa: F403 (the error handlers too)
from recovery_site.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("A failure made by the tests.")


urlpatterns = [path("test-failure/", fail), *site_urlpatterns]
