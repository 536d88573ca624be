"""RSS 2.0, RSS 1.0 and Atom feeds: news entries for triage, never observations.

The bytes pass three gates before feedparser reads them.

1. **Decoding.** A byte order mark wins, then the charset the server named, then the XML
   declaration, then UTF-8. Bytes that contradict a declared legacy encoding but are valid
   UTF-8 are read as UTF-8 (unambiguous, and the commonest mislabelling), with a warning;
   bytes that do not decode as named are refused, naming the encoding.
2. **HTML's named entities** (`&nbsp;`, `&mdash;`, ...), which content systems put in
   feeds though XML defines only five, become the characters HTML5 gives them, by a text
   substitution outside CDATA and comments: no DTD is needed or allowed for them. A bare
   `&` (as in "AT&T") is read as text.
3. **defusedxml** must parse the result with DTDs, entity declarations and external
   references all forbidden. So XML bombs (billion laughs, quadratic blowup) and external
   entities (XXE) are refused before any entity could expand, and feedparser's lenient
   fallbacks never see hostile input.

A feed that is well-formed up to a fault (cut off mid-download, or one entry broken) is
damaged, not hostile: its complete entries are kept and the rest skipped, with a warning
that says where the damage was. A feed with no complete entry is refused. Re-reading the
repaired feed later adds the entries that were skipped, and no entry twice (ids are stable).
"""

