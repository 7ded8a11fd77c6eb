"""Path traversal and odd paths under /static/ and /media/: nothing outside the two
folders is ever served, and no path gets a 5xx."""

import pytest
from django.test import Client
from django.urls import re_path

from core.views import media_file
from recovery_site import urls as site_urls

from .conftest import assert_not_a_server_error

pytestmark = pytest.mark.django_db

SECRET = "not-for-the-public"


# recovery_site/urls.py with SERVE_MEDIA on (it is decided when the URLs are imported).
urlpatterns = [re_path(r"^media/(?P<path>.*)$", media_file), *site_urls.urlpatterns]
handler400 = site_urls.handler400
handler404 = site_urls.handler404


@pytest.fixture
def folders(settings, tmp_path):
    """Static and media folders with one file each, and a secret beside them."""
    settings.ROOT_URLCONF = __name__
    settings.STATIC_ROOT = tmp_path / "public" / "static"
    settings.MEDIA_ROOT = tmp_path / "public" / "media"
    (settings.STATIC_ROOT / "css").mkdir(parents=True)
    (settings.STATIC_ROOT / "css" / "site.css").write_text("body {}")
    (settings.MEDIA_ROOT / "heroes").mkdir(parents=True)
    (settings.MEDIA_ROOT / "heroes" / "a.txt").write_text("hero")
    (tmp_path / "public" / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    return tmp_path


TRAVERSALS = [
    "../secret.txt",
    "../../secret.txt",
    "%2e%2e/secret.txt",
    "%2e%2e%2fsecret.txt",
    "..%2fsecret.txt",
    "..%5csecret.txt",
    "..\\secret.txt",
    "%252e%252e%252fsecret.txt",
    "%c0%ae%c0%ae/secret.txt",
    "....//secret.txt",
    "./../secret.txt",
    "heroes/../../secret.txt",
    "heroes/%2e%2e/%2e%2e/secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "%2fetc%2fpasswd",
    "heroes/a.txt%00.png",
    "%00",
    "con",
    "heroes/" + "a" * 300,
]


@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("prefix", ["/static/", "/media/"])
def test_nothing_outside_the_folders_is_served(folders, prefix, path):
    response = Client(raise_request_exception=False).get(prefix + path)

    assert_not_a_server_error(response)
    assert response.status_code in (400, 404)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert SECRET.encode() not in content
    assert b"root:" not in content


@pytest.mark.parametrize("path", ["/static/css/site.css", "/media/heroes/a.txt"])
def test_the_files_in_the_folders_are_served(folders, path):
    response = Client().get(path)

    assert response.status_code == 200
