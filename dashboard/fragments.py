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

from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import render_to_string

from tracker.clock import today_utc

CACHE_SECONDS = 3600


def key(page: str, version: str, *parts: object) -> str:
    """The cache key of one view of a page at one data version, on today's date."""
    return ":".join(["entente:page", page, version, today_utc().isoformat(), *map(str, parts)])


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
