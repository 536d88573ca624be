"""GDELT event exports: the watched relationships' events, machine-coded from the world's news.

GDELT publishes its event table as tab-separated UTF-8 text without a header, one event a
row, in two layouts: 2.0 (`YYYYMMDDHHMMSS.export.CSV`, every 15 minutes, 61 columns) and
1.0 (`YYYYMMDD.export.CSV`, daily, 58 columns; 57 in the backfiles before April 2013, which
lack SOURCEURL). Either comes zipped (one member) or plain. The kind is read from the
bytes, never the file name: a zip by its signature, the layout by the first row's column
count. Rows whose two actors are a watched relationship's dyad (its `[gdelt]` table in
fixtures/<slug>/matching.toml; either way round) become signals, each with a proposal for the
dyad's indicator its CAMEO code maps to; each day's rows of a dyad with a tone indicator also
give one reading of its tone.

Checks are all-or-nothing: the column count on every row, the values of the fields used on
every row kept. Zip bombs are refused by the declared size and again while unpacking.
"""

import datetime
import functools
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from tracker.dates import out_of_range
from tracker.sources import matching
from tracker.sources.base import (
    MAX_EXCERPT,
    MAX_TITLE,
    ObservationProposal,
    Parsed,
    ParseError,
    SignalData,
    TooLarge,
    clip,
    magnitude_for_count,
    safe_url,
)

# The GDELT 2.0 Event table, in file order. Source: "The GDELT Event Database Data Format
# Codebook V2.0" (2015-02-19); 2.0 added the three *_ADM2Code columns to the 1.0 layout.
COLUMNS = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode",
    "Actor1EthnicCode", "Actor1Religion1Code", "Actor1Religion2Code",
    "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode",
    "Actor2EthnicCode", "Actor2Religion1Code", "Actor2Religion2Code",
    "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code", "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code", "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)  # fmt: skip
COLUMN = {name: index for index, name in enumerate(COLUMNS)}
# GDELT 1.0 ("GDELT Event Database Data Format Codebook V1.03", 2013-08-25): the same
# columns without the *_ADM2Code ones, DATEADDED a YYYYMMDD date; SOURCEURL since April 2013.
COLUMNS_1 = tuple(name for name in COLUMNS if not name.endswith("_ADM2Code"))


@dataclass(frozen=True)
class Layout:
    """One published layout of the event table."""

    name: str
    columns: tuple[str, ...]
    added: str  # DATEADDED's format

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.columns)}


LAYOUTS = {
    len(COLUMNS): Layout("GDELT 2.0", COLUMNS, "%Y%m%d%H%M%S"),
    len(COLUMNS_1): Layout("GDELT 1.0", COLUMNS_1, "%Y%m%d"),
    len(COLUMNS_1) - 1: Layout("GDELT 1.0 (before April 2013)", COLUMNS_1[:-1], "%Y%m%d"),
}
# Other GDELT tables an operator might point a source at by mistake, by column count.
OTHER_TABLES = {
    16: "a GDELT 2.0 mentions file",
    27: "a GDELT 2.0 GKG file",
    11: "a GDELT 1.0 GKG file",
}
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
TONE_INDICATOR = "gdelt-dyadic-tone"  # Russia–Iran's: a level, mean Goldstein scale, -10..+10
# Machine-coded from news: usually reliable outlets, coding not confirmed by a person.
RELIABILITY, CREDIBILITY = "D", 3
# A 15-minute export unpacks to a few MB; this leaves room for the busiest news days.
MAX_MEMBER_BYTES = 64 * 2**20
# A row is a few hundred bytes (the source URL is the longest field).
MAX_LINE = 64 * 1024
CHUNK = 1 << 20

_DIGITS = re.compile(r"[0-9]+")
_CODE = re.compile(r"[0-9]{2,4}")


@dataclass(frozen=True)
class Event:
    """The fields of one kept row, checked."""

    event_id: str
    day: datetime.date
    dyad: matching.Dyad
    actor1: str
    actor2: str
    actor1_name: str
    actor2_name: str
    code: str
    goldstein: float
    mentions: int
    sources: int
    added: datetime.datetime
    source_url: str


