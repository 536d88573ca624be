"""The OFAC SDN list (`sdn.csv`): designations that touch both Russia and Iran.

The file has no header and 12 columns: ent_num, SDN_Name, SDN_Type, Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. "-0-" (often padded
with a space) means empty; Program joins several programs with "] [". The file ends with a
line holding one SUB character (0x1A, a DOS end-of-file mark), which is ignored.

Every listed entry is a signal each refresh; the refresh job knows which ones are new, and
`designations_proposal` turns those into one observation.
"""

import csv
import datetime
import io
import re

from tracker.parsing import whole_number
from tracker.sources.base import (
    MAX_EXCERPT,
    MAX_TITLE,
    ObservationProposal,
    ParseError,
    SignalData,
    clip,
    decode_strictly,
    magnitude_for_count,
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
INDICATOR = "sanctions-on-cooperation"
# The official list: a completely reliable source, and the designation itself is confirmed.
RELIABILITY, CREDIBILITY = "A", 1
NAMES_IN_SUMMARY = 10

# Russia programs: every program named for Russia (RUSSIA-EO14024, CAATSA - RUSSIA, ...)
# and the 2014 Ukraine-related orders aimed at Russia (UKRAINE-EO13660/13661/13662).
# UKRAINE-EO13685 (Crimea) is left out: it targets a region, not Russia's state or trade.
RUSSIA_MARK, RUSSIA_PREFIX = "RUSSIA", "UKRAINE-EO1366"
# Iran programs: every program named for Iran (IRAN, IRAN-EO13902, IRAN-CON-ARMS-EO, ...),
# the Iranian Financial Sanctions Regulations (IFSR) and the IRGC tag. NPWMD alone is
# global (North Korea, Syria, ...), so it counts only when the remarks name Iran.
IRAN_MARKS = ("IRAN", "IFSR", "IRGC")
_RUSSIA_WORD = re.compile(r"\brussia", re.IGNORECASE)  # Russia, Russian
_IRAN_WORD = re.compile(r"\biran", re.IGNORECASE)  # Iran, Iranian


class OfacSdnAdapter:
    """The SDN list: one signal per entry touching both Russia and Iran, no proposal."""

    name = "ofac_sdn"

    def parse(self, body: bytes, *, url: str = "") -> list[SignalData]:
        """Every SDN entry in `body` tied to both Russia and Iran, or ParseError."""
        return parse_sdn(body)


def parse_sdn(body: bytes) -> list[SignalData]:
    """Entries tied to both Russia and Iran (see `touches_both`), all or nothing."""
    text = _decode(body)
    trimmed = text.rstrip("\r\n")
    if trimmed.endswith(EOF_MARK):
        text = trimmed[: -len(EOF_MARK)]
    if not text.strip():
        raise ParseError("The SDN file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    signals: list[SignalData] = []
    seen: set[str] = set()
    try:
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(COLUMNS):
                raise ParseError(
                    f"Line {reader.line_num} of the SDN file has {len(row)} columns; "
                    f"sdn.csv has {len(COLUMNS)}"
                )
            entry = dict(zip(COLUMNS, (_value(cell) for cell in row), strict=True))
            if whole_number(entry["ent_num"]) is None:
                raise ParseError(
                    f"Line {reader.line_num}: ent_num {entry['ent_num']!r} is not a number"
                )
            if entry["ent_num"] in seen:
                raise ParseError(f"Line {reader.line_num}: ent_num {entry['ent_num']} repeats")
            seen.add(entry["ent_num"])
            if touches_both(programs(entry["Program"]), entry["Remarks"]):
                signals.append(_signal(entry))
    except csv.Error as error:
        raise ParseError(
            f"Line {reader.line_num} of the SDN file is not valid CSV: {error}"
        ) from None
    return signals


def programs(field: str) -> tuple[str, ...]:
    """The programs of a Program field: "RUSSIA-EO14024] [IFSR" -> ("RUSSIA-EO14024", "IFSR")."""
    parts = (part.strip(" []") for part in field.split("] ["))
    return tuple(part for part in parts if part)


def touches_both(program_names: tuple[str, ...], remarks: str = "") -> bool:
    """Whether an entry is tied to Russia and to Iran, each by a program or by its remarks.

    Remarks count because OFAC lists many Iranian suppliers of Russia's war under the
    Russia program alone, with only their Tehran address naming Iran (and the reverse).
    """
    upper = [name.upper() for name in program_names]
    russia = any(RUSSIA_MARK in name or name.startswith(RUSSIA_PREFIX) for name in upper)
    iran = any(mark in name for name in upper for mark in IRAN_MARKS)
    return (russia or bool(_RUSSIA_WORD.search(remarks))) and (
        iran or bool(_IRAN_WORD.search(remarks))
    )


def designations_proposal(
    new_signals: list[SignalData], on: datetime.date
) -> ObservationProposal | None:
    """One observation for a refresh's new designations, or None when there are none."""
    if not new_signals:
        return None
    names = [sdn_name(signal) for signal in new_signals]
    count = len(names)
    listed = ", ".join(names[:NAMES_IN_SUMMARY])
    if count > NAMES_IN_SUMMARY:
        listed += f" and {count - NAMES_IN_SUMMARY} more"
    noun = "designation" if count == 1 else "designations"
    return ObservationProposal(
        indicator=INDICATOR,
        occurred_on=on,
        summary=f"{count} new OFAC {noun} touching both Russia and Iran programs: {listed}",
        magnitude=magnitude_for_count(count),
        reliability=RELIABILITY,
        credibility=CREDIBILITY,
    )


def sdn_name(signal: SignalData) -> str:
    """The listed name from a signal's title "NAME (PROGRAM, PROGRAM)"."""
    # Program names never contain " (", so the last one starts the program list.
    return signal.title.rsplit(" (", 1)[0]


def _decode(body: bytes) -> str:
    """The file's text: UTF-8 if it is valid UTF-8, else Windows-1252.

    OFAC has long published sdn.csv in Windows-1252 (Latin-1 in practice); text in that
    encoding with any accented letter is almost never valid UTF-8, so trying UTF-8 first
    also reads a future UTF-8 file correctly. Windows-1252 leaves five bytes undefined
    (0x81, 0x8D, 0x8F, 0x90, 0x9D): a file holding one of those is refused.
    """
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    return decode_strictly(body, "cp1252", "The SDN file is neither UTF-8 nor Windows-1252")


def _value(cell: str) -> str:
    cell = cell.strip()
    return "" if cell == NULL else cell


def _signal(entry: dict[str, str]) -> SignalData:
    names = programs(entry["Program"])
    kind = (entry["SDN_Type"] or "entity").capitalize()  # OFAC leaves entities untyped
    details = [f"{kind} on the OFAC SDN list", f"programs: {', '.join(names) or 'none'}"]
    if entry["Title"]:
        details.append(f"title: {entry['Title']}")
    if entry["Vess_flag"]:
        details.append(f"vessel flag: {entry['Vess_flag']}")
    excerpt = "; ".join(details) + "." + (f" {entry['Remarks']}" if entry["Remarks"] else "")
    return SignalData(
        external_id=entry["ent_num"],
        title=clip(f"{entry['SDN_Name']} ({', '.join(names) or 'no program'})", MAX_TITLE),
        url=URL,
        excerpt=clip(excerpt, MAX_EXCERPT),
        published_at=None,  # the list does not say when an entry was added
        suggested=(INDICATOR,),
    )
