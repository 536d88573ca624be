"""RSS 2.0, RSS 1.0 and Atom feeds: news entries for triage, never observations.

The bytes pass three gates before feedparser reads them: they must decode strictly in the
encoding they declare (by BOM or XML declaration; UTF-8 when silent), and defusedxml must
parse them with DTDs, entity declarations and external references all forbidden. So XML
bombs (billion laughs, quadratic blowup) and external entities (XXE) are refused before
any entity could expand, and feedparser's own lenient fallbacks never see hostile input.
"""

import codecs
import datetime
import hashlib
import io
import re
import time
import urllib.parse
from html.parser import HTMLParser
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import feedparser
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from tracker.dates import out_of_range
from tracker.sources import matching
from tracker.sources.base import (
    MAX_EXCERPT,
    MAX_TITLE,
    ParseError,
    SignalData,
    clip,
    decode_strictly,
    safe_url,
    stable_id,
)

# Byte-order marks, longest first: a UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# "<?" in UTF-16 without a mark (XML 1.0, appendix F).
_UNMARKED = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_DECLARATION = re.compile(rb"""\A\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
# Feedparser may flag these and still have parsed the feed correctly.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class RssAdapter:
    """News feeds: one signal per entry, with keyword suggestions and no proposal."""

    name = "rss"

    def parse(self, body: bytes, *, url: str = "") -> list[SignalData]:
        """Every entry of the feed in `body`, or ParseError."""
        return parse_feed(body, url=url)


def parse_feed(body: bytes, *, url: str = "") -> list[SignalData]:
    """Every entry of an RSS or Atom feed as a signal; entries repeating an id are dropped."""
    if not body.strip():
        raise ParseError("The feed is empty")
    encoding = declared_encoding(body)
    root = _check_xml(_decode(body, encoding))
    # No base URL for feedparser: it would resolve guids against it too, and an id must
    # not change when the feed moves. Relative links are resolved below instead.
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers={"content-type": "application/xml"}
    )
    if parsed.bozo and not parsed.entries and not isinstance(parsed.bozo_exception, _HARMLESS):
        raise ParseError(f"The feed could not be read: {parsed.bozo_exception}")
    if not parsed.version:
        raise ParseError(f"Not an RSS or Atom feed: the document's root element is <{root}>")
    signals: dict[str, SignalData] = {}
    for entry in parsed.entries:
        signal = _signal(entry, base=url)
        # Feeds in the wild repeat items; the first copy is as good as any.
        signals.setdefault(signal.external_id, signal)
    return list(signals.values())


def declared_encoding(body: bytes) -> str:
    """The encoding a feed declares by byte-order mark or XML declaration; else UTF-8."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding
    for start, encoding in _UNMARKED:
        if body.startswith(start):
            return encoding
    match = _DECLARATION.match(body[:1024])
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def _decode(body: bytes, encoding: str) -> str:
    """The text of `body`, which must decode strictly as declared.

    A feed that declares the wrong encoding but still decodes in it is accepted (it reads
    as mojibake at worst); bytes that do not decode at all are refused.
    """
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ParseError(f"The feed declares an unknown encoding: {encoding}") from None
    return decode_strictly(
        body,
        codec.name,
        f"The feed is not valid {encoding} (the encoding it declares, or UTF-8 when it "
        "declares none)",
    )


class _RootTag:
    """A tree-builder target that keeps only the root element's name."""

    def __init__(self):
        self.root = ""

    def start(self, tag, attrib):
        self.root = self.root or tag

    def close(self):
        return self.root


def _check_xml(text: str) -> str:
    """Parse `text` with defusedxml as a gate; return the root element's name.

    This is defusedxml.ElementTree.fromstring with a target that builds no tree, so a
    large feed costs no more memory here than its text.
    """
    # A str goes to expat as UTF-8 whatever the declaration says: it is already decoded.
    root = _RootTag()
    parser = DefusedXMLParser(
        target=root, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(text)
        parser.close()
        return root.root
    except DTDForbidden:
        raise ParseError(
            "The feed contains a DTD (<!DOCTYPE ...>), refused: DTDs are how entity-expansion "
            "bombs and external-entity (XXE) attacks work, and feeds do not need them"
        ) from None
    except EntitiesForbidden as error:
        raise ParseError(
            f"The feed declares XML entities, refused (entity bomb?): {error}"
        ) from None
    except ExternalReferenceForbidden as error:
        raise ParseError(
            f"The feed refers to an external resource, refused (XXE?): {error}"
        ) from None
    except XMLSyntaxError as error:
        raise ParseError(f"The feed is not well-formed XML: {error}") from None


def _signal(entry, *, base: str) -> SignalData:
    title = _plain(entry.get("title", ""))
    content = entry.get("content") or [{}]
    summary = _plain(entry.get("summary") or content[0].get("value", ""))
    link = (entry.get("link") or "").strip()
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    identity = (entry.get("id") or "").strip() or link
    if not identity:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", published) if published else ""
        identity = "sha256:" + hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()
    return SignalData(
        external_id=stable_id(identity),
        title=clip(title, MAX_TITLE) or "(untitled)",
        url=safe_url(urllib.parse.urljoin(base, link) if base else link),
        excerpt=clip(summary, MAX_EXCERPT),
        published_at=_utc(published),
        suggested=matching.suggest(f"{title}\n{summary}"),
    )


def _utc(parsed: time.struct_time | None) -> datetime.datetime | None:
    """Feedparser's parsed dates are already in UTC; make them aware."""
    if not parsed:
        return None
    try:
        moment = datetime.datetime(*parsed[:6], tzinfo=datetime.UTC)
    except (TypeError, ValueError):
        return None
    # A date outside those Entente accepts (a feed's typo, or a hostile one) is no date.
    today = datetime.datetime.now(datetime.UTC).date()
    return None if out_of_range(moment.date(), today) else moment


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, leaving out scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        elif tag in {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4"}:
            self.parts.append(" ")  # keep words on either side of a block apart

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _plain(fragment: str) -> str:
    """Plain text of an HTML fragment (or of plain text), whitespace collapsed."""
    extractor = _TextOnly()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())