class GdeltAdapter:
    """GDELT event exports: the watched dyads' events with proposals, and each day's tone."""

    name = "gdelt"

    def __init__(self, *, max_member_bytes: int = MAX_MEMBER_BYTES):
        self.max_member_bytes = max_member_bytes

    def parse(self, body: bytes, *, url: str = "", charset: str = "") -> Parsed:
        """Every watched dyad's event in the export in `body`, then one tone signal a day and
        dyad (of the dyads with a tone indicator).

        GDELT's files are UTF-8 whatever a server says, so `charset` is not used.
        """
        events = list(dyad_events(body, max_member_bytes=self.max_member_bytes))
        return Parsed([event_signal(event) for event in events] + tone_signals(events))


def dyad_events(body: bytes, *, max_member_bytes: int = MAX_MEMBER_BYTES) -> Iterator[Event]:
    """The checked events of the watched dyads in a GDELT export; ParseError on any fault."""
    seen: set[str] = set()
    for number, fields, layout in _rows(body, max_member_bytes=max_member_bytes):
        pair = _countries(fields, layout.index)
        if pair is None:
            continue
        event = _event(fields, layout, pair, number)
        if event.event_id in seen:
            raise ParseError(f"Line {number}: GLOBALEVENTID {event.event_id} appears twice")
        seen.add(event.event_id)
        yield event


def event_signal(event: Event) -> SignalData:
    """One event as a signal, with a proposal when its code maps to an event indicator."""
    what = matching.cameo_name(event.code)
    indicator = matching.cameo_indicator(event.code, event.dyad)
    magnitude = magnitude_for_count(event.sources)
    summary = (
        f"GDELT: {event.dyad.name(event.actor1)} → {event.dyad.name(event.actor2)}: {what} "
        f"(CAMEO {event.code}, Goldstein {event.goldstein:+g}; {_count(event.sources, 'source')}, "
        f"{_count(event.mentions, 'mention')})"
    )
    proposal = None
    if indicator and indicator not in matching.STAGE_INDICATORS:
        proposal = ObservationProposal(
            indicator=indicator,
            occurred_on=event.day,
            summary=summary,
            magnitude=magnitude,
            reliability=RELIABILITY,
            credibility=CREDIBILITY,
        )
    actors = " / ".join(name for name in (event.actor1_name, event.actor2_name) if name)
    excerpt = summary + (f". Actors as coded: {actors}" if actors else "")
    url = safe_url(event.source_url)
    if not url and event.source_url:
        excerpt += f". Source: {event.source_url}"  # e.g. a wire service named, not linked
    return SignalData(
        external_id=event.event_id,
        title=clip(f"{event.actor1} → {event.actor2}: {what}", MAX_TITLE),
        url=url,
        excerpt=clip(excerpt, MAX_EXCERPT),
        published_at=event.added,
        suggested=(indicator,) if indicator else (),
        proposal=proposal,
    )


def tone_signals(events: list[Event]) -> list[SignalData]:
    """One signal per day and dyad with a tone indicator: the mean Goldstein scale of the
    day's events, weighted by mentions.

    A 15-minute export holds part of a day, so a later export can carry the same id
    (`tone-YYYYMMDD` for Russia–Iran's, `tone-<indicator>-YYYYMMDD` for another's) with a
    different value; the summary names the evidence behind it.
    """
    by_day: dict[tuple[matching.Dyad, datetime.date], list[Event]] = defaultdict(list)
    for event in events:
        if event.dyad.tone:
            by_day[event.dyad, event.day].append(event)
    signals = []
    for dyad, day in sorted(by_day, key=lambda key: (key[0].relationship, key[1])):
        today = by_day[dyad, day]
        mentions = sum(event.mentions for event in today)
        if mentions:
            mean = sum(event.goldstein * event.mentions for event in today) / mentions
        else:
            mean = sum(event.goldstein for event in today) / len(today)
        mean = round(mean, 3)
        pair = "–".join(dyad.names)
        summary = (
            f"GDELT dyadic tone, {pair}, {day.isoformat()}: mean Goldstein scale "
            f"{mean:+.2f} over {_count(len(today), 'event')} ({_count(mentions, 'mention')})"
        )
        # Russia–Iran's tone kept its first id, so that a day read before and after several
        # dyads were watched is one signal.
        tag = "" if dyad.tone == TONE_INDICATOR else f"{dyad.tone}-"
        signals.append(
            SignalData(
                external_id=f"tone-{tag}{day:%Y%m%d}",
                title=f"{' ↔ '.join(dyad.actors)} tone on {day.isoformat()}: {mean:+.2f}",
                url="",
                excerpt=summary,
                published_at=max(event.added for event in today),
                suggested=(dyad.tone,),
                proposal=ObservationProposal(
                    indicator=dyad.tone,
                    occurred_on=day,
                    summary=summary,
                    value=mean,
                    reliability=RELIABILITY,
                    credibility=CREDIBILITY,
                ),
            )
        )
    return signals


