"""With Redis down, the cache is no cache: pages answer, nothing waits on the dead server."""

import time

import pytest
from django.core.cache import caches

from config.cache import ResilientRedisCache
from tests.dashboard.conftest import build
from tests.integration.support import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis(settings):
    """The cache pointed at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    ResilientRedisCache.down_until = 0.0
    yield caches["default"]
    caches["default"].close()
    ResilientRedisCache.down_until = 0.0


def test_reads_miss_and_writes_do_nothing(dead_redis, caplog):
    assert dead_redis.get("key", "fallback") == "fallback"
    dead_redis.set("key", "value")
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.add("key", 1) is False
    assert dead_redis.get_or_set("key", "computed") == "computed"
    with pytest.raises(ValueError, match="unreachable"):  # as for a missing key
        dead_redis.incr("key")
    assert "serving without the cache" in caplog.text


def test_after_a_fault_the_cache_rests_instead_of_waiting_again(dead_redis, monkeypatch):
    dead_redis.get("key")  # the fault
    asked = []
    monkeypatch.setattr(type(dead_redis).__mro__[1], "get", lambda *a, **k: asked.append(1))
    assert dead_redis.get("key", "fallback") == "fallback"
    assert asked == []  # not asked while it rests
    monkeypatch.setattr(ResilientRedisCache, "down_until", time.monotonic() - 1)
    dead_redis.get("key")
    assert asked == [1]  # asked again once the rest is over


def test_every_page_answers_with_redis_down(dead_redis, client, settings):
    settings.DASHBOARD_PUBLIC = True
    _, indicators = build(3)
    for url in ["/", "/?as_of=2026-11-01", "/r/russia-iran/", f"/indicators/{indicators[0].slug}/",
                "/api/relationships/russia-iran/index?min_grade=B2"]:  # fmt: skip
        assert client.get(url).status_code == 200, url
        ResilientRedisCache.down_until = 0.0  # each page meets the fault itself, not the rest
