"""Suggest catalogue indicators for machine-found items: keyword rules and CAMEO codes.

The rules are data, in fixtures/matching.toml (its header says how terms match) and in each
relationship's fixtures/<slug>/matching.toml, so that they are read, reviewed and extended
without touching this code. An indicator belongs to one relationship, so a suggested
indicator names the relationship too. Suggestions only steer triage; an analyst decides.
"""

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@dataclass(frozen=True)
class Rule:
    """Suggest `indicator` when a term matches and every context group matches."""

    indicator: str
    terms: tuple[str, ...]
    context: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Dyad:
    """The GDELT events of one relationship: its two CAMEO country codes (either way round),
    their names, CAMEO event codes mapped to its indicators, and the indicator its daily tone
    feeds ("" for none)."""

    relationship: str
    actors: tuple[str, str]
    names: tuple[str, str]
    cameo: dict[str, str] = field(hash=False, compare=False)
    tone: str = ""

    def name(self, code: str) -> str:
        return self.names[self.actors.index(code)]


# The rules file, read once; tracker.sources.sanctions reads its [[sanctions]] pairs here too.
RULES_FILE = tomllib.loads((FIXTURES / "matching.toml").read_text(encoding="utf-8"))
# Each relationship's own keyword rules (and any groups of its own), by folder name.
RELATIONSHIP_RULES = {
    path.parent.name: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted(FIXTURES.glob("*/matching.toml"))
}


def _load(
    data: dict = RULES_FILE, more: tuple[dict, ...] = tuple(RELATIONSHIP_RULES.values())
) -> tuple[tuple[Rule, ...], dict]:
    groups = dict(data["groups"])
    for extra in more:
        for name, terms in extra.get("groups", {}).items():
            if groups.setdefault(name, terms) != terms:
                raise ValueError(f"matching: two files define the context group {name!r}")

    def group(item: str | list[str]) -> tuple[str, ...]:
        names = [item] if isinstance(item, str) else item
        return tuple(term for name in names for term in groups[name])

    rules = tuple(
        Rule(
            indicator=rule["indicator"],
            terms=tuple(rule["terms"]),
            context=tuple(group(item) for item in rule.get("context", [])),
        )
        for rule in [*data.get("keyword", []), *(r for extra in more for r in extra["keyword"])]
    )
    return rules, data["cameo-names"]


def _dyads(by_relationship: dict[str, dict] = RELATIONSHIP_RULES) -> tuple[Dyad, ...]:
    dyads: list[Dyad] = []
    for relationship, data in by_relationship.items():
        if spec := data.get("gdelt"):
            dyad = Dyad(
                relationship=relationship,
                actors=tuple(spec["actors"]),
                names=tuple(spec["names"]),
                cameo=dict(spec.get("cameo", {})),
                tone=spec.get("tone", ""),
            )
            if any(set(dyad.actors) == set(other.actors) for other in dyads):
                raise ValueError(f"matching: two relationships read the GDELT dyad {dyad.actors}")
            dyads.append(dyad)
    return tuple(dyads)


KEYWORD_RULES, CAMEO_NAMES = _load()
DYADS = _dyads()

# Stage indicators need an analyst to choose the rung, so rules may suggest them but a
# structured adapter never proposes an observation for them (a proposal has no stage).
STAGE_INDICATORS = frozenset(
    indicator["slug"]
    for catalogue in sorted(FIXTURES.glob("*/catalogue.toml"))
    for indicator in tomllib.loads(catalogue.read_text(encoding="utf-8"))["indicators"]
    if indicator["kind"] == "stage"
)

_CAMEO_CODE = re.compile(r"[0-9]{2,4}")
# Typographic dashes and no-break spaces read as their plain forms.
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-") | {"\u00a0": " "}
)


def suggest(text: str) -> tuple[str, ...]:
    """Indicator slugs the keyword rules suggest for `text`, sorted and unique."""
    normal = text.translate(_DASHES)
    return tuple(
        sorted(
            {
                rule.indicator
                for rule in KEYWORD_RULES
                if _matches(rule.terms, normal)
                and all(_matches(group, normal) for group in rule.context)
            }
        )
    )


def dyad_of(first: str, second: str) -> Dyad | None:
    """The watched dyad of two CAMEO country codes, either way round, or None."""
    return next((d for d in DYADS if {first, second} == set(d.actors)), None)


def cameo_indicator(event_code: str, dyad: Dyad) -> str | None:
    """The dyad's indicator a CAMEO event code points at (its most specific mapped prefix),
    or None."""
    if not _CAMEO_CODE.fullmatch(event_code):
        return None
    for length in (4, 3, 2):
        if len(event_code) >= length and event_code[:length] in dyad.cameo:
            return dyad.cameo[event_code[:length]]
    return None


def cameo_name(event_code: str) -> str:
    """A readable description of a CAMEO code, from its most specific known prefix."""
    for length in (4, 3, 2):
        name = CAMEO_NAMES.get(event_code[:length]) if len(event_code) >= length else None
        if name:
            return name
    return f"CAMEO {event_code}"


def _matches(terms: tuple[str, ...], text: str) -> bool:
    return _pattern(terms).search(text) is not None


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_term_regex(term) for term in terms), re.IGNORECASE)


def _term_regex(term: str) -> str:
    prefix = term.endswith("*")
    words = term.rstrip("*").split(" ")
    body = r"[\s-]+".join("-?".join(re.escape(part) for part in word.split("-")) for word in words)
    return rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)")