def _rows(body: bytes, *, max_member_bytes: int) -> Iterator[tuple[int, list[str], Layout]]:
    """(line number, fields, layout) of each row of the export, zipped or plain."""
    if body.startswith(ZIP_SIGNATURES):
        lines = _zip_lines(body, max_member_bytes=max_member_bytes)
    else:
        lines = _plain_lines(body, max_member_bytes=max_member_bytes)
    layout = None
    for name, number, line in lines:
        fields = line.split("\t")
        if layout is None:
            layout = LAYOUTS.get(len(fields))
            if layout is None:
                raise ParseError(_not_events(name, len(fields)))
        if len(fields) != len(layout.columns):
            raise ParseError(
                f"Line {number} of {name} has {len(fields)} columns; its first row has "
                f"{len(layout.columns)}, as a {layout.name} event row does"
            )
        yield number, fields, layout


def _not_events(name: str, count: int) -> str:
    what = OTHER_TABLES.get(count)
    known = ", ".join(f"{columns} ({layout.name})" for columns, layout in LAYOUTS.items())
    return (
        f"Not a GDELT events export: the first row of {name} has {count} tab-separated "
        f"column{'s' if count != 1 else ''}{f', as {what} does' if what else ''}; an events "
        f"export has {known}"
    )


def _plain_lines(body: bytes, *, max_member_bytes: int) -> Iterator[tuple[str, int, str]]:
    """(name, line number, line) of an export published unzipped."""
    name = "the file"
    if not body.strip():
        raise ParseError("The file is empty")
    if len(body) > max_member_bytes:
        raise TooLarge(f"The file is {len(body):,} bytes, over the cap of {max_member_bytes:,}")
    if b"\t" not in body[:MAX_LINE] or b"\x00" in body[:MAX_LINE]:
        raise ParseError(
            f"Not a GDELT export: neither a zip nor tab-separated text (it begins {body[:8]!r})"
        )
    yield from _lines(io.BytesIO(body), name)


