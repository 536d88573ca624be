"""Page parts that depend only on the data and the view, rendered once per data version.

A page's costly parts (the verdict card, the figures, what moved, the latest evidence, the
stale list) are the same for every reader of one view of one version of the data. They are
rendered from the template's partials without the request, so that nothing per-user (the
CSRF token, the navigation, a form) can enter them, and stored in the shared cache under a
key naming the data version, the day and the view: a write, a rebuild or midnight makes a new
key, and the old entry is never read again (it expires). The recompute job renders the
default views of each relationship as it finishes, so that the first reader after a write
finds them ready.

The data version comes from the stored series and the append-only history tables
(`series_version`): every process computes the same key without messages between them.
"""

import gzip
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import plotly
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from tracker.clock import today_utc

CACHE_SECONDS = 3600


def _release() -> str:
    """A stamp of the code and templates that render the parts: a new release renders anew
    instead of serving what the last one cached (the shared cache outlives deployments)."""
    digest = hashlib.sha256(plotly.__version__.encode())  # whose plotly.min.js pages load
    for package in ("dashboard", "tracker"):
        root = Path(__file__).resolve().parent.parent / package
        for path in sorted(root.rglob("*")):
            # Static files too: a whole page names them (hashed, in production).
            if path.suffix in {".py", ".html", ".toml", ".css", ".js", ".svg"} and (
                "migrations" not in path.parts
            ):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()


def key(page: str, version: str, *parts: object) -> str:
    """The cache key of one view of a page at one data version, on today's date."""
    day = today_utc().isoformat()
    return ":".join(["entente:page", RELEASE, page, version, day, *map(str, parts)])


def cached(cache_key: str, build: Callable[[], dict]) -> dict:
    """What `build()` gives (a dict of rendered parts and plain values), from the cache
    when this key was built before. A result holding "uncached" (a view still being
    computed elsewhere) is returned without being stored."""
    found = cache.get(cache_key)
    if found is None:
        found = build()
        if not found.get("uncached"):
            cache.set(cache_key, found, CACHE_SECONDS)
    return found


def render(template: str, names: tuple[str, ...], context: dict) -> dict[str, str]:
    """`template`'s partials `names`, rendered from `context` alone (no request: nothing
    per-user can enter them)."""
    return {name: render_to_string(f"{template}#{name}", context) for name in names}


ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def zipped(raw: bytes) -> bytes:
    """`raw` gzipped once, at the highest level: what is compressed once per version is
    worth the smallest answer (every reader of that version gets these bytes)."""
    return gzip.compress(raw, compresslevel=9, mtime=0)


def encoded(text: str | bytes) -> dict[str, bytes]:
    """A JSON answer that holds nothing per-user (no secret for BREACH to find), stored
    gzipped only (a client that does not take gzip, which no browser is, gets it unpacked)."""
    return {"gzip": zipped(text.encode() if isinstance(text, str) else text)}


def zipped_response(request, body: bytes, content_type: str) -> HttpResponse:
    """The answer whose gzipped bytes are `body`, as they are for a client that takes gzip
    (the compression middleware leaves an encoded answer alone), else unpacked."""
    takes = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    response = HttpResponse(body if takes else gzip.decompress(body), content_type=content_type)
    if takes:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def json_response(request, body: dict[str, bytes], *, immutable: bool) -> HttpResponse:
    """`body` (from `encoded`), gzipped for a client that takes it. An `immutable` answer is
    one whose URL names the data version: the browser may keep it as long as it likes."""
    response = zipped_response(request, body["gzip"], "application/json")
    # Private: with DASHBOARD_PUBLIC off, the answer is for readers only.
    if immutable:
        patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response
