"""Reads for the dashboard and the API: the verdict, series, movements and evidence.

Default views read the stored snapshots and never recompute. "As known on" a past date and
the minimum-grade filter are computed on demand from the observations' history with the
same method, and cached until any observation or catalogue entry changes.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, OuterRef, Subquery

from tracker import scoring
from tracker.models import (
    Indicator,
    IndicatorSignal,
    Observation,
    ObservationScore,
    Relationship,
    Scenario,
    Snapshot,
    Stage,
)
from tracker.snapshots import (  # noqa: F401  (today_utc is part of this module's API)
    ObservationState,
    catalogue_for,
    compute_series,
    current_states,
    today_utc,
)

CACHE_SECONDS = 24 * 3600
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


@dataclass(frozen=True)
class Point:
    """The assessment on one day."""

    date: dt.date
    index: float
    low: float
    high: float
    band: str
    momentum: float
    odds: dict[str, float]
    coverage: float
    covered: int
    categories: dict[str, float]

    @property
    def momentum_label(self) -> str:
        return scoring.momentum_label(self.momentum)


@dataclass(frozen=True)
class Verdict(Point):
    """The latest assessment, with what a reader needs to weigh it."""

    band_name: str
    indicators: int
    method_version: str


def _point(snapshot: Snapshot, point_class=Point, **extra) -> Point:
    return point_class(
        date=snapshot.date,
        index=snapshot.index,
        low=snapshot.low,
        high=snapshot.high,
        band=snapshot.band,
        momentum=snapshot.momentum,
        odds=snapshot.odds,
        coverage=snapshot.coverage,
        covered=snapshot.covered,
        categories=snapshot.categories,
        **extra,
    )


def verdict_latest(relationship: Relationship) -> Verdict | None:
    snapshot = relationship.snapshots.order_by("-date").first()
    if snapshot is None:
        return None
    band = relationship.scenarios.filter(slug=snapshot.band).values_list("name", flat=True)
    return _point(
        snapshot,
        Verdict,
        band_name=band.first() or snapshot.band,
        indicators=relationship.indicators.count(),
        method_version=snapshot.method_version,
    )


def index_series(
    relationship: Relationship,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    min_grade: tuple[str, int] | None = None,
) -> list[Point]:
    """The daily series between `start` and `end`, optionally as known at the end of `as_of`
    and from observations of at least `min_grade` only."""
    if as_of is None and min_grade is None:
        snapshots = relationship.snapshots.order_by("date")
        if start:
            snapshots = snapshots.filter(date__gte=start)
        if end:
            snapshots = snapshots.filter(date__lte=end)
        return [Point(*row) for row in snapshots.values_list(*POINT_FIELDS)]
    points = _computed_points(relationship, as_of, min_grade)
    return [p for p in points if (not start or p.date >= start) and (not end or p.date <= end)]


POINT_FIELDS = tuple(f.name for f in fields(Point))


def series_bounds(relationship, *, as_of=None, min_grade=None) -> tuple[dt.date, dt.date] | None:
    """The first and last dates of the series (stored, or as known on / by grade)."""
    if as_of is None and min_grade is None:
        bounds = relationship.snapshots.aggregate(first=Min("date"), last=Max("date"))
        return (bounds["first"], bounds["last"]) if bounds["first"] else None
    points = _computed_points(relationship, as_of, min_grade)
    return (points[0].date, points[-1].date) if points else None


def point_on(relationship, day: dt.date, *, as_of=None, min_grade=None) -> Point | None:
    """The assessment on one day (the last one at or before it)."""
    found = index_series(relationship, end=day, start=day, as_of=as_of, min_grade=min_grade)
    return found[-1] if found else None


def data_version() -> str:
    """Changes whenever an observation or the catalogue changes (history is append-only)."""
    quote = connection.ops.quote_name
    latest = ", ".join(
        f"(SELECT MAX({quote('history_id')}) FROM {quote(model.history.model._meta.db_table)})"
        for model in (Observation, Indicator, Stage, Scenario)
    )
    with connection.cursor() as cursor:  # one round trip instead of four
        cursor.execute(f"SELECT {latest}")
        stamps = cursor.fetchone()
    return "-".join(str(stamp or 0) for stamp in stamps)


def _computed_points(relationship, as_of, min_grade) -> list[Point]:
    grade = "".join(map(str, min_grade)) if min_grade else "all"
    key = (
        f"entente:series:{scoring.METHOD_VERSION}:{relationship.pk}:{as_of or 'now'}:{grade}:"
        f"{data_version()}"
    )
    points = cache.get(key)
    if points is None:
        points = _compute_points(relationship, as_of, min_grade)
        cache.set(key, points, CACHE_SECONDS)
    return points


def _compute_points(relationship, as_of, min_grade) -> list[Point]:
    if as_of is None:
        states, end = current_states(relationship), None
    else:
        moment = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
        states, end = states_as_known_on(relationship, moment), as_of
    states = [s for s in states if s.passes(min_grade)]
    end = end or relationship.snapshots.aggregate(last=Max("date"))["last"] or today_utc()
    return points_from(relationship, states, end)


def points_from(relationship, states, end: dt.date) -> list[Point]:
    """The daily assessment scored from these observation states, up to `end`."""
    catalogue = catalogue_for(relationship)
    computed = compute_series(catalogue, states, end)
    if computed is None:
        return []
    aggregate = computed.aggregate
    slugs = [s.slug for s in catalogue.scenarios]
    return [
        Point(
            date=day,
            index=float(aggregate.index[n]),
            low=float(aggregate.low[n]),
            high=float(aggregate.high[n]),
            band=aggregate.bands[n],
            momentum=float(computed.momentum[n]),
            odds=dict(zip(slugs, aggregate.odds[n].tolist(), strict=True)),
            coverage=float(aggregate.coverage[n]),
            covered=int(aggregate.covered[n]),
            categories={c: float(v[n]) for c, v in aggregate.categories.items()},
        )
        for n, day in enumerate(computed.dates)
    ]


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
        ) in latest.values()
        if kind != "-" and status == Observation.Status.ACCEPTED and indicator in indicators
    ]
    return sorted(states, key=lambda s: (s.occurred_on, s.recorded_at, s.key))


# --- What moved the assessment -------------------------------------------------------------


@dataclass
class ObservationShare:
    observation: Observation | None  # loaded for the largest shares only (SHOWN_SHARES)
    contribution: float
    pk: int = 0


@dataclass
class IndicatorMove:
    indicator: Indicator
    before: float
    after: float
    contribution: float
    share: float
    carryover: float  # the part that decay (or a revision) made, not a new observation
    observations: list[ObservationShare] = field(default_factory=list)  # largest first
    more: int = 0  # further new observations with a share, not listed


@dataclass
class Movement:
    start: dt.date
    end: dt.date
    index_before: float
    index_after: float
    moves: list[IndicatorMove]

    @property
    def change(self) -> float:
        return self.index_after - self.index_before


def contributions_between(
    relationship: Relationship, start: dt.date, end: dt.date
) -> Movement | None:
    """Which indicators and observations moved the index from `start` to `end`, and by how
    much each (contributions add up exactly to the change)."""
    snapshots = relationship.snapshots
    last = snapshots.aggregate(last=Max("date"))["last"]
    if last is None:
        return None
    end = min(end, last)
    start = min(start, end)
    catalogue = catalogue_for(relationship)
    indicators = Indicator.objects.in_bulk(catalogue.keys)
    signals = _signals_on(catalogue.keys, [start, end])
    no_data = {spec.key: float(spec.polarity < 0) for spec in catalogue.specs}
    before = [signals.get((k, start), (no_data[k], 0.0))[0] for k in catalogue.keys]
    after = [signals.get((k, end), (no_data[k], 0.0))[0] for k in catalogue.keys]
    shares = scoring.contributions(catalogue.specs, before, after)
    index_at = dict(snapshots.filter(date__in=[start, end]).values_list("date", "index"))
    baseline = scoring.baseline(catalogue.specs)
    movement = Movement(
        start=start,
        end=end,
        index_before=index_at.get(start, baseline),
        index_after=index_at.get(end, baseline),
        moves=[],
    )
    new = _new_observations(catalogue.keys, start, end)
    total_weight = sum(spec.weight for spec in catalogue.specs)
    change = movement.change
    for n, spec in enumerate(catalogue.specs):
        if shares[n] == 0 and not new.get(spec.key):
            continue
        move = IndicatorMove(
            indicator=indicators[spec.key],
            before=before[n],
            after=after[n],
            contribution=float(shares[n]),
            share=float(shares[n] / change) if change else 0.0,
            carryover=float(shares[n]),
        )
        strength_before = signals.get((spec.key, start), (0.0, 0.0))[1]
        _attribute(move, spec, new.get(spec.key, []), strength_before, start, end, total_weight)
        movement.moves.append(move)
    movement.moves.sort(key=lambda m: -abs(m.contribution))
    _load_shown(movement.moves)
    return movement


SHOWN_SHARES = 3


def _load_shown(moves):
    """Keep each move's largest shares, and load just those observations (one query)."""
    for move in moves:
        ranked = sorted(move.observations, key=lambda s: -abs(s.contribution))
        ranked = [s for s in ranked if s.contribution]
        move.observations, move.more = ranked[:SHOWN_SHARES], len(ranked[SHOWN_SHARES:])
    wanted = {s.pk for move in moves for s in move.observations}
    loaded = Observation.objects.select_related("source", "stage", "indicator").in_bulk(wanted)
    for move in moves:
        for share in move.observations:
            share.observation = loaded[share.pk]


