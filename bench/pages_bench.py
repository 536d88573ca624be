"""Page latency and payloads, each beside a bare Django view measured in the same run.

Requests go through Django's test client: the whole middleware and view stack, without a
network hop (which is the same for every page and not Entente's to optimise). Every request
asks for compression as browsers do (gzip, deflate, br), so the sizes are those on the wire.
"""

import html
import re
import statistics
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.test import Client

REPEAT = 30
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
# The targets of issue 14, printed beside each figure.
WARM_TARGET = 2.0  # a warm page within this many times the bare view
COLD_TARGET_MS = 300.0
OVERVIEW_WIRE_TARGET_KB = 60.0  # the overview and its figures, compressed


@dataclass
class Timing:
    name: str
    cold_ms: float
    p50_ms: float
    p95_ms: float
    wire_kb: float
    plain_kb: float


def _get(client, url, **headers):
    started = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def _timed(client, name, url) -> Timing:
    cache.clear()
    cold, _ = _get(client, url, **GZIP)
    warm = []
    for _ in range(REPEAT):
        elapsed, response = _get(client, url, **GZIP)
        warm.append(elapsed)
    plain = client.get(url)
    return Timing(
        name,
        1000 * cold,
        1000 * statistics.median(warm),
        1000 * statistics.quantiles(warm, n=20)[18],
        len(response.content) / 1024,
        len(plain.content) / 1024,
    )


def figures_url(client, page_url: str) -> str:
    page = client.get(page_url).content.decode()
    return html.unescape(re.search(r'data-figure-url="([^"]+)"', page)[1])


def measure(relationship) -> list[Timing]:
    """Cold (first, empty cache) and warm p50/p95, and the payload, of each page."""
    client = Client()
    indicator = relationship.indicators.filter(kind="event").order_by("pk").first()
    overview = f"/r/{relationship.slug}/"
    pages = [
        ("bare Django view (/healthz)", "/healthz"),
        ("overview", overview),
        ("overview's figures (JSON)", figures_url(client, overview)),
        ("overview, last year, one category", f"{overview}?period=1y&category=c1"),
        ("indicator page", f"/indicators/{indicator.slug}/"),
        ("indicator's chart (JSON)", figures_url(client, f"/indicators/{indicator.slug}/")),
        ("API index series (rows)", f"/api/relationships/{relationship.slug}/index"),
        (
            "API index series (columns)",
            f"/api/relationships/{relationship.slug}/index?shape=columns",
        ),
    ]
    for _, url in pages:  # the process's own first-time costs (templates, imports) first
        client.get(url)
    return [_timed(client, name, url) for name, url in pages]


def lines(timings: list[Timing]) -> list[str]:
    bare = timings[0].p50_ms
    out = [f"  {'':<36} {'cold':>9} {'p50':>8} {'p95':>8} {'p50/bare':>9} {'wire':>7} {'plain':>7}"]
    for t in timings:
        ratio = t.p50_ms / bare
        cold_mark = "" if t.cold_ms <= COLD_TARGET_MS else " (over 300)"
        mark = "" if t is timings[0] or ratio <= WARM_TARGET else f" (target {WARM_TARGET:.0f}x)"
        out.append(
            f"  {t.name:<36} {t.cold_ms:7.1f}ms {t.p50_ms:6.2f}ms {t.p95_ms:6.2f}ms "
            f"{ratio:8.1f}x {t.wire_kb:5.0f}KB {t.plain_kb:5.0f}KB{mark}{cold_mark}"
        )
    wire = sum(t.wire_kb for t in timings[1:3])
    verdict = "met" if wire <= OVERVIEW_WIRE_TARGET_KB else "not met"
    out.append(
        f"  overview on the wire, page and figures: {wire:.0f} KB"
        f" (target {OVERVIEW_WIRE_TARGET_KB:.0f} KB: {verdict})"
    )
    return out


def side_by_side(by_size: dict[int, list[Timing]]) -> list[str]:
    """Each page's warm p50 and cold time at every size: flat with size, or not."""
    sizes = list(by_size)
    head = "".join(f"{f'{size:,}':>22}" for size in sizes)
    out = [f"  {'warm p50 / cold (ms)':<36}{head}"]
    for n, first in enumerate(by_size[sizes[0]]):
        cells = "".join(
            f"{by_size[size][n].p50_ms:>10.2f} / {by_size[size][n].cold_ms:>7.1f}" for size in sizes
        )
        out.append(f"  {first.name:<36}{cells}")
    return out
