"""How robust a verdict is: the method re-run on one day with each parameter family varied.

Pure numpy over plain values (indicator specs, scenarios, observation rows), like `method`.
The method is evaluated on a one-day grid: event sums, latest states and freshness need only
the points up to that day, so a variant costs one pass over the observations, and a variant
that leaves an indicator's own parameters alone (a weight) reuses its series.

docs/methodology.md §11 gives each family's range and the rule, with reasons: the ranges were
written down before the method was first varied on the demo, and are not tuned to a verdict.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from itertools import islice

import numpy as np
from numpy.typing import DTypeLike

from tracker.scoring import method

FACTOR = 2.0  # a multiplicative family is tried at x 1/2 and x 2 of its published values
# A variant that moves the published leading scenario's odds by more than this, band held,
# still makes its family "sensitive": the width of ICD 203's narrowest term (45–55%).
ODDS_SHIFT = 0.10
SHOWN = 3  # flipping variants named on the card, per place they go (the table lists all)

PUBLISHED = "published"
WEIGHTS = "indicator weights"
HALF_LIVES = "event half-lives"
SATURATIONS = "event saturations"
GRADES = "grade weights"
STATE_FRESHNESS = "state freshness"
FAMILIES = (WEIGHTS, HALF_LIVES, SATURATIONS, GRADES, STATE_FRESHNESS)


# --- The seam: observation rows -> the method's point columns, under given grade tables. ---
# How an Admiralty grade enters the method lives here and only here for the variants: a
# change to it (method.claim_probability, method.source_doubt, the originators) is made in
# GradeTables and graded_points, and the published variant's test says when they disagree.


@dataclass(frozen=True, eq=False)
class GradeTables:
    """Admiralty grades as method 2.0 reads them: credibility as the chance a claim is true
    (what a report counts for), reliability as the chance its originator passes on what it
    knows without error (the spread, once per originator)."""

    name: str
    claim: Mapping[int, float]  # credibility 1–6 -> chance the claim is true
    source: Mapping[str, float]  # reliability A–F -> chance the originator is right

    def claim_probability(self, credibility: int, caveat: str = "") -> float:
        """As method.claim_probability, on these tables."""
        p = self.claim[credibility]
        return method.caveated(p) if caveat else p

    def grade_table(self) -> np.ndarray:
        """Grades looked up by (caveat code, credibility 1–6; column 0 unused)."""
        return np.array(
            [
                [0.0, *(self.claim_probability(c, caveat) for c in range(1, 7))]
                for caveat in method.CAVEATS
            ]
        )

    def doubt_table(self) -> np.ndarray:
        """Source doubt looked up by reliability letter - "A"."""
        return np.array([1.0 - self.source[r] for r in "ABCDEF"])


PUBLISHED_GRADES = GradeTables(
    PUBLISHED, dict(method.CLAIM_PROBABILITY), dict(method.SOURCE_PROBABILITY)
)
# Grades tell nothing: every claim counts in full and no originator is ever wrong.
FLAT_GRADES = GradeTables(
    "flat",
    dict.fromkeys(method.CLAIM_PROBABILITY, 1.0),
    dict.fromkeys(method.SOURCE_PROBABILITY, 1.0),
)
# A grader twice as doubtful: each probability squared ("probably true" 0.675 -> 0.46).
SQUARED_GRADES = GradeTables(
    "squared",
    {c: p**2 for c, p in method.CLAIM_PROBABILITY.items()},
    {r: p**2 for r, p in method.SOURCE_PROBABILITY.items()},
)


# The columns' types, in the rows' order (`inputs.state_rows`).
COLUMN_TYPES: tuple[DTypeLike, ...] = (
    *(np.int64, np.int64, "datetime64[D]", float, "U1", np.int64),
    *(object, "U10"),
)


@dataclass(frozen=True)
class ObservationColumns:
    """Observation rows as columns, in their given order (same-day order is kept)."""

    keys: np.ndarray
    indicators: np.ndarray
    dates: np.ndarray  # datetime64[D]
    measure: np.ndarray
    reliability: np.ndarray  # "A"–"F"
    credibility: np.ndarray  # 1–6
    originators: np.ndarray  # an originator's key, or None
    caveats: np.ndarray  # "" or one of method.CAVEATS

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> "ObservationColumns":
        """From (key, indicator, occurred_on, measure, reliability, credibility, originator,
        caveat) rows, as `inputs.state_rows` gives them; dates as dates or ISO text."""
        chunks = []
        rows = iter(rows)
        while chunk := list(islice(rows, 20_000)):  # chunked: no million tuples held at once
            columns = zip(*chunk, strict=True)
            chunks.append(
                [np.array(c, dtype=t) for c, t in zip(columns, COLUMN_TYPES, strict=True)]
            )
        if not chunks:
            return cls(*(np.zeros(0, dtype=t) for t in COLUMN_TYPES))
        return cls(*(np.concatenate(column) for column in zip(*chunks, strict=True)))

    def until(self, day: dt.date) -> "ObservationColumns":
        """Only the observations dated on or before `day`."""
        keep = self.dates <= np.datetime64(day, "D")
        return ObservationColumns(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})


def graded_points(
    observations: ObservationColumns, origin: dt.date, grades: GradeTables
) -> dict[int, method.PointArrays]:
    """The method's point columns per indicator, graded with `grades`; days from `origin`."""
    if not len(observations.keys):
        return {}
    keys = observations.keys
    days = (observations.dates - np.datetime64(origin, "D")).astype(float)
    caveat = np.zeros(len(keys), dtype=np.int64)
    for code, name in enumerate(method.CAVEATS):
        caveat[observations.caveats == name] = code
    grade = grades.grade_table()[caveat, observations.credibility]
    doubt = grades.doubt_table()[observations.reliability.view(np.uint32) - ord("A")]
    # A report with no originator (built by hand, not stored) is a line of evidence of its own.
    said_by = observations.originators
    unnamed = np.array([o is None for o in said_by.tolist()], dtype=bool)
    origins = np.where(unnamed, -keys, said_by).astype(np.int64)
    order = np.argsort(observations.indicators, kind="stable")
    found, starts = np.unique(observations.indicators[order], return_index=True)
    return {
        int(indicator): method.PointArrays(
            keys=keys[part],
            days=days[part],
            measure=observations.measure[part],
            grade=grade[part],
            doubt=doubt[part],
            origin=origins[part],
        )
        for indicator, part in zip(found, np.split(order, starts[1:]), strict=True)
    }


