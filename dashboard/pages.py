"""Whole pages from the shared cache, for everyone who sees the same thing.

A page read twice with nothing changed is the same HTML for every reader of one kind. A page
is therefore rendered once per view, per kind of reader, per version of what it shows
(`tracker.selectors.series.version_by_slug`: the series, the catalogue, alerts, forecasts,
sources' health) and per day, and served from the cache after that.

A page with nothing made for each answer (an anonymous reader's: no form, no CSRF token) is
stored gzipped, and every later reader gets those bytes as they are: a warm page costs the
version's query and a cache read. A signed-in reader's page holds the CSRF token, masked anew
for every answer against BREACH: it is stored with the token replaced by a mark, and each
answer writes a fresh token into the mark and is compressed on its way out.

The kind of reader is the identity the page shows or decides by: anonymous, or the user
(their name is in the navigation; their permissions pick the links and forms). A page with
a message waiting for its reader, a POST, or a view still being computed is never stored.
"""

import hashlib
import re
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from dashboard import fragments

TOKEN_MARK = "\x00csrf\x00"  # no page can hold a NUL (dashboard.middleware refuses them)
KEPT_HEADERS = ("Content-Type", "HX-Push-Url")
# Where a page carries a CSRF token: one not given by `cached_page` (another part asking for
# its own) could be neither replaced nor shared, and the page is not stored.
TOKEN_PLACES = re.compile(r"csrfmiddlewaretoken|X-CSRFToken")


def viewer(request: HttpRequest) -> str:
    """Who the page is rendered for, as far as it shows: anonymous, or one user with their
    permissions (a changed group or grant makes a new key)."""
    user = request.user
    if not user.is_authenticated:
        return "anonymous"
    grants = ",".join(sorted(user.get_all_permissions()))
    who = f"{user.pk}:{user.get_username()}:{user.is_staff}:{user.is_superuser}:{grants}"
    return hashlib.sha256(who.encode()).hexdigest()[:16]


MAX_VALUE = 64  # longer than any date, grade, slug or page number a view takes
# Pages kept per reader and page version: a bound on what any run of made-up (but valid)
# addresses can store before the version moves on; past it, pages are rendered each time.
# 256 covers every indicator's first page and the overview's filters many times over.
PAGES_PER_VERSION = 256


def cached_page(
    request: HttpRequest,
    version: str,
    build: Callable[[dict], HttpResponse],
    *,
    params: frozenset[str],
) -> HttpResponse:
    """The page `build(extra)` renders (`extra` holds the CSRF token to render with), from
    the cache when this view, reader and `version` were rendered before. Only a query made
    of the view's own `params` is stored (any other, or an overlong value, is rendered
    without it), and at most PAGES_PER_VERSION pages per reader and version: so that made-up
    addresses cannot fill the cache."""
    own = all(
        name in params and all(len(value) <= MAX_VALUE for value in values)
        for name, values in request.GET.lists()
    )
    if request.method != "GET" or not own or len(messages.get_messages(request)):
        return build({})
    htmx = getattr(request, "htmx", None)
    shape = "restore" if htmx and htmx.history_restore_request else "part" if htmx else "page"
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:20]
    reader = viewer(request)
    key = fragments.key("whole", version, reader, shape, address)
    stored = cache.get(key)
    if stored is not None:
        return _answer(request, stored)
    token = get_token(request)
    response = build({"csrf_token": token})
    body = response.content.decode()
    ours = body.count(token) == len(TOKEN_PLACES.findall(body))  # every token is the one given
    if (
        response.status_code == 200
        and not getattr(response, "uncached", False)
        and ours
        and TOKEN_MARK not in body  # data holding the mark: never stored
        and _room(fragments.key("whole-count", version, reader))
    ):
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        if token in body:
            stored = {"body": body.replace(token, TOKEN_MARK), "headers": headers}
        else:  # the same bytes for every reader of this kind: compressed once, here
            stored = {"gzip": fragments.zipped(response.content), "headers": headers}
        cache.set(key, stored, fragments.CACHE_SECONDS)
    return response


def _room(counter: str) -> bool:
    """Whether another page may be kept under `counter` (one per reader and version)."""
    cache.add(counter, 0, fragments.CACHE_SECONDS)
    try:
        return cache.incr(counter) <= PAGES_PER_VERSION
    except ValueError:  # expired between the two calls: count afresh
        return cache.add(counter, 1, fragments.CACHE_SECONDS)


def _answer(request: HttpRequest, stored: dict) -> HttpResponse:
    headers = stored["headers"]
    kind = headers.get("Content-Type", "text/html; charset=utf-8")
    if "gzip" in stored:
        response = fragments.zipped_response(request, stored["gzip"], kind)
    else:
        response = HttpResponse(stored["body"].replace(TOKEN_MARK, get_token(request)))
    for name, value in headers.items():
        response[name] = value
    return response