def _zip_lines(body: bytes, *, max_member_bytes: int) -> Iterator[tuple[str, int, str]]:
    """(name, line number, line) of the one member of a zipped export."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as error:
        raise ParseError(f"Not a GDELT export: not a readable zip file ({error})") from None
    except (OSError, ValueError, EOFError) as error:
        raise ParseError(f"Not a GDELT export: the zip is corrupt ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) != 1:
            names = ", ".join(member.filename for member in members[:5]) or "none"
            raise ParseError(
                f"A GDELT export zip holds exactly one file; this one holds {len(members)} "
                f"({names})"
            )
        member = members[0]
        if member.file_size > max_member_bytes:
            raise TooLarge(
                f"{member.filename} would unpack to {member.file_size:,} bytes, over the cap of "
                f"{max_member_bytes:,} (zip bomb?)"
            )
        try:
            with archive.open(member) as raw:
                yield from _lines(_Capped(raw, max_member_bytes, member.filename), member.filename)
        except zipfile.BadZipFile as error:
            raise ParseError(f"The zip is corrupt ({error})") from None
        except (zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as error:
            raise ParseError(f"{member.filename} cannot be unpacked: {error}") from None


def _lines(raw, name: str) -> Iterator[tuple[str, int, str]]:
    """(name, line number, line) of each non-empty line of a UTF-8 stream."""
    number = 0
    stream = io.TextIOWrapper(
        io.BufferedReader(raw, CHUNK), encoding="utf-8", errors="strict", newline="\n"
    )
    try:
        while line := stream.readline(MAX_LINE + 1):
            number += 1
            line = line.rstrip("\r\n")
            if len(line) > MAX_LINE:
                raise ParseError(
                    f"Line {number} of {name} is over {MAX_LINE:,} characters long; GDELT "
                    "rows are a few hundred"
                )
            if line:
                yield name, number, line
    except UnicodeDecodeError as error:
        raise ParseError(
            f"{name} is not valid UTF-8 near line {number + 1}: {error.reason}"
        ) from None


class _Capped(io.RawIOBase):
    """A read-only stream that raises TooLarge once more than `limit` bytes pass through.

    Belt and braces: zipfile stops at the declared size, which was checked already.
    """

    def __init__(self, raw, limit: int, name: str):
        super().__init__()
        self._raw = raw
        self._limit = limit
        self._name = name
        self._size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._limit - self._size + 1))
        self._size += len(data)
        if self._size > self._limit:
            raise TooLarge(
                f"{self._name} unpacks to more than the cap of {self._limit:,} bytes (zip bomb?)"
            )
        buffer[: len(data)] = data
        return len(data)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _countries(fields: list[str], index: dict[str, int]) -> tuple[str, str, matching.Dyad] | None:
    """(actor 1, actor 2) country codes and their dyad if the row is a watched dyad's, either
    way round."""
    # The actor code begins with the country when GDELT left the country column empty.
    first = fields[index["Actor1CountryCode"]] or fields[index["Actor1Code"]][:3]
    second = fields[index["Actor2CountryCode"]] or fields[index["Actor2Code"]][:3]
    dyad = matching.dyad_of(first, second)
    return (first, second, dyad) if dyad else None


def _event(
    fields: list[str], layout: Layout, pair: tuple[str, str, matching.Dyad], number: int
) -> Event:
    index = layout.index

    def field(name: str) -> str:
        return fields[index[name]].strip() if name in index else ""

    def fail(name: str, why: str) -> ParseError:
        return ParseError(f"Line {number}: {name} {field(name)!r} {why}")

    event_id = field("GLOBALEVENTID")
    if not _DIGITS.fullmatch(event_id):
        raise fail("GLOBALEVENTID", "is not a number")
    code = field("EventCode")
    if not _CODE.fullmatch(code):
        raise fail("EventCode", "is not a CAMEO code")
    counts = {}
    for name in ("NumMentions", "NumSources"):
        if not _DIGITS.fullmatch(field(name)):
            raise fail(name, "is not a whole number")
        counts[name] = int(field(name))
    try:
        goldstein = float(field("GoldsteinScale"))
    except ValueError:
        raise fail("GoldsteinScale", "is not a number") from None
    if not -10.0 <= goldstein <= 10.0:  # also refuses nan and inf
        raise fail("GoldsteinScale", "is outside -10..+10")
    return Event(
        event_id=event_id,
        day=_day(field("SQLDATE"), fail),
        dyad=pair[2],
        actor1=pair[0],
        actor2=pair[1],
        actor1_name=field("Actor1Name"),
        actor2_name=field("Actor2Name"),
        code=code,
        goldstein=goldstein,
        mentions=counts["NumMentions"],
        sources=counts["NumSources"],
        added=_added(field("DATEADDED"), layout.added, fail),
        source_url=field("SOURCEURL"),
    )


def _day(text: str, fail) -> datetime.date:
    if not re.fullmatch(r"[0-9]{8}", text):
        raise fail("SQLDATE", "is not a YYYYMMDD date")
    try:
        day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise fail("SQLDATE", "is not a real date") from None
    if problem := out_of_range(day, datetime.datetime.now(datetime.UTC).date()):
        raise fail("SQLDATE", problem)
    return day


def _added(text: str, layout: str, fail) -> datetime.datetime:
    """DATEADDED: YYYYMMDDHHMMSS in UTC (2.0), or the YYYYMMDD day (1.0), as its midnight."""
    shape = "YYYYMMDDHHMMSS timestamp" if layout == "%Y%m%d%H%M%S" else "YYYYMMDD date"
    if not re.fullmatch(r"[0-9]{14}" if len(layout) == 12 else r"[0-9]{8}", text):
        raise fail("DATEADDED", f"is not a {shape}")
    try:
        return datetime.datetime.strptime(text, layout).replace(tzinfo=datetime.UTC)
    except ValueError:
        raise fail("DATEADDED", "is not a real date and time") from None