# --- The variants. ---

NO_POINTS = method.PointArrays(*(np.zeros(0) for _ in range(4)))


@dataclass(frozen=True)
class Variant:
    """The catalogue and grade tables one variant scores with."""

    family: str
    label: str
    specs: tuple[method.IndicatorSpec, ...]
    grades: GradeTables = PUBLISHED_GRADES


def variants(
    specs: Sequence[method.IndicatorSpec], category_names: Mapping[str, str] | None = None
) -> list[Variant]:
    """The published method first, then each family's variants (docs/methodology.md §11)."""
    specs = tuple(specs)
    names = category_names or {}
    found = [
        Variant(PUBLISHED, "as published", specs),
        Variant(WEIGHTS, "all weights equal", tuple(replace(s, weight=1.0) for s in specs)),
    ]
    categories = list(dict.fromkeys(s.category for s in specs))
    if len(categories) > 1:  # with one category, scaling its weights changes nothing
        for category in categories:
            for factor, word in ((FACTOR, "× 2"), (1 / FACTOR, "÷ 2")):
                scaled = tuple(
                    replace(s, weight=s.weight * factor) if s.category == category else s
                    for s in specs
                )
                label = f"{names.get(category, category)} weights {word}"
                found.append(Variant(WEIGHTS, label, scaled))
    events = [s.kind == method.EVENT for s in specs]
    for factor, word in ((1 / FACTOR, "× 0.5"), (FACTOR, "× 2")):
        found.append(
            Variant(
                HALF_LIVES,
                f"{HALF_LIVES} {word}",
                tuple(
                    replace(s, half_life_days=s.half_life_days * factor)
                    if event and s.half_life_days
                    else s
                    for s, event in zip(specs, events, strict=True)
                ),
            )
        )
        found.append(
            Variant(
                SATURATIONS,
                f"{SATURATIONS} {word}",
                tuple(
                    replace(s, saturation=s.saturation * factor) if event and s.saturation else s
                    for s, event in zip(specs, events, strict=True)
                ),
            )
        )
        found.append(
            Variant(
                STATE_FRESHNESS,
                f"{STATE_FRESHNESS} {word}",
                tuple(
                    s if event else replace(s, cadence_days=s.freshness_days * factor)
                    for s, event in zip(specs, events, strict=True)
                ),
            )
        )
    found.append(Variant(GRADES, "grades flat", specs, FLAT_GRADES))
    found.append(Variant(GRADES, "grades squared", specs, SQUARED_GRADES))
    order = {family: n for n, family in enumerate((PUBLISHED, *FAMILIES))}
    return sorted(found, key=lambda v: order[v.family])  # stable: each family's own order


