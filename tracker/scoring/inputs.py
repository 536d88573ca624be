"""What the scoring method reads, from the database: indicators, bands and observations.

The method (`tracker.scoring.method`) takes plain values; this module turns models into them,
as they stand now or as Entente knew them at a past moment ("as known on").
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast, Coalesce

from tracker.dates import EARLIEST
from tracker.db import BATCH, as_columns, plain_rows
from tracker.models import Observation, Relationship, Stage
from tracker.scoring import method

NO_POINTS = method.PointArrays(*(np.zeros(0) for _ in range(4)))
CAVEAT_CODE = {caveat: n for n, caveat in enumerate(method.CAVEATS)}  # "" is 0
GRADE = re.compile(r"^([A-F])([1-6])?$")


def parse_min_grade(text: str | None) -> tuple[str, int] | None:
    """ "B2" keeps reliability A–B with credibility 1–2; "C" keeps A–C with any credibility."""
    if not text:
        return None
    match = GRADE.match(text.strip().upper())
    if not match:
        raise ValueError(
            f"a minimum grade is a letter A–F and optionally a digit 1–6, not {text!r}"
        )
    return match[1], int(match[2] or 6)


@dataclass
class ScoringInputs:
    """A relationship's indicators and bands as the method takes them, in a fixed order
    (indicators by id, bands by lower bound)."""

    relationship: Relationship
    specs: list[method.IndicatorSpec]  # weighed for `version`
    scenarios: list[method.ScenarioSpec]
    version: str = method.METHOD_VERSION
    centres: np.ndarray = field(init=False)

    def __post_init__(self):
        self.centres = method.centres(self.scenarios)

    @property
    def keys(self) -> list[int]:
        return [spec.key for spec in self.specs]

    def specs_for(self, version: str) -> list[method.IndicatorSpec]:
        """The specs weighed for another method version."""
        return self.specs if version == self.version else method.weighed(self.specs, version)


def scoring_inputs(relationship: Relationship) -> ScoringInputs:
    indicators = relationship.indicators.select_related("category", "family").order_by("pk")
    specs = [
        method.IndicatorSpec(
            key=i.pk,
            kind=i.kind,
            polarity=i.polarity,
            weight=i.weight,
            own_weight=i.weight,
            family=i.family.slug if i.family else "",
            family_weight=i.family.weight if i.family else 0.0,
            category=i.category.slug,
            half_life_days=i.half_life_days,
            saturation=i.saturation,
            floor=i.floor,
            ceiling=i.ceiling,
            sigma=i.sigma,
            cadence_days=i.cadence_days,
        )
        for i in indicators
    ]
    scenarios = [
        method.ScenarioSpec(slug=s.slug, lower=s.lower, upper=s.upper)
        for s in relationship.scenarios.order_by("lower")
    ]
    return ScoringInputs(relationship, method.weighed(specs), scenarios)


@dataclass(frozen=True)
class ObservationState:
    """An observation's scored fields, as stored now or as they were at a past moment."""

    key: int
    indicator: int
    occurred_on: dt.date
    recorded_at: dt.datetime
    magnitude: float | None
    value: float | None
    stage_score: float | None
    reliability: str
    credibility: int
    originator: int | None = None
    caveat: str = ""

    @property
    def measure(self) -> float:
        for number in (self.magnitude, self.value, self.stage_score):
            if number is not None:
                return number
        raise ValueError(f"observation {self.key} has no measure")

    def passes(self, min_grade: tuple[str, int] | None) -> bool:
        if min_grade is None:
            return True
        reliability, credibility = min_grade
        return self.reliability <= reliability and self.credibility <= credibility


STATE_FIELDS = (
    "pk",
    "indicator_id",
    "occurred_on",
    "recorded_at",
    "magnitude",
    "value",
    "stage__score",
    "reliability",
    "credibility",
    "originator_id",
    "caveat",
)


def current_states(relationship, indicator_ids: Iterable[int] | None = None):
    """The accepted observations of a relationship as they stand now."""
    observations = Observation.objects.scorable().filter(indicator__relationship=relationship)
    if indicator_ids is not None:
        observations = observations.filter(indicator_id__in=list(indicator_ids))
    rows = observations.order_by("occurred_on", "recorded_at", "pk").values_list(*STATE_FIELDS)
    return [ObservationState(*row) for row in rows.iterator(chunk_size=BATCH)]


# What a report counts for, looked up by (caveat code, reliability letter - "A",
# credibility): method.report_grade's values, without a Python call per observation.
GRADE_TABLES = {
    version: np.array(
        [
            [
                [0.0, *(method.report_grade(r, c, caveat, version) for c in range(1, 7))]
                for r in "ABCDEF"
            ]
            for caveat in method.CAVEATS
        ]
    )
    for version in method.METHOD_VERSIONS
}
DOUBT_TABLE = np.array([method.source_doubt(r) for r in "ABCDEF"])


