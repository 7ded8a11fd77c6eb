"""The Redis cache backend (recovery_site/cache.py): Django's, with one client kept."""

import os
import threading

import pytest

from recovery_site.cache import RedisCache


@pytest.fixture
def redis_cache(redis_url):
    backend = RedisCache(redis_url, {"KEY_PREFIX": f"test_cache_{os.getpid()}"})
    yield backend
    backend.delete_many([f"key-{number}" for number in range(8)] + ["a", "b"])


def test_every_call_gets_the_same_client(redis_cache):
    # One server: reads and writes share its pool, and so its client.
    first = redis_cache._cache.get_client()

    assert redis_cache._cache.get_client() is first
    assert redis_cache._cache.get_client("a", write=True) is first


def test_it_answers_as_djangos_backend(redis_cache):
    redis_cache.set("a", {"x": 1}, 30)
    assert redis_cache.get("a") == {"x": 1}
    assert not redis_cache.add("a", 2, 30)
    assert redis_cache.add("b", 2, 30)
    assert redis_cache.incr("b") == 3
    assert redis_cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": 3}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_threads_can_share_the_client(redis_cache):
    errors = []

    def work(number):
        try:
            for round_number in range(50):
                redis_cache.set(f"key-{number}", (number, round_number), 30)
                assert redis_cache.get(f"key-{number}") == (number, round_number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
