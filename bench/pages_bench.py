"""Page latency (p50/p95) and payload sizes, next to a bare Django view, in one process.

Requests go through Django's test client: the whole middleware and view stack, without a
network hop (which the same for every page and not Entente's to optimise).
"""

import statistics
import time

from django.core.cache import cache
from django.test import Client

REPEAT = 30


def _timed(client, url, repeat):
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return times, size


def _ms(seconds):
    return f"{1000 * seconds:7.1f}"


def measure(relationship) -> list[str]:
    """One line per page: cold (first, empty cache) and warm p50/p95, and the payload."""
    client = Client()
    indicator = relationship.indicators.filter(kind="event").order_by("pk").first()
    pages = [
        ("bare Django view (/healthz)", "/healthz"),
        ("overview", f"/r/{relationship.slug}/"),
        ("overview, last year, one category", f"/r/{relationship.slug}/?period=1y&category=c1"),
        ("indicator page", f"/indicators/{indicator.slug}/"),
        ("API index series (JSON)", f"/api/relationships/{relationship.slug}/index"),
    ]
    lines = []
    for name, url in pages:
        cache.clear()
        cold, _ = _timed(client, url, 1)
        warm, size = _timed(client, url, REPEAT)
        quantiles = statistics.quantiles(warm, n=20)
        lines.append(
            f"  {name:<36} cold {_ms(cold[0])} ms   p50 {_ms(statistics.median(warm))} ms"
            f"   p95 {_ms(quantiles[18])} ms   {size / 1024:7.0f} KB"
        )
    return lines