import codecs
import contextlib
import datetime
import hashlib
import html.entities
import io
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import feedparser
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from tracker.dates import out_of_range
from tracker.sources import matching
from tracker.sources.base import (
    MAX_EXCERPT,
    MAX_OUTLET,
    MAX_TITLE,
    Parsed,
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
_DECLARATION_TEXT = re.compile(r"\A\s*<\?xml\s[^>]*\?>")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# Entries: RSS 2.0's and RSS 1.0's <item>, Atom's <entry>, by local name.
_ENTRIES = frozenset({"item", "entry"})
_QNAME = re.compile(rb"[^\s/>]+")
_TAG = re.compile(rb"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
# Feedparser may flag these and still have parsed the feed correctly.
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class RssAdapter:
    """News feeds: one signal per entry, with keyword suggestions and no proposal."""

    name = "rss"

    def parse(self, body: bytes, *, url: str = "", charset: str = "") -> Parsed:
        """Every entry of the feed in `body`, or ParseError."""
        return parse_feed(body, url=url, charset=charset)


def parse_feed(body: bytes, *, url: str = "", charset: str = "") -> Parsed:
    """Every entry of an RSS or Atom feed as a signal; entries repeating an id are dropped."""
    if not body.strip():
        raise ParseError("The feed is empty")
    text, warnings = decode_feed(body, charset=charset)
    text, repairs = _xml_references(_DECLARATION_TEXT.sub("", text, count=1))
    document, root, damage = _well_formed(text.encode("utf-8"))
    # No base URL for feedparser: it would resolve guids against it too, and an id must
    # not change when the feed moves. Relative links are resolved below instead.
    parsed = feedparser.parse(
        io.BytesIO(b'<?xml version="1.0" encoding="utf-8"?>' + document),
        response_headers={"content-type": "application/xml; charset=utf-8"},
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
    return Parsed(list(signals.values()), warnings=(*warnings, *repairs, *damage))


def _marked(body: bytes) -> str:
    """The encoding a byte order mark (or UTF-16's "<?" without one) shows, or ""."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding
    for start, encoding in _UNMARKED:
        if body.startswith(start):
            return encoding
    return ""


def _declared(body: bytes) -> str:
    """The encoding the XML declaration names, lower case, or ""."""
    match = _DECLARATION.match(body[:1024])
    return match.group(1).decode("ascii").lower() if match else ""


def decode_feed(body: bytes, *, charset: str = "") -> tuple[str, tuple[str, ...]]:
    """The text of a feed, and a warning if its bytes had to overrule what it declares.

    A byte order mark wins; then `charset`, the one the server named (RFC 7303 puts it
    above the XML declaration); then the declaration; then UTF-8. Bytes that contradict the
    label are read as what they unambiguously are: UTF-8 under a legacy or a 16-bit label,
    or the feed's own declared encoding when the server's charset does not fit them.
    """
    if mark := _marked(body):
        return _decode(body, mark, "by its byte order mark"), ()
    declared = _declared(body)
    warnings: list[str] = []
    labels: list[tuple[str, str]] = []
    if charset:
        label = charset.strip().lower()
        if _codec(label) is None:
            warnings.append(f"The server names an unknown charset ({label}): ignored")
        else:
            labels.append((label, "as its server said"))
    if declared:
        labels.append((declared, "as it declares"))
    label, said = labels[0] if labels else ("utf-8", "the default: it declares no encoding")
    codec = _codec(label)
    if codec is None:
        raise ParseError(f"The feed names an unknown encoding: {label} ({said})")
    if codec.name != "utf-8" and not body.isascii() and _is_utf8(body):
        # Valid UTF-8 with non-ASCII in it is almost never meant as anything else; and a
        # 16-bit label on bytes whose declaration read as ASCII cannot be right.
        warnings.append(
            f"The feed is labelled {label} ({said}) but its bytes are UTF-8: read as UTF-8"
        )
        return body.decode("utf-8"), tuple(warnings)
    if codec.name.startswith(("utf-16", "utf-32")) and body.isascii():
        warnings.append(
            f"The feed is labelled {label} ({said}) but its bytes are ASCII: read as such"
        )
        return body.decode("ascii"), tuple(warnings)
    try:
        return _decode(body, label, said), tuple(warnings)
    except ParseError:
        if len(labels) > 1 and (own := _codec(declared)) is not None:
            with contextlib.suppress(ParseError):
                text = _decode(body, own.name, "as it declares")
                warnings.append(
                    f"The server said {label} but the bytes are not; read as the feed "
                    f"declares, {declared}"
                )
                return text, tuple(warnings)
        raise


def _codec(label: str) -> codecs.CodecInfo | None:
    try:
        return codecs.lookup(label)
    except LookupError:
        return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        # A download cut in the middle of a character is still UTF-8 up to the cut.
        return error.end == len(body) and error.reason == "unexpected end of data"
    return True


def _decode(body: bytes, encoding: str, said: str) -> str:
    """The text of `body`, which must decode strictly in `encoding`; a multi-byte character
    cut off by the end of the body (a truncated download) is dropped, and the XML gate then
    finds the feed damaged there."""
    name = codecs.lookup(encoding).name
    try:
        return body.decode(name)
    except UnicodeDecodeError as error:
        if error.end == len(body) and error.reason in ("unexpected end of data", "truncated data"):
            return body[: error.start].decode(name)
    return decode_strictly(body, name, f"The feed is not valid {encoding} ({said})")


# Where the reference rewriting looks: an ampersand, or the start of a section whose text is
# not markup (CDATA, a comment, a processing instruction), skipped to its end by `find`, so
# that an unterminated one costs one scan, not one per opener.
_OPENERS = re.compile(r"&|<!\[CDATA\[|<!--|<\?")
_CLOSERS = {"<![CDATA[": "]]>", "<!--": "-->", "<?": "?>"}
_REFERENCE = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]{0,31});|#[0-9]{1,7};|#x[0-9A-Fa-f]{1,6};)")


def _xml_references(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with HTML's named entities as characters and bare ampersands escaped, outside
    CDATA, comments and processing instructions; in linear time.

    A name neither XML nor HTML defines is left alone: the parser then finds the entry
    that holds it damaged, and it is skipped.
    """
    parts: list[str] = []
    bare = position = 0
    while (found := _OPENERS.search(text, position)) is not None:
        parts.append(text[position : found.start()])
        opener = found.group()
        if opener != "&":
            end = text.find(_CLOSERS[opener], found.end())
            end = len(text) if end < 0 else end + len(_CLOSERS[opener])
            parts.append(text[found.start() : end])
            position = end
            continue
        reference = _REFERENCE.match(text, found.start())
        if reference is None:
            bare += 1
            parts.append("&amp;")
            position = found.end()
            continue
        name = reference.group(1)
        if name and name not in _XML_ENTITIES and f"{name};" in html.entities.html5:
            parts.append("".join(f"&#x{ord(c):x};" for c in html.entities.html5[f"{name};"]))
        else:
            parts.append(reference.group())
        position = reference.end()
    parts.append(text[position:])
    text = "".join(parts)
    if not bare:
        return text, ()
    noun = "ampersand" if bare == 1 else "ampersands"
    return text, (f"The feed has {bare} bare {noun} (& not escaped as &amp;): read as text",)


@dataclass
class _Scan:
    """What one pass of defusedxml over a document found: a tree-builder target that builds
    no tree, so a large feed costs no more memory here than its bytes.

    It notes the root, each complete entry's byte span, and the part before the first entry
    (the feed's head) with the elements open there; on a syntax error, where it stopped and
    where the entry it was reading began.
    """

    buffer: bytes
    root: str = ""
    entries: list[tuple[int, int]] = field(default_factory=list)
    head: tuple[int, tuple[bytes, ...], bytes] | None = None  # (offset, open names, entry name)
    error: str = ""
    error_at: int = 0
    cut: bool = False
    _open: list[tuple[bytes, int]] = field(default_factory=list)  # (name, start offset)
    _entry: tuple[int, int] | None = None  # (offset, depth) of the entry being read
    _expat: Any = None  # the pyexpat parser under defusedxml's, for byte offsets

    @property
    def open_entry(self) -> int | None:
        """Where the entry being read when the scan stopped began, if one was."""
        return self._entry[0] if self._entry else None

    def run(self) -> "_Scan":
        parser = DefusedXMLParser(
            target=self, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self._expat = parser.parser
        try:
            parser.feed(self.buffer)
            self.cut = True  # an error from here on: the document ends with elements open
            parser.close()
        except DTDForbidden:
            raise ParseError(DTD_REFUSED) from None
        except EntitiesForbidden as error:
            raise ParseError(
                f"The feed declares XML entities, refused (entity bomb?): {error}"
            ) from None
        except ExternalReferenceForbidden as error:
            raise ParseError(
                f"The feed refers to an external resource, refused (XXE?): {error}"
            ) from None
        except XMLSyntaxError as error:
            self.error = str(error).split(": line ")[0]
            self.error_at = max(0, self._expat.ErrorByteIndex)
        return self

    def start(self, tag, attrib):
        at = self._expat.CurrentByteIndex
        name = _matched(_QNAME, self.buffer, at + 1).group()
        self.root = self.root or tag
        if self._entry is None and tag.rpartition("}")[2] in _ENTRIES:
            if self.head is None:
                self.head = (at, tuple(name for name, _ in self._open), name)
            self._entry = (at, len(self._open))
        self._open.append((name, at))

    def end(self, tag):
        _, started = self._open.pop()
        if self._entry is not None and len(self._open) == self._entry[1]:
            at = self._expat.CurrentByteIndex
            # An end tag ends where it closes; an empty element (<item/>) where it does.
            close = _matched(
                _TAG, self.buffer, at if self.buffer.startswith(b"</", at) else started
            )
            self.entries.append((self._entry[0], close.end()))
            self._entry = None

    def close(self):
        return self.root


DTD_REFUSED = (
    "The feed contains a DTD (<!DOCTYPE ...>), refused: DTDs are how entity-expansion bombs "
    "and external-entity (XXE) attacks work, and feeds do not need them"
)
# A damaged feed is read past at most this many damaged places; each costs one more pass.
MAX_DAMAGE = 10
_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)\b", re.IGNORECASE)
_SKIPPED = {b"<![CDATA[": b"]]>", b"<!--": b"-->"}
_MARKUP_OPENERS = re.compile(rb"<!\[CDATA\[|<!--")


def _matched(pattern: re.Pattern[bytes], data: bytes, at: int) -> re.Match[bytes]:
    """`pattern` at `at`, where expat has just reported a tag (so it always matches)."""
    match = pattern.match(data, at)
    if match is None:
        raise ParseError(f"The feed could not be read at byte {at:,}")
    return match


def _outside_text(data: bytes, pattern: re.Pattern[bytes], position: int) -> re.Match | None:
    """The first match of `pattern` from `position` that is markup, not the text of a CDATA
    section or a comment (each skipped whole; the whole search is one pass)."""
    found = pattern.search(data, position)
    while found is not None:
        opener = _MARKUP_OPENERS.search(data, position, found.start())
        if opener is None:
            return found
        close = _SKIPPED[opener.group()]
        end = data.find(close, opener.end())
        if end < 0:
            return None
        position = end + len(close)
        if position > found.start():
            found = pattern.search(data, position)
    return None


def _well_formed(data: bytes) -> tuple[bytes, str, tuple[str, ...]]:
    """The document to read, its root element's name, and a warning if it was damaged.

    A damaged document becomes its head, its complete entries and the closing tags the
    head left open. After a fault, reading resumes at the next entry's start tag after the
    start of the entry the fault was in (entries that follow an unclosed one are kept).
    """
    scan = _Scan(data).run()
    if not scan.error:
        return data, scan.root, ()
    # Markup that only a DTD could make sense of is hostile, damaged or not.
    if _outside_text(data, _DECLARATIONS, 0) is not None:
        raise ParseError(DTD_REFUSED)
    if scan.head is None:
        raise ParseError(
            f"The feed is not well-formed XML: {_where(data, scan)} (before its first entry)"
        )
    start, open_names, entry_name = scan.head
    head = data[:start]
    kept = [data[a:b] for a, b in scan.entries]
    faults = [_where(data, scan)]
    entry_tag = re.compile(rb"<" + re.escape(entry_name) + rb"[\s/>]")
    position = _resume_from(scan, 0)
    while len(faults) <= MAX_DAMAGE and (resume := _outside_text(data, entry_tag, position)):
        part = _Scan(head + data[resume.start() :]).run()
        shift = resume.start() - len(head)
        kept += [part.buffer[a:b] for a, b in part.entries if a >= len(head)]
        if not part.error:
            break
        faults.append(_where(data, part, shift=shift))
        position = max(_resume_from(part, shift), resume.start() + 1)
    if not kept:
        found = "no entry in it is complete"
        if len(faults) > MAX_DAMAGE:
            found = f"no entry is complete in its first {MAX_DAMAGE} damaged places"
        raise ParseError(f"The feed is not well-formed XML: {faults[0]}; {found}")
    document = (
        head + b"".join(kept) + b"".join(b"</" + name + b">" for name in reversed(open_names))
    )
    if final := _Scan(document).run().error:  # cannot happen: each piece parsed whole
        raise ParseError(f"The feed could not be repaired: {final}")
    noun = "entry" if len(kept) == 1 else "entries"
    places = f" ({len(faults)} damaged places)" if len(faults) > 1 else ""
    if len(faults) > MAX_DAMAGE:
        places = f" (over {MAX_DAMAGE} damaged places: the rest was not read)"
    return (
        document,
        scan.root,
        (
            f"The feed is damaged: {'; '.join(faults[:3])}{places}. Read its {len(kept)} "
            f"complete {noun}; what the damage cut is skipped until the feed is whole again",
        ),
    )


def _resume_from(scan: _Scan, shift: int) -> int:
    """Where to look for the next entry after a scan's fault: just after the start of the
    entry it was reading, or at the fault itself."""
    open_entry = scan.open_entry
    return (open_entry if open_entry is not None else scan.error_at) + shift + 1


def _where(data: bytes, scan: _Scan, *, shift: int = 0) -> str:
    """The scan's fault with its line and column (in characters) in `data`."""
    at = min(len(data), scan.error_at + shift)
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    column = len(data[line_start:at].decode("utf-8", errors="replace"))
    where = f"{scan.error}: line {line}, column {column}"
    return f"{where} (it ends there: cut off?)" if scan.cut else where


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
        outlet=clip(_plain((entry.get("source") or {}).get("title", "")), MAX_OUTLET),
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
