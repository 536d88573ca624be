"""The UN Security Council Consolidated List (XML): designations under the Iran and DPRK
regimes, and any entry tied to both countries of a watched pair.

The list (`consolidated.xml`) has a root <CONSOLIDATED_LIST> holding <INDIVIDUALS> and
<ENTITIES>; each <INDIVIDUAL> or <ENTITY> has a DATAID, its names (FIRST_NAME ...
FOURTH_NAME), UN_LIST_TYPE (the regime: "DPRK", "Iran", "Al-Qaida", ...), REFERENCE_NUMBER
(e.g. "KPi.033", the Council's own identifier, so the signal's id), LISTED_ON
(YYYY-MM-DD), COMMENTS1, nationality and addresses. It is read through defusedxml with
DTDs, entity declarations and external references refused, and read whole or refused:
a list is an official record, and a damaged copy is no record of what is in force.

The UN has no Russia regime (Russia holds a veto), so an entry is tied to Russia by its own
text: an address in the Russian Federation, a nationality, the Council's comments. Such an
entry, tied to both countries of a pair, suggests the pair's indicator and becomes an
observation. Every other entry under the regime of a watched pair's country (Iran's 1737
list, the DPRK's 1718 list) is a signal for triage with no suggestion: those regimes are
embargoes on the very arms trade Entente tracks, and their lists are short (about 220
entries in 2026), unlike OFAC's Iran programs (thousands of entries on oil, finance and
human rights), which count only when tied to both countries.
"""

import datetime
import re
import xml.etree.ElementTree as ET

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from tracker.dates import out_of_range
from tracker.sources import sanctions
from tracker.sources.base import MAX_EXCERPT, MAX_TITLE, Parsed, ParseError, SignalData, clip

URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
ROOT = "CONSOLIDATED_LIST"
NAME_FIELDS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_XS_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_REFERENCE = re.compile(r"[A-Za-z0-9.-]{1,64}")  # KPi.033, IRe.012, QDi.001


class UnListAdapter:
    """The Council's list: a signal per entry tied to a watched pair, dated when listed."""

    name = "un_sc"
    list_name = "UN Security Council"

    def parse(self, body: bytes, *, url: str = "", charset: str = "") -> Parsed:
        """Every entry in `body` tied to a watched pair, or ParseError.

        The XML declares its own encoding (UTF-8 as published); `charset` is not used.
        """
        return Parsed(parse_consolidated(body))


def parse_consolidated(body: bytes) -> list[SignalData]:
    """The entries of the consolidated list tied to a watched pair, all or nothing."""
    if not body.strip():
        raise ParseError("The UN list file is empty")
    root = _tree(body)
    if root.tag != ROOT:
        raise ParseError(
            f"Not the UN Security Council Consolidated List: the root element is <{root.tag}>, "
            f"not <{ROOT}>"
        )
    signals: list[SignalData] = []
    seen: set[str] = set()
    for kind, entry in _entries(root):
        identity = _identity(entry)
        if identity in seen:
            raise ParseError(f"{kind} {identity} appears twice")
        seen.add(identity)
        listed_on = _listed_on(entry, identity)
        list_type = _text(entry, "UN_LIST_TYPE")
        countries = sanctions.ties(text=" ".join(entry.itertext()), un_list=list_type)
        tied = sanctions.watched_pairs(countries)
        if tied or sanctions.regime_pairs(list_type):
            signals.append(_signal(kind, entry, identity, list_type, listed_on, tied))
    return signals


def _tree(body: bytes) -> ET.Element:
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise ParseError("The UN list contains a DTD (<!DOCTYPE ...>), refused") from None
    except EntitiesForbidden as error:
        raise ParseError(f"The UN list declares XML entities, refused: {error}") from None
    except ExternalReferenceForbidden as error:
        raise ParseError(f"The UN list refers to an external resource, refused: {error}") from None
    except ET.ParseError as error:
        raise ParseError(f"The UN list is not well-formed XML: {error}") from None


def _entries(root: ET.Element):
    for group, kind in (("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")):
        for section in root.findall(group):
            for entry in section.findall(kind):
                yield kind.capitalize(), entry


def _text(entry: ET.Element, tag: str) -> str:
    return " ".join((entry.findtext(tag) or "").split())


def _identity(entry: ET.Element) -> str:
    reference = _text(entry, "REFERENCE_NUMBER")
    if reference:
        if not _REFERENCE.fullmatch(reference):
            raise ParseError(f"REFERENCE_NUMBER {reference!r} is not a Council reference")
        return reference
    dataid = _text(entry, "DATAID")
    if not dataid.isdigit():
        raise ParseError(f"An entry has neither a REFERENCE_NUMBER nor a DATAID ({dataid!r})")
    return f"DATAID {dataid}"


def _listed_on(entry: ET.Element, identity: str) -> datetime.date | None:
    """LISTED_ON, an xs:date: YYYY-MM-DD, with a time zone at times ("2015-04-07-04:00",
    ten entries of the 2026 list), which names the Council's day and is dropped."""
    text = _text(entry, "LISTED_ON")
    if not text:
        return None
    match = _XS_DATE.fullmatch(text)
    try:
        day = datetime.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        day = None
    if day is None:
        raise ParseError(f"{identity}: LISTED_ON {text!r} is not a YYYY-MM-DD date")
    today = datetime.datetime.now(datetime.UTC).date()
    if problem := out_of_range(day, today):
        raise ParseError(f"{identity}: LISTED_ON {text!r} {problem}")
    if day > today:
        raise ParseError(f"{identity}: LISTED_ON {text!r} is in the future")
    return day


def _signal(kind, entry, identity, list_type, listed_on, pairs) -> SignalData:
    name = " ".join(part for part in (_text(entry, tag) for tag in NAME_FIELDS) if part)
    regime = f"{list_type} regime" if list_type else "no regime named"
    details = [f"{kind} on the UN Security Council Consolidated List", regime]
    if listed_on:
        details.append(f"listed {listed_on.isoformat()}")
    if pairs:
        details.append("tied to " + "; ".join(pair.label for pair in pairs))
    comments = _text(entry, "COMMENTS1")
    excerpt = "; ".join(details) + "." + (f" {comments}" if comments else "")
    return SignalData(
        external_id=identity,
        title=clip(f"{name or identity} ({list_type or 'UN'}, {identity})", MAX_TITLE),
        url=URL,
        excerpt=clip(excerpt, MAX_EXCERPT),
        published_at=(
            datetime.datetime.combine(listed_on, datetime.time(), datetime.UTC)
            if listed_on
            else None
        ),
        suggested=tuple(pair.indicator for pair in pairs if pair.indicator),
    )
