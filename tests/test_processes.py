"""State every process must agree on, without Redis: two gunicorn servers (separate
processes, each one worker) on the test database with the settings production gets
when REDIS_URL is unset (Django's database cache)."""

from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings

from comments.models import Comment
from core.models import SiteSettings
from tests import servers
from tests.factories import make_article

pytestmark = pytest.mark.slow

# The servers run on the real clock, this process maybe on TEST_INSTANT's: an article
# published "now" here could be in the servers' future.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def start_servers(transactional_db, static_root, tmp_path):
    """``start_servers(count, **env)``: that many gunicorn servers, stopped after the test."""
    started = []

    def start(count, **env):
        for _ in range(count):
            started.append(
                servers.Gunicorn(
                    servers.production_env(static_root, REDIS_URL=None, **env),
                    log=tmp_path / f"gunicorn-{len(started)}.log",
                )
            )
        return started[-count:]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def article():
    SiteSettings.load()
    return make_article(title="Understanding withdrawal", published_at=LONG_AGO)


def test_flood_control_holds_across_processes(start_servers, article):
    first, second = start_servers(2)

    answers = [
        servers.post_comment(server.port, article, f"Comment number {number}.").status
        for number, server in enumerate([first, second] * 3)
    ]

    assert answers == [302] + [429] * 5
    assert list(Comment.objects.values_list("body", flat=True)) == ["Comment number 0."]


def database_cache():
    """The cache the servers use (settings.py without REDIS_URL), for this process."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": django_settings.CACHE_TABLE,
            "KEY_PREFIX": "recovery_site",
            "VERSION": 1,
        }
    }


@pytest.mark.parametrize("page_cache_seconds", [None, 3600], ids=["default", "pages-cached"])
def test_a_helpline_change_in_one_process_is_shown_by_the_others_at_once(
    start_servers, article, settings, page_cache_seconds
):
    # This process saves, as the admin in another gunicorn worker would: with the
    # servers' settings, including the page cache when it is on.
    settings.CACHES = database_cache()
    settings.PAGE_CACHE_SECONDS = page_cache_seconds or 0
    first, second = start_servers(2, PAGE_CACHE_SECONDS=page_cache_seconds)
    for server in (first, second):
        for _ in range(2):
            page = servers.request(server.port, "/")
            assert b"1-800-662-4357" in page.body
        if page_cache_seconds:
            assert page.getheader("X-Page-Cache") == "hit"

    site = SiteSettings.load()
    site.helpline_phone = "1-800-555-0199"
    site.save()

    for server in (first, second):
        page = servers.request(server.port, "/")
        assert b"1-800-555-0199" in page.body
        assert b"1-800-662-4357" not in page.body