def arrays_by_indicator(
    rows, origin: dt.date, version: str = method.METHOD_VERSION
) -> dict[int, method.PointArrays]:
    """Scoring columns per indicator from (key, indicator, occurred_on, measure, reliability,
    credibility, originator, caveat) rows, keeping their given order within each indicator;
    days counted from `origin`. Dates may come as dates or as ISO text: numpy reads either."""
    keys, indicators, dates, measures, reliability, credibility, originators, caveats = as_columns(
        rows, np.int64, np.int64, "datetime64[D]", float, "U1", np.int64, object, "U10"
    )
    if not len(keys):
        return {}
    days = (dates - np.datetime64(origin, "D")).astype(float)
    letter = reliability.view(np.uint32) - ord("A")
    caveat = np.zeros(len(keys), dtype=np.int64)
    for name, code in CAVEAT_CODE.items():
        caveat[caveats == name] = code
    grades = GRADE_TABLES[version][caveat, letter, credibility]
    doubts = DOUBT_TABLE[letter] if version != "1.0" else np.zeros(len(keys))
    # A state with no originator (built by hand, not stored) is a line of evidence of its own.
    unnamed = np.array([o is None for o in originators.tolist()], dtype=bool)
    origins = np.where(unnamed, -keys, originators).astype(np.int64)
    order = np.argsort(indicators, kind="stable")
    found, starts = np.unique(indicators[order], return_index=True)
    return {
        int(indicator): method.PointArrays(
            keys=keys[part],
            days=days[part],
            measure=measures[part],
            grade=grades[part],
            doubt=doubts[part],
            origin=origins[part],
        )
        for indicator, part in zip(found, np.split(order, starts[1:]), strict=True)
    }


def state_rows(states):
    return (
        (
            s.key,
            s.indicator,
            s.occurred_on,
            s.measure,
            s.reliability,
            s.credibility,
            s.originator,
            s.caveat,
        )
        for s in states
    )


def first_day(relationship, end: dt.date) -> dt.date | None:
    """The day of the relationship's first scorable observation up to `end`: where its
    series starts (an index's first entry)."""
    observations = Observation.objects.scorable().filter(
        indicator__relationship=relationship, occurred_on__lte=end
    )
    return observations.order_by("occurred_on").values_list("occurred_on", flat=True).first()


def current_rows(relationship, indicator_ids):
    """The scoring columns of accepted observations, straight from the database (no objects:
    a full rebuild reads every observation, a million in the benchmark)."""
    observations = Observation.objects.scorable().filter(
        indicator__relationship=relationship, indicator_id__in=list(indicator_ids)
    )
    # In the order of the index observation_scoring, which holds every column read here:
    # the database reads that index alone, in order, and never the table.
    rows = observations.order_by("indicator_id", "occurred_on", "recorded_at", "pk").values_list(
        "pk",
        "indicator_id",
        # SQLite's driver parses dates one by one in Python (a tenth of a full rebuild);
        # there, the date comes as its stored ISO text, which numpy parses in one go.
        Cast("occurred_on", CharField()) if connection.vendor == "sqlite" else "occurred_on",
        Coalesce("magnitude", "value", "stage__score"),
        "reliability",
        "credibility",
        "originator_id",
        "caveat",
    )
    return plain_rows(rows)


def states_as_known_on(relationship, moment: dt.datetime) -> list[ObservationState]:
    """The observations as Entente knew them at `moment`: recorded by then, with the values
    they had then (later corrections unseen), and counting if not retracted by then."""
    history = Observation.history.model.objects.filter(
        history_date__lte=moment, recorded_at__lte=moment
    ).order_by("id", "history_date", "history_id")
    latest = {}
    for row in history.values_list(
        "id",
        "history_type",
        "status",
        "indicator_id",
        "occurred_on",
        "recorded_at",
        "magnitude",
        "value",
        "stage_id",
        "reliability",
        "credibility",
        "originator_id",
        "caveat",
    ).iterator(chunk_size=5000):
        latest[row[0]] = row
    indicators = set(relationship.indicators.values_list("pk", flat=True))
    scores = dict(Stage.objects.filter(indicator__in=indicators).values_list("pk", "score"))
    states = [
        ObservationState(
            key=pk,
            indicator=indicator,
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            magnitude=magnitude,
            value=value,
            stage_score=scores.get(stage) if stage else None,
            reliability=reliability,
            credibility=credibility,
            originator=originator,
            caveat=caveat,
        )
        for (
            pk,
            kind,
            status,
            indicator,
            occurred_on,
            recorded_at,
            magnitude,
            value,
            stage,
            reliability,
            credibility,
            originator,
            caveat,
        ) in latest.values()
        if kind != "-"
        and status == Observation.Status.ACCEPTED
        and indicator in indicators
        and occurred_on >= EARLIEST
    ]
    return sorted(states, key=lambda s: (s.occurred_on, s.recorded_at, s.key))
