import os

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Test-only settings: fast hashing, plain static storage, in-memory email."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture(autouse=True)
def clear_cache():
    # Site settings and (later) pages are cached; every test starts cold.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def comment_post_data():
    """Valid "Leave a Reply" POST data, with a form timestamp old enough to pass."""
    import time

    from comments.forms import sign_timestamp

    def build(**overrides):
        data = {
            "body": "Thank you for explaining this so clearly.",
            "author_name": "Sam Rivera",
            "author_email": "sam@example.org",
            "author_url": "",
            "timestamp": sign_timestamp(time.time() - 30),
            "fax_number": "",
            "parent": "",
        }
        data.update(overrides)
        return data

    return build


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # One test database per pytest process, so two runs at once on the same server
    # (a developer's terminal and an editor's test runner) cannot drop each other's.
    from django.conf import settings

    for db_settings in settings.DATABASES.values():
        test = db_settings.setdefault("TEST", {})
        base = test.get("NAME") or f"test_{db_settings['NAME']}"
        test["NAME"] = f"{base}_{os.getpid()}"
