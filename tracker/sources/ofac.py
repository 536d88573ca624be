"""OFAC's lists: the SDN list (`sdn.csv`) and the Consolidated non-SDN list (`cons_prim.csv`).

Both files have no header and the same 12 columns: ent_num, SDN_Name, SDN_Type, Program,
Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. "-0-" (often
padded with a space) means empty; Program joins several programs with "] [". A file ends
with a line holding one SUB character (0x1A, a DOS end-of-file mark), which is ignored.
ent_num is unique within a list, so it is the signal's id.

Every listed entry tied to a watched pair (tracker.sources.sanctions) is a signal each
refresh; the refresh job knows which ones are new, and turns those into one observation.
"""

import csv
import io
from dataclasses import dataclass

from tracker.parsing import whole_number
from tracker.sources import sanctions
from tracker.sources.base import (
    MAX_EXCERPT,
    MAX_TITLE,
    Parsed,
    ParseError,
    SignalData,
    clip,
    decode_strictly,
)

COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
NULL = "-0-"
EOF_MARK = "\x1a"
URL = "https://sanctionssearch.ofac.treas.gov/"


@dataclass(frozen=True)
class OfacList:
    name: str  # as shown: "OFAC SDN"
    file: str  # as published: "sdn.csv"


SDN = OfacList("OFAC SDN", "sdn.csv")
CONSOLIDATED = OfacList("OFAC Consolidated (non-SDN)", "cons_prim.csv")


class OfacAdapter:
    """One OFAC list: a signal per entry tied to a watched pair, no proposal."""

    def __init__(self, name: str, listing: OfacList):
        self.name = name
        self.listing = listing
        self.list_name = listing.name

    def parse(self, body: bytes, *, url: str = "", charset: str = "") -> Parsed:
        """Every entry in `body` tied to a watched pair, or ParseError.

        OFAC's files are Windows-1252 or UTF-8 whatever a server says (see `_decode`).
        """
        return Parsed(parse_ofac(body, self.listing))


def parse_ofac(body: bytes, listing: OfacList = SDN) -> list[SignalData]:
    """Entries tied to a watched pair (see `sanctions.ties`), all or nothing."""
    text = _decode(body, listing)
    trimmed = text.rstrip("\r\n")
    if trimmed.endswith(EOF_MARK):
        text = trimmed[: -len(EOF_MARK)]
    if not text.strip():
        raise ParseError(f"The {listing.file} file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    signals: list[SignalData] = []
    seen: set[str] = set()
    try:
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(COLUMNS):
                raise ParseError(
                    f"Line {reader.line_num} of the {listing.file} file has {len(row)} "
                    f"columns; OFAC's list files have {len(COLUMNS)}"
                )
            entry = dict(zip(COLUMNS, (_value(cell) for cell in row), strict=True))
            if whole_number(entry["ent_num"]) is None:
                raise ParseError(
                    f"Line {reader.line_num}: ent_num {entry['ent_num']!r} is not a number"
                )
            if entry["ent_num"] in seen:
                raise ParseError(f"Line {reader.line_num}: ent_num {entry['ent_num']} repeats")
            seen.add(entry["ent_num"])
            names = programs(entry["Program"])
            pairs = sanctions.watched_pairs(sanctions.ties(names, entry["Remarks"]))
            if pairs:
                signals.append(_signal(entry, names, pairs, listing))
    except csv.Error as error:
        raise ParseError(
            f"Line {reader.line_num} of the {listing.file} file is not valid CSV: {error}"
        ) from None
    return signals


def programs(field: str) -> tuple[str, ...]:
    """The programs of a Program field: "RUSSIA-EO14024] [IFSR" -> ("RUSSIA-EO14024", "IFSR")."""
    parts = (part.strip(" []") for part in field.split("] ["))
    return tuple(part for part in parts if part)


def _decode(body: bytes, listing: OfacList) -> str:
    """The file's text: UTF-8 if it is valid UTF-8, else Windows-1252.

    OFAC has long published its lists in Windows-1252 (Latin-1 in practice); text in that
    encoding with any accented letter is almost never valid UTF-8, so trying UTF-8 first
    also reads a future UTF-8 file correctly. Windows-1252 leaves five bytes undefined
    (0x81, 0x8D, 0x8F, 0x90, 0x9D): a file holding one of those is refused.
    """
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    return decode_strictly(
        body, "cp1252", f"The {listing.file} file is neither UTF-8 nor Windows-1252"
    )


def _value(cell: str) -> str:
    cell = cell.strip()
    return "" if cell == NULL else cell


def _signal(
    entry: dict[str, str],
    names: tuple[str, ...],
    pairs: tuple[sanctions.Pair, ...],
    listing: OfacList,
) -> SignalData:
    kind = (entry["SDN_Type"] or "entity").capitalize()  # OFAC leaves entities untyped
    details = [f"{kind} on the {listing.name} list", f"programs: {', '.join(names) or 'none'}"]
    if entry["Title"]:
        details.append(f"title: {entry['Title']}")
    if entry["Vess_flag"]:
        details.append(f"vessel flag: {entry['Vess_flag']}")
    details.append("tied to " + "; ".join(pair.label for pair in pairs))
    excerpt = "; ".join(details) + "." + (f" {entry['Remarks']}" if entry["Remarks"] else "")
    return SignalData(
        external_id=entry["ent_num"],
        title=clip(f"{entry['SDN_Name']} ({', '.join(names) or 'no program'})", MAX_TITLE),
        url=URL,
        excerpt=clip(excerpt, MAX_EXCERPT),
        published_at=None,  # the list does not say when an entry was added
        suggested=tuple(pair.indicator for pair in pairs if pair.indicator),
    )
