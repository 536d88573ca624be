"""Evidence a page lists: the latest reports, the most diagnostic ones, chart annotations."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max

from tracker.models import Indicator, Observation, ObservationScore, Relationship
from tracker.scoring.inputs import scoring_inputs


@dataclass
class Evidence:
    observation: Observation
    diagnosticity: float
    weight: float  # diagnosticity, times the indicator's relative weight, times freshness
    favours: str


def diagnostic_evidence(
    relationship: Relationship, *, on: dt.date | None = None, limit: int = 10
) -> list[Evidence]:
    """The observations that most separate the scenarios now: diagnostic, weighty, fresh."""
    on = on or relationship.snapshots.aggregate(last=Max("date"))["last"]
    if on is None:
        return []
    specs = {spec.key: spec for spec in scoring_inputs(relationship).specs}
    mean_weight = sum(s.weight for s in specs.values()) / len(specs)
    horizon = on - dt.timedelta(days=3 * 365)
    candidates = (
        ObservationScore.objects.filter(
            observation__indicator__relationship=relationship,
            observation__status=Observation.Status.ACCEPTED,
            observation__occurred_on__lte=on,
            observation__occurred_on__gte=horizon,
        )
        .select_related("observation__indicator", "observation__source")
        .order_by("-diagnosticity")[:500]
    )
    ranked = []
    for score in candidates:
        observation = score.observation
        spec = specs[observation.indicator_id]
        half_life = spec.half_life_days or 365.0
        freshness = 2.0 ** (-(on - observation.occurred_on).days / half_life)
        weight = score.diagnosticity * spec.weight / mean_weight * freshness
        ranked.append(Evidence(observation, score.diagnosticity, weight, score.favours))
    ranked.sort(key=lambda e: (-e.weight, -e.observation.pk))
    return ranked[:limit]


def latest_evidence(
    relationship: Relationship,
    *,
    category=None,
    until: dt.date | None = None,
    limit: int = 10,
) -> list[Observation]:
    """The most recent accepted observations, newest first, with what a table shows."""
    observations = Observation.objects.accepted().filter(indicator__relationship=relationship)
    if category is not None:
        observations = observations.filter(indicator__category=category)
    if until is not None:
        observations = observations.filter(occurred_on__lte=until)
    # The limit-th latest date first (an index walk), then a full sort of that short tail:
    # sorting on three columns at once made SQLite sort all rows (seconds at a million).
    cutoff = observations.order_by("-occurred_on").values_list("occurred_on", flat=True)
    cutoff = cutoff[limit - 1 : limit].first()
    if cutoff is not None:
        observations = observations.filter(occurred_on__gte=cutoff)
    return list(
        observations.select_related("indicator", "source", "stage").order_by(
            "-occurred_on", "-recorded_at", "-pk"
        )[:limit]
    )


@dataclass(frozen=True)
class ChartReport:
    """What an indicator chart shows of one observation."""

    occurred_on: dt.date
    magnitude: float | None
    value: float | None
    stage_name: str | None
    stage_score: float | None
    reliability: str
    credibility: int
    source: str

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"


def chart_reports(indicator: Indicator, start: dt.date, end: dt.date, limit: int):
    """The latest `limit` accepted observations of an indicator in [start, end], oldest
    first, as plain values (a busy indicator has thousands)."""
    rows = (
        indicator.observations.filter(
            status=Observation.Status.ACCEPTED, occurred_on__range=(start, end)
        )
        .order_by("-occurred_on", "-pk")
        .values_list(
            "occurred_on",
            "magnitude",
            "value",
            "stage__name",
            "stage__score",
            "reliability",
            "credibility",
            "source__name",
        )[:limit]
    )
    return [ChartReport(*row) for row in reversed(rows)]


def key_events(
    relationship: Relationship,
    start: dt.date,
    end: dt.date,
    *,
    category=None,
    limit: int = 8,
) -> list[Evidence]:
    """The most diagnostic observations dated within [start, end], for chart annotations."""
    specs = {spec.key: spec for spec in scoring_inputs(relationship).specs}
    if not specs:
        return []
    mean_weight = sum(s.weight for s in specs.values()) / len(specs)
    if category is not None:
        specs = {k: spec for k, spec in specs.items() if spec.category == category.slug}
    # Scores exist only for accepted observations; filtering on the score's own columns lets
    # the database walk the diagnosticity index and stop early.
    scores = ObservationScore.objects.filter(
        indicator_id__in=list(specs), observation__occurred_on__range=(start, end)
    )
    ranked = [
        Evidence(
            score.observation,
            score.diagnosticity,
            score.diagnosticity * specs[score.observation.indicator_id].weight / mean_weight,
            score.favours,
        )
        for score in scores.select_related(
            "observation__indicator", "observation__source"
        ).order_by("-diagnosticity")[: limit * 5]
    ]
    ranked.sort(key=lambda e: (-e.weight, e.observation.pk))
    return sorted(ranked[:limit], key=lambda e: e.observation.occurred_on)
