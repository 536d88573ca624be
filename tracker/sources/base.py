"""The ingestion interface: what an adapter returns, and the errors it may raise.

Adapters are pure: bytes in, `Parsed` out (the signals, and warnings about damage the
adapter read past), or an `IngestError`. They never touch the database; the refresh job
upserts what they return and records the warnings on the source.
"""

import datetime
import hashlib
import math
import urllib.parse
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# Field limits the stored signal can hold; adapters clip to them so an upsert never fails
# on one overlong feed entry.
MAX_EXTERNAL_ID = 255
MAX_TITLE = 300
MAX_EXCERPT = 500
MAX_OUTLET = 120  # tracker.models.Source.name's max_length
MAX_URL = 500  # tracker.models.Observation.url's max_length


@dataclass(frozen=True)
class ObservationProposal:
    """What a structured dataset may record directly, machine-graded."""

    indicator: str  # catalogue slug
    occurred_on: datetime.date
    summary: str
    magnitude: float | None = None  # event indicators
    value: float | None = None  # level indicators
    reliability: str = "C"  # Admiralty A–F
    credibility: int = 3  # Admiralty 1–6
    quote: str = ""


@dataclass(frozen=True)
class SignalData:
    """One item a refresh found: a feed entry, a dataset row."""

    external_id: str  # stable and unique per source: idempotent upserts key on it
    title: str
    url: str
    excerpt: str
    published_at: datetime.datetime | None  # aware, UTC
    suggested: tuple[str, ...]  # indicator slugs suggested by keyword or code rules
    proposal: ObservationProposal | None = None
    # The publisher the item credits, when a feed relays others (RSS's <source>, Atom's
    # source title): triage proposes it as the observation's source, not the feed.
    outlet: str = ""


@dataclass(frozen=True)
class Parsed:
    """What an adapter read from one body: every signal, and what it had to read past.

    A warning is for an operator ("the feed is damaged at line 40: 3 complete entries
    read"); the signals in a result with warnings are still whole and correct.
    """

    signals: list[SignalData]
    warnings: tuple[str, ...] = ()


class IngestError(Exception):
    """A refresh failed; the message is shown to operators as the source's last error."""


class ParseError(IngestError):
    """The body is malformed or hostile; retrying the same bytes will not help."""


class TooLarge(ParseError):
    """The body, or something unpacked from it, is over the size cap.

    A ParseError too: like malformed input, it is refused and not worth retrying.
    """


class FetchError(IngestError):
    """Network trouble worth retrying: timeouts, refused connections, 5xx and 429."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after  # seconds the server asked us to wait, if it said


class HTTPStatusError(IngestError):
    """The server refused the request for good (a 4xx other than 408 and 429)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


@runtime_checkable
class Adapter(Protocol):
    """Turns one fetched body into signals."""

    name: str

    def parse(self, body: bytes, *, url: str = "", charset: str = "") -> Parsed:
        """Every signal in `body`, or ParseError.

        `url` is where the body came from (to resolve relative links); `charset` is the one
        the server named in its Content-Type, if any. An adapter that can keep the whole
        part of a damaged body says so in the warnings; otherwise it refuses the body.
        """
        ...


def clip(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Cut at the last space if it leaves most of the text; a single huge word is cut hard.
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def safe_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL the database can hold, else ""."""
    url = url.strip()
    # Anything else (javascript:, data:, file:, relative paths) must never become a link.
    if len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return ""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return url


def stable_id(text: str) -> str:
    """`text` as an external id, hashed when too long to store."""
    if len(text) <= MAX_EXTERNAL_ID:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def magnitude_for_count(count: int) -> float:
    """An event's magnitude from how many sources or rows report it: 1 for one, one more for
    each doubling, at most 5 (the catalogue's scale: 1 minor ... 5 exceptional)."""
    return round(min(5.0, 1.0 + math.log2(max(1, count))), 2)


def decode_strictly(body: bytes, encoding: str, what: str) -> str:
    """`body` decoded as `encoding`, or a ParseError naming the first byte and line that do
    not decode; `what` says what was expected ("not valid UTF-8", ...)."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise ParseError(
            f"{what}: byte 0x{body[error.start]:02x} on line {line} does not decode"
        ) from None
