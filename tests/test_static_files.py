"""Static files in production: content-hashed names, precompressed copies and
far-future cache headers, served by WhiteNoise (collectstatic into a temporary folder)."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_pages_link_hashed_files_that_browsers_may_keep_for_ever(collected):
    client = Client()
    page = client.get("/").content.decode()
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)

    response = client.get(stylesheet, headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert (collected / stylesheet.removeprefix("/static/")).with_suffix(".css.gz").exists()


def test_unhashed_names_are_kept_for_a_shorter_time(collected, settings):
    response = Client().get("/static/css/site.css")

    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={settings.WHITENOISE_MAX_AGE}, public"
    assert "immutable" not in response["Cache-Control"]
