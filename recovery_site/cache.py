"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache call, and
building one (it fills a table of about 170 reply parsers) cost more CPU than the
call itself: on a comment POST, reading the moderation lists from the cache spent
over half its time there (issue #6). A ``redis.Redis`` object holds no connection of
its own, it takes one from its pool for each command, so one object per pool can
serve every call (redis-py documents it as safe to share between threads).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
