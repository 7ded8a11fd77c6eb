import os

import pytest
import time_machine
from django.core.cache import cache


@pytest.fixture(scope="session", autouse=True)
def test_instant():
    """With TEST_INSTANT set (e.g. "2027-01-01 03:30Z"), the whole run starts at that
    instant and the clock ticks on from there, so CI can show that no test depends on
    the hour or the date it runs at. PostgreSQL's own clock is not moved."""
    instant = os.environ.get("TEST_INSTANT")
    if not instant:
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


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


@pytest.fixture(scope="session", autouse=True)
def cache_per_process():
    """Each pytest process keeps to its own cache keys, so runs sharing one Redis
    (REDIS_URL) cannot read or clear each other's; the page cache is on, as in
    production, whichever the backend."""
    from django.conf import settings
    from django.test import override_settings

    caches = {
        alias: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}_test_{os.getpid()}"}
        for alias, config in settings.CACHES.items()
    }
    if caches["default"]["BACKEND"].endswith("DatabaseCache"):
        # Without Redis, one pytest process is one process: local memory keeps the
        # query counts those of production (Redis). The database cache itself is what
        # the servers of tests/test_processes.py run with.
        caches["default"] = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": caches["default"]["KEY_PREFIX"],
        }
    with override_settings(CACHES=caches, PAGE_CACHE_SECONDS=3600):
        yield


def clear_own_cache_keys():
    from django.conf import settings

    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        cache.clear()
        return
    # RedisCache.clear() empties the whole Redis database, other processes' keys too.
    delete_redis_keys(config["LOCATION"], config["KEY_PREFIX"])


def delete_redis_keys(url, prefix):
    """Delete the keys under ``prefix`` from the Redis at ``url``, and no others."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for the tests that need one: REDIS_URL, else the local server on
    the default port if it answers. Without one they skip (on CI they fail)."""
    import redis

    if url := os.environ.get("REDIS_URL"):
        return url
    url = "redis://127.0.0.1:6379/15"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis tests must run on CI, but nothing answers on 127.0.0.1:6379")
        pytest.skip("needs Redis (REDIS_URL, or a server on 127.0.0.1:6379)")
    finally:
        client.close()
    return url


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Static files collected for servers started with production settings
    (tests/servers.py): their pages link the hashed names."""
    from tests import servers

    root = tmp_path_factory.mktemp("static")
    servers.collect_static(root)
    return root


@pytest.fixture(scope="session")
def nginx_binary():
    """nginx, for the tests of the front (deploy/nginx.conf). Without it they skip (on
    CI they fail)."""
    from scripts.nginx_front import find_nginx

    nginx = find_nginx()
    if nginx is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs nginx-light on CI)")
        pytest.skip("nginx is not installed")
    return nginx


@pytest.fixture(autouse=True)
def clear_cache(cache_per_process):
    # Site settings and pages are cached; every test starts cold.
    clear_own_cache_keys()
    yield
    clear_own_cache_keys()


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