# --- Evaluation and the rule. ---


@dataclass(frozen=True)
class Outcome:
    """The assessment on the day under one variant."""

    family: str
    label: str
    index: float
    low: float
    high: float
    band: str
    sufficient: bool  # enough of the (variant's) catalogue weight has evidence for a band
    coverage: float
    leading: str  # the scenario with the highest odds
    odds: dict[str, float]

    @property
    def verdict(self) -> str | None:
        """What the card would say: the band, or None for "insufficient evidence"."""
        return self.band if self.sufficient else None


@dataclass(frozen=True)
class FamilyResult:
    family: str
    outcomes: tuple[Outcome, ...]
    flips: tuple[Outcome, ...]  # the variants that change the verdict
    shifts: tuple[Outcome, ...]  # verdict held, the leading odds moved by over ODDS_SHIFT

    @property
    def sensitive(self) -> bool:
        return bool(self.flips or self.shifts)


@dataclass(frozen=True)
class Sensitivity:
    """Every variant's outcome on `day`, the published method's first, and the rule's
    reading of each family."""

    day: dt.date
    published: Outcome
    outcomes: tuple[Outcome, ...]  # every variant's, the published one first
    families: tuple[FamilyResult, ...]

    @property
    def robust(self) -> bool:
        return not any(f.sensitive for f in self.families)

    @property
    def sensitive_to(self) -> list[str]:
        return [f.family for f in self.families if f.sensitive]

    def shift(self, outcome: Outcome) -> float:
        """How far `outcome` moves the published leading scenario's odds."""
        leading = self.published.leading
        return outcome.odds[leading] - self.published.odds[leading]

    def effect(self, outcome: Outcome) -> str:
        """What a variant does: "band" if it changes the verdict, "odds" if it only moves the
        leading odds past ODDS_SHIFT, "" if neither."""
        if outcome.verdict != self.published.verdict:
            return "band"
        return "odds" if abs(self.shift(outcome)) > ODDS_SHIFT else ""

    def headline(self) -> str:
        """ "Robust" or "Sensitive to event half-lives and indicator weights"."""
        if self.robust:
            return "Robust"
        return f"Sensitive to {_joined(self.sensitive_to)}"

    def detail(self, names: Mapping[str, str]) -> str:
        """What flips, in words, grouped by where it goes: "3 of 23 variants put it in
        Structured alignment: event half-lives × 2 (54.5), …; none puts it in Unravelling or
        Alliance". `names` are the scenarios' names by slug."""
        tried = self.outcomes[1:]
        if self.robust:
            return (
                f"the band holds under every variant tried ({len(tried)} variants of "
                f"{len(self.families)} parameter families)"
            )
        flips = sorted(
            (o for o in tried if self.effect(o) == "band"),
            key=lambda o: -abs(o.index - self.published.index),
        )
        places: dict[str | None, list[Outcome]] = {}
        for outcome in flips:
            places.setdefault(outcome.verdict and outcome.band, []).append(outcome)
        parts = []
        for place, moved in places.items():
            listed = ", ".join(f"{o.label} ({o.index:.1f})" for o in moved[:SHOWN])
            rest = f" and {len(moved) - SHOWN} more" if len(moved) > SHOWN else ""
            where = (
                "leave under half the weight with evidence (no band)"
                if place is None
                else f"put it in {names.get(place, place)}"
            )
            parts.append(f"{len(moved)} of {len(tried)} variants {where}: {listed}{rest}")
        untouched = [
            names.get(slug, slug)
            for slug in names
            if slug != self.published.band and slug not in places
        ]
        if flips and len(untouched) == len(names) - 1:
            parts.append("none puts it in another band")
        elif flips and untouched:
            parts.append(f"none puts it in {' or '.join(untouched)}")
        leading = self.published.leading
        for family in self.families:
            if family.shifts and not family.flips:
                worst = max(family.shifts, key=lambda o: abs(self.shift(o)))
                parts.append(
                    f"{worst.label} moves the odds of {names.get(leading, leading)} from "
                    f"{self.published.odds[leading]:.0%} to {worst.odds[leading]:.0%}"
                )
        held = "" if flips else "the band holds, but "
        return held + "; ".join(parts)

    def line(self, names: Mapping[str, str]) -> str:
        """The card's one line: "Robust: …" or "Sensitive to …: …"."""
        return f"{self.headline()}: {self.detail(names)}."


