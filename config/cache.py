"""Redis as a cache that may be down: a page must answer without it.

Every cache call that cannot reach Redis is a miss (reads) or does nothing (writes); the
fault is logged, and for a few seconds the cache is not asked at all, so that a page does
not wait on a dead server once per cached part. Pages are slower then, never broken.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REST = 5.0  # seconds the cache is left alone after a fault
FAULTS = (RedisError, OSError)


class ResilientRedisCache(RedisCache):
    down_until = 0.0  # per process: every cache alias shares the server's fate

    def _attempt(self, operation: str, call, fallback):
        if time.monotonic() < ResilientRedisCache.down_until:
            return fallback
        try:
            return call()
        except FAULTS as error:
            ResilientRedisCache.down_until = time.monotonic() + REST
            logger.warning("cache %s failed, serving without the cache: %s", operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._attempt(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys, version=None):
        return self._attempt(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._attempt(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def incr(self, key, delta=1, version=None):
        # Unreachable: as if the key were missing, which Django's incr says with ValueError
        # (decr is incr of -delta).
        found = self._attempt(
            "incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), None
        )
        if found is None:
            raise ValueError(f"{key!r} cannot be counted: the cache is unreachable")
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._attempt(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys, version=None):
        self._attempt(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._attempt("clear", lambda: super(ResilientRedisCache, self).clear(), False)
