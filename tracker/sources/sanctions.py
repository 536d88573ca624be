"""Sanctions lists: which regimes an entry is tied to, which pairs Entente watches, and the
observation a refresh's new designations make.

An entry is tied to a country by a sanctions program named for it (OFAC's program tags, the
UN's list type) or by its own text naming the country (remarks, addresses, nationality):
OFAC lists many Iranian suppliers of Russia's war under the Russia program alone, with only
their Tehran address naming Iran, and the UN has no Russia regime at all. An entry tied to
both countries of a watched pair is a signal for that pair's indicator. The watched pairs
are data, in fixtures/matching.toml (`[[sanctions]]`).
"""

import datetime
import re
from dataclasses import dataclass

from tracker.sources import matching
from tracker.sources.base import ObservationProposal, SignalData, magnitude_for_count

NAMES_IN_SUMMARY = 10
# The official lists: a completely reliable source, and each designation itself confirmed.
RELIABILITY, CREDIBILITY = "A", 1


@dataclass(frozen=True)
class Regime:
    """How a list entry is tied to one country."""

    country: str
    marks: tuple[str, ...]  # an OFAC program naming any of these is the country's
    prefixes: tuple[str, ...] = ()  # ... or beginning with one of these
    un_lists: tuple[str, ...] = ()  # UN_LIST_TYPE values
    words: str = ""  # a regular expression for the country in an entry's own text

    def program(self, name: str) -> bool:
        upper = name.upper()
        return any(mark in upper for mark in self.marks) or upper.startswith(self.prefixes)


REGIMES = (
    # Every program named for Russia (RUSSIA-EO14024, CAATSA - RUSSIA, ...) and the 2014
    # Ukraine-related orders aimed at Russia (UKRAINE-EO13660/13661/13662). UKRAINE-EO13685
    # (Crimea) is left out: it targets a region, not Russia's state or trade.
    Regime("Russia", ("RUSSIA",), prefixes=("UKRAINE-EO1366",), words=r"\brussia"),
    # Every program named for Iran (IRAN, IRAN-EO13902, IRAN-CON-ARMS-EO, ...), the Iranian
    # Financial Sanctions Regulations (IFSR) and the IRGC tag; the UN's 1737 list, restored
    # by the snapback of September 2025. NPWMD alone is global (North Korea, Syria, ...), so
    # it counts only with the country named.
    Regime("Iran", ("IRAN", "IFSR", "IRGC"), un_lists=("IRAN",), words=r"\biran|\btehran"),
    # DPRK, DPRK2, DPRK3, DPRK4, DPRK-NKSPEA; the UN's 1718 list.
    Regime(
        "North Korea",
        ("DPRK", "NKSPEA"),
        un_lists=("DPRK",),
        words=r"\bnorth korea|\bdprk\b|\bkorea, north|\bdemocratic people's republic of korea"
        r"|\bpyongyang",
    ),
)


@dataclass(frozen=True)
class Pair:
    """Two countries Entente watches, and the indicator their shared designations feed
    ("" until the pair's catalogue has one: its entries are then signals for triage only)."""

    countries: tuple[str, str]
    indicator: str

    @property
    def label(self) -> str:
        return " and ".join(self.countries)


def _pairs() -> tuple[Pair, ...]:
    known = {regime.country for regime in REGIMES}
    pairs = []
    for entry in matching.RULES_FILE.get("sanctions", []):
        first, second = entry["countries"]
        if not {first, second} <= known:
            raise ValueError(f"matching.toml: no sanctions regime for {entry['countries']}")
        pairs.append(Pair((first, second), entry.get("indicator", "")))
    return tuple(pairs)


WATCHED = _pairs()
_WORDS = {regime.country: re.compile(regime.words, re.IGNORECASE) for regime in REGIMES}


def ties(programs: tuple[str, ...] = (), text: str = "", un_list: str = "") -> frozenset[str]:
    """The countries an entry is tied to, by its programs, its UN list or its own text."""
    return frozenset(
        regime.country
        for regime in REGIMES
        if any(regime.program(name) for name in programs)
        or un_list.strip().upper() in regime.un_lists
        or _WORDS[regime.country].search(text)
    )


def watched_pairs(countries: frozenset[str]) -> tuple[Pair, ...]:
    """The watched pairs both of whose countries are among `countries`."""
    return tuple(pair for pair in WATCHED if set(pair.countries) <= countries)


def regime_pairs(un_list: str) -> tuple[Pair, ...]:
    """The watched pairs one of whose countries has the UN regime `un_list`."""
    countries = {regime.country for regime in REGIMES if un_list.strip().upper() in regime.un_lists}
    return tuple(pair for pair in WATCHED if countries & set(pair.countries))


def pair_for(indicator: str) -> Pair | None:
    return next((pair for pair in WATCHED if pair.indicator == indicator), None)


def designations_proposal(
    new_signals: list[SignalData], on: datetime.date, *, list_name: str, pair: Pair
) -> ObservationProposal | None:
    """One observation for new designations on one list tied to one pair, or None (also when
    the pair's indicator is a stage: an analyst chooses the rung from the signals)."""
    if not new_signals or not pair.indicator or pair.indicator in matching.STAGE_INDICATORS:
        return None
    names = [listed_name(signal) for signal in new_signals]
    count = len(names)
    listed = ", ".join(names[:NAMES_IN_SUMMARY])
    if count > NAMES_IN_SUMMARY:
        listed += f" and {count - NAMES_IN_SUMMARY} more"
    noun = "designation" if count == 1 else "designations"
    return ObservationProposal(
        indicator=pair.indicator,
        occurred_on=on,
        summary=f"{count} new {list_name} {noun} tied to both {pair.label}: {listed}",
        magnitude=magnitude_for_count(count),
        reliability=RELIABILITY,
        credibility=CREDIBILITY,
    )


def listed_name(signal: SignalData) -> str:
    """The listed name from a signal's title "NAME (PROGRAM, PROGRAM)"."""
    # Program names and references never contain " (", so the last one starts the list.
    return signal.title.rsplit(" (", 1)[0]
