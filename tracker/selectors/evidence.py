"""Evidence a page lists: the latest reports, and the most diagnostic ones as chart notes."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from tracker.models import Indicator, Observation, ObservationScore, Relationship, Source, Stage
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
    known_on: dt.date | None = None,
) -> list[Observation]:
    """The most recent accepted observations, newest first, with what a table shows; with
    `known_on`, those that counted at the end of that day, each as it stood then."""
    observations = Observation.objects.filter(indicator__relationship=relationship)
    if category is not None:
        observations = observations.filter(indicator__category=category)
    if until is not None:
        observations = observations.filter(occurred_on__lte=until)
    if known_on is not None:
        ordered = observations.order_by("-occurred_on", "-recorded_at", "-pk")
        return known_then(ordered, known_on, limit=limit)
    observations = observations.filter(status=Observation.Status.ACCEPTED)
    # The limit-th latest date first (an index walk), then a full sort of that short tail:
    # sorting on three columns at once made SQLite sort all rows (seconds at a million).
    dates = observations.order_by("-occurred_on").values_list("occurred_on", flat=True)
    cutoff = dates[limit - 1 : limit].first()
    if cutoff is not None:
        observations = observations.filter(occurred_on__gte=cutoff)
    return list(
        observations.select_related("indicator", "source", "originator", "stage").order_by(
            "-occurred_on", "-recorded_at", "-pk"
        )[:limit]
    )


def in_batches(rows, size: int):
    """A query's rows `size` at a time, in its order, until there are no more."""
    offset = 0
    while batch := list(rows[offset : offset + size]):
        yield batch
        offset += size


def known_then(ordered, day: dt.date, *, limit: int, batch: int = 50) -> list[Observation]:
    """The first `limit` of the `ordered` observations that counted at the end of `day`:
    recorded by then and, in their history, accepted then. Each is shown as its history
    had it then (a later correction or retraction unseen), so that nothing learned later
    shows. Read in batches down the order: the history of a few rows, not of all."""
    moment = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
    candidates = ordered.filter(recorded_at__lte=moment).values_list("pk", flat=True)
    found: list[Observation] = []
    for ids in in_batches(candidates, batch):
        then = {}
        versions = Observation.history.filter(id__in=ids, history_date__lte=moment)
        for version in versions.order_by("id", "history_date", "history_id"):
            then[version.id] = version  # the last version by then wins
        for pk in ids:
            version = then.get(pk)
            if version is not None and version.status == Observation.Status.ACCEPTED:
                found.append(version.instance)
        if len(found) >= limit:  # before the next batch is read
            break
    found = found[:limit]
    _attach_related(found)
    return found


def _attach_related(observations: list[Observation]) -> None:
    """What a table shows of each (indicator, source, stage), in three queries."""
    for field, model in (("indicator", Indicator), ("source", Source), ("stage", Stage)):
        ids = {getattr(o, f"{field}_id") for o in observations} - {None}
        rows = model._default_manager.in_bulk(ids)
        for observation in observations:
            related = rows.get(getattr(observation, f"{field}_id"))
            if related is not None:
                setattr(observation, field, related)


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
    originator: str

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def said_by(self) -> str:
        """Who said it, and where it was read: "US government, via TASS"."""
        return said_by(self.originator, self.source)


def said_by(originator: str, source: str) -> str:
    return originator if originator == source else f"{originator}, via {source}"


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
            "originator__name",
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
    known_on: dt.date | None = None,
) -> list[Evidence]:
    """The most diagnostic observations dated within [start, end], for chart annotations;
    with `known_on`, only those recorded by the end of that day (scored as today)."""
    specs = {spec.key: spec for spec in scoring_inputs(relationship).specs}
    if not specs:
        return []
    mean_weight = sum(s.weight for s in specs.values()) / len(specs)
    if category is not None:
        specs = {k: spec for k, spec in specs.items() if spec.category == category.slug}
    moment = None
    if known_on is not None:  # only those recorded by the end of that day
        moment = dt.datetime.combine(known_on, dt.time.max, tzinfo=dt.UTC)
    picked = _most_diagnostic(list(specs), start, end, moment, limit * 5)
    scores = ObservationScore.objects.filter(observation_id__in=picked).select_related(
        "observation__indicator", "observation__source", "observation__originator"
    )
    ranked = [
        Evidence(
            score.observation,
            score.diagnosticity,
            score.diagnosticity * specs[score.observation.indicator_id].weight / mean_weight,
            score.favours,
        )
        for score in scores
    ]
    ranked.sort(key=lambda e: (-e.weight, e.observation.pk))
    return sorted(ranked[:limit], key=lambda e: e.observation.occurred_on)


def _most_diagnostic(keys, start, end, moment, count: int, batch: int = 500) -> list[int]:
    """The `count` most diagnostic scored observations of these indicators dated in [start,
    end] (recorded by `moment`, when given), ties in observation order. Read down the
    diagnosticity index in batches, the window checked here: filtering in the query let the
    database pick the date or indicator index instead, then gather and sort every score."""
    # "+ 0": the indicator filter must not be answered by the per-indicator index.
    ordered = (
        ObservationScore.objects.alias(key=F("indicator_id") + 0)
        .filter(key__in=keys)
        .order_by("-diagnosticity", "observation_id")
        .values_list("observation_id", "observation__occurred_on", "observation__recorded_at")
    )
    picked: list[int] = []
    for rows in in_batches(ordered, batch):
        picked += [
            pk
            for pk, day, recorded in rows
            if start <= day <= end and (moment is None or recorded <= moment)
        ]
        if len(picked) >= count:  # before the next batch is read
            break
    return picked[:count]