def _signals_on(keys, dates):
    rows = IndicatorSignal.objects.filter(indicator_id__in=keys, date__in=dates).values_list(
        "indicator_id", "date", "alliance", "strength"
    )
    return {(key, date): (alliance, strength) for key, date, alliance, strength in rows}


@dataclass(frozen=True)
class NewReport:
    """What attribution needs of an observation (tuples: a busy quarter has thousands)."""

    pk: int
    indicator: int
    occurred_on: dt.date
    magnitude: float | None
    reliability: str
    credibility: int


def _new_observations(keys, start, end):
    found = defaultdict(list)
    rows = (
        Observation.objects.accepted()
        .filter(indicator_id__in=keys, occurred_on__gt=start, occurred_on__lte=end)
        .order_by("occurred_on", "recorded_at", "pk")
        .values_list(*(f.name for f in fields(NewReport)))
    )
    for row in rows:
        report = NewReport(*row)
        found[report.indicator].append(report)
    return found


def _attribute(move, spec, observations, strength_before, start, end, total_weight):
    """Split an indicator's contribution between carry-over (decay) and its new reports."""
    if not observations:
        return
    if spec.kind == scoring.EVENT:
        carried = scoring.event_carryover(spec, strength_before, (end - start).days)
        move.carryover = 100.0 * spec.weight * (carried - move.before) / total_weight
        masses = [
            scoring.event_mass(
                spec,
                o.magnitude,
                scoring.grade_weight(o.reliability, o.credibility),
                (end - o.occurred_on).days,
            )
            for o in observations
        ]
        new_part = move.contribution - move.carryover
        total = sum(masses)
        move.observations = [
            ObservationShare(None, new_part * mass / total, o.pk)
            for o, mass in zip(observations, masses, strict=True)
        ]
    else:
        # A level or a stage holds until the next report: the latest one made the change.
        move.carryover = 0.0
        move.observations = [ObservationShare(None, move.contribution, observations[-1].pk)]