def evaluate(
    specs: Sequence[method.IndicatorSpec],
    scenarios: Sequence[method.ScenarioSpec],
    observations: ObservationColumns,
    day: dt.date,
    tried: Sequence[Variant] | None = None,
) -> Sensitivity | None:
    """The method on `day` under each variant (`variants(specs)` unless given; the first
    must be the published method); None with no evidence by then."""
    seen = observations.until(day)
    if not len(seen.keys) or not specs:
        return None
    tried = list(tried) if tried is not None else variants(specs)
    origin: dt.date = seen.dates.min().item()
    grid = np.array([(day - origin).days])
    centres = method.centres(scenarios)
    slugs = [s.slug for s in scenarios]
    points: dict[str, dict[int, method.PointArrays]] = {}
    scored: dict[tuple[str, method.IndicatorSpec], method.IndicatorSeries] = {}

    def outcome(variant: Variant) -> Outcome:
        graded = points.get(variant.grades.name)
        if graded is None:
            graded = points[variant.grades.name] = graded_points(seen, origin, variant.grades)
        series = []
        for spec in variant.specs:
            # A weight does not enter an indicator's own series: weight variants reuse it.
            key = (variant.grades.name, replace(spec, weight=0.0))
            if key not in scored:
                scored[key] = method.series_from_arrays(
                    spec, graded.get(spec.key, NO_POINTS), grid, centres
                )
            series.append(scored[key])
        aggregate = method.aggregate(variant.specs, series, scenarios)
        odds = dict(zip(slugs, aggregate.odds[0].tolist(), strict=True))
        coverage = float(aggregate.coverage[0])
        return Outcome(
            family=variant.family,
            label=variant.label,
            index=float(aggregate.index[0]),
            low=float(aggregate.low[0]),
            high=float(aggregate.high[0]),
            band=aggregate.bands[0],
            sufficient=coverage >= method.COVERAGE_MIN,
            coverage=coverage,
            leading=max(odds, key=lambda slug: odds[slug]),
            odds=odds,
        )

    outcomes = tuple(outcome(v) for v in tried)
    published = outcomes[0]
    result = Sensitivity(day, published, outcomes, ())
    families = []
    for family in dict.fromkeys(o.family for o in outcomes[1:]):
        members = tuple(o for o in outcomes[1:] if o.family == family)
        families.append(
            FamilyResult(
                family,
                members,
                flips=tuple(o for o in members if result.effect(o) == "band"),
                shifts=tuple(o for o in members if result.effect(o) == "odds"),
            )
        )
    return replace(result, families=tuple(families))


def _joined(words: Sequence[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
