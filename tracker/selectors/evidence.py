"""Evidence a page lists: the latest reports, and the most diagnostic ones as chart notes."""

import datetime as dt
from dataclasses import dataclass

from tracker.models import Indicator, Observation, ObservationScore, Relationship
from tracker.scoring.inputs import scoring_inputs


@dataclass
class Evidence:
    """An observation with how much it separates the scenarios, and which one it favours."""

    observation: Observation
    diagnosticity: float
    weight: float  # diagnosticity, times the indicator's weight relative to the mean
    favours: str


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