# --- Evidence and staleness ----------------------------------------------------------------


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
    specs = {spec.key: spec for spec in catalogue_for(relationship).specs}
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


@dataclass
class Staleness:
    indicator: Indicator
    last_observed: dt.date | None
    days_since: int | None


def stale_indicators(relationship: Relationship, *, today: dt.date | None = None):
    """Indicators with no accepted observation within their cadence (or none at all)."""
    today = today or today_utc()
    # A subquery per indicator seeks its (indicator, occurred_on) index; a GROUP BY over
    # the join would read every observation.
    latest = (
        Observation.objects.accepted()
        .filter(indicator=OuterRef("pk"))
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    indicators = relationship.indicators.select_related("category").annotate(last=Subquery(latest))
    stale = []
    for indicator in indicators.order_by("category__order", "name"):
        days = (today - indicator.last).days if indicator.last else None
        if days is None or days > indicator.cadence_days:
            stale.append(Staleness(indicator, indicator.last, days))
    return stale


# --- Pages ---------------------------------------------------------------------------------


def snapshot_version(relationship: Relationship) -> int:
    """Changes when the stored series is rewritten (a refresh writes new rows)."""
    return relationship.snapshots.aggregate(last=Max("pk"))["last"] or 0


def series_version(relationship: Relationship) -> str:
    """Changes whenever the stored series or any observation or catalogue entry changes:
    a cache key part that needs no invalidation messages between processes."""
    return f"{snapshot_version(relationship)}-{data_version()}"


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
    specs = {spec.key: spec for spec in catalogue_for(relationship).specs}
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


def indicator_signals(indicator: Indicator, *, start=None, end=None) -> list[IndicatorSignal]:
    # "indicator" too: the related manager sets it on every row, and a deferred FK would
    # cost one query per row.
    signals = indicator.signals.order_by("date").only("indicator", "date", "signal", "alliance")
    if start:
        signals = signals.filter(date__gte=start)
    if end:
        signals = signals.filter(date__lte=end)
    return list(signals)


def indicator_observations(indicator: Indicator):
    """Every observation of an indicator, retracted ones included, newest first."""
    return indicator.observations.select_related("source", "stage", "analyst").order_by(
        "-occurred_on", "-recorded_at", "-pk"
    )


def indicator_history(indicator: Indicator, limit: int = 30):
    """The latest changes to an indicator's observations: who changed what, when and why."""
    return (
        Observation.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
