"""What moved the assessment between two dates: per indicator, and per observation.

Contributions add up exactly to the change in the index: each indicator's share of the
weighted change in its alliance-ness, split between its new reports and the carry-over
(decay, or a revision) of the old.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields

import numpy as np
from django.db.models import Max, Min

from tracker.models import Indicator, Observation, Relationship
from tracker.scoring import method
from tracker.scoring.compute import compute_series
from tracker.scoring.inputs import scoring_inputs, states_as_known_on
from tracker.series import store


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
    as_known_today: bool = True  # False: scored as known on an earlier day

    @property
    def change(self) -> float:
        return self.index_after - self.index_before


@dataclass(frozen=True)
class Side:
    """The series on one side of a comparison: each indicator's (alliance-ness, strength,
    has evidence) in catalogue order, and the index."""

    readings: list[tuple[float, float, bool]]
    index: float


def contributions_between(
    relationship: Relationship, start: dt.date, end: dt.date, *, known_on: dt.date | None = None
) -> Movement | None:
    """Which indicators and observations moved the index from `start` to `end`, and by how
    much each (contributions add up exactly to the change); with `known_on`, as Entente knew
    the series at the end of that day (nothing recorded later counts)."""
    if known_on is not None:
        return _as_known_on(relationship, start, end, known_on)
    snapshots = relationship.snapshots
    bounds = snapshots.aggregate(first=Min("date"), last=Max("date"))
    if bounds["last"] is None:
        return None
    inputs = scoring_inputs(relationship)
    found = _period(inputs, bounds["first"], bounds["last"], start, end)
    if found is None:
        return None
    start, end = found
    readings = _readings_on(inputs.keys, [start, end])
    no_data = {spec.key: (float(spec.polarity < 0), 0.0, False) for spec in inputs.specs}
    index_at = dict(snapshots.filter(date__in=[start, end]).values_list("date", "index"))
    baseline = method.baseline(inputs.specs)
    if baseline is not None:  # 1.0: before the first snapshot, the no-evidence baseline
        index_at = {start: baseline, end: baseline} | index_at
    before, after = (
        Side([readings.get((k, day), no_data[k]) for k in inputs.keys], index_at[day])
        for day in (start, end)
    )
    return _movement(inputs, start, end, before, after, _new_observations(inputs.keys, start, end))


def _period(inputs, first, last, start, end) -> tuple[dt.date, dt.date] | None:
    """The period compared, within the series: 2.0 has no index before the first evidence,
    so a period from before it starts on the series' first day."""
    end = min(end, last)
    start = min(start, end)
    if method.baseline(inputs.specs) is None:
        if end < first:
            return None
        start = max(start, first)
    return start, end


def _as_known_on(relationship, start, end, known_on) -> Movement | None:
    """The movement scored from the observations as they stood at the end of `known_on`."""
    inputs = scoring_inputs(relationship)
    moment = dt.datetime.combine(known_on, dt.time.max, tzinfo=dt.UTC)
    states = states_as_known_on(relationship, moment)
    computed = compute_series(inputs, states, min(end, known_on))
    if computed is None:
        return None
    found = _period(inputs, computed.dates[0], computed.dates[-1], start, end)
    if found is None:
        return None
    start, end = found
    sides = []
    for day in (start, end):
        n = (day - computed.dates[0]).days
        series = [computed.indicators[k] for k in inputs.keys]
        readings = [
            (float(s.alliance[n]), float(s.strength[n]), bool(s.observed[n])) for s in series
        ]
        sides.append(Side(readings, float(computed.aggregate.index[n])))
    new = defaultdict(list)
    for s in states:
        if start < s.occurred_on <= end:
            new[s.indicator].append(
                NewReport(
                    s.key,
                    s.indicator,
                    s.occurred_on,
                    s.magnitude,
                    s.reliability,
                    s.credibility,
                    s.caveat,
                )
            )
    return _movement(inputs, start, end, sides[0], sides[1], new)


def _movement(inputs, start, end, before: Side, after: Side, new) -> Movement:
    indicators = Indicator.objects.in_bulk(inputs.keys)
    movement = Movement(
        start=start, end=end, index_before=before.index, index_after=after.index, moves=[]
    )
    shares = method.contributions(
        inputs.specs,
        [b[0] for b in before.readings],
        [a[0] for a in after.readings],
        observed=([b[2] for b in before.readings], [a[2] for a in after.readings]),
        index_before=movement.index_before,
    )
    # What a contribution is divided by: the whole catalogue's weight (1.0), or that of the
    # indicators with evidence at the end (2.0).
    total_weight = sum(
        spec.weight
        for spec, one in zip(inputs.specs, after.readings, strict=True)
        if one[2] or method.METHOD_VERSION == "1.0"
    )
    change = movement.change
    for n, spec in enumerate(inputs.specs):
        if shares[n] == 0 and not new.get(spec.key):
            continue
        move = IndicatorMove(
            indicator=indicators[spec.key],
            before=before.readings[n][0],
            after=after.readings[n][0],
            contribution=float(shares[n]),
            share=float(shares[n] / change) if change else 0.0,
            carryover=float(shares[n]),
        )
        strength_before: float | None = before.readings[n][1]
        if not before.readings[n][2] and method.METHOD_VERSION != "1.0":
            strength_before = None  # first evidence: the new reports made all of it
        _attribute(move, spec, new.get(spec.key, []), strength_before, start, end, total_weight)
        movement.moves.append(move)
    movement.moves.sort(key=lambda m: -abs(m.contribution))
    _load_shown(movement.moves)
    return movement


SHOWN_SHARES = 3


def _load_shown(moves):
    """Load the observations of the shares each move shows (one query)."""
    wanted = {s.pk for move in moves for s in move.observations}
    loaded = Observation.objects.select_related(
        "source", "originator", "stage", "indicator"
    ).in_bulk(wanted)
    for move in moves:
        for share in move.observations:
            share.observation = loaded[share.pk]


def _readings_on(keys, dates):
    """(alliance, strength, observed) of each indicator on each day, by (indicator, day)."""
    a, st, ob = (store.COLUMN[f] for f in ("alliance", "strength", "observed"))
    return {
        at: (float(row[a]), float(row[st]), bool(row[ob]))
        for at, row in store.on_days(keys, dates).items()
    }


@dataclass(frozen=True)
class NewReport:
    """What attribution needs of an observation (tuples: a busy quarter has thousands)."""

    pk: int
    indicator: int
    occurred_on: dt.date
    magnitude: float | None
    reliability: str
    credibility: int
    caveat: str


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
    if strength_before is None:  # the indicator's first evidence came in (A, B]
        move.carryover = 0.0
    if spec.kind == method.EVENT:
        if strength_before is not None:
            carried = method.event_carryover(spec, strength_before, (end - start).days)
            move.carryover = 100.0 * spec.weight * (carried - move.before) / total_weight
        # method.event_mass for each report, its grade and decay worked out once for each
        # distinct grade and age: a busy year is a hundred thousand reports.
        grades: dict[tuple, float] = {}
        decays: dict[int, float] = {}
        masses = []
        for o in observations:
            grade = grades.get(graded := (o.reliability, o.credibility, o.caveat))
            if grade is None:
                grade = grades[graded] = method.report_grade(*graded)
            decay = decays.get(age := (end - o.occurred_on).days)
            if decay is None:
                decay = decays[age] = method.event_decay(spec, age)
            masses.append(o.magnitude * grade * decay)
        new_part = move.contribution - move.carryover
        total = sum(masses)
        _keep_largest(move, [new_part * mass / total for mass in masses], observations)
    else:
        # A level or a stage holds until the next report: the latest one made the change.
        move.carryover = 0.0
        _keep_largest(move, [move.contribution], observations[-1:])


def _keep_largest(move, shares: list[float], observations) -> None:
    """The move's SHOWN_SHARES largest shares (by size; ties in report order), and how many
    other reports had a share: only those shown are made into objects and loaded."""
    sizes = np.abs(np.array(shares, dtype=float))
    order = np.argsort(-sizes, kind="stable")
    order = order[sizes[order] > 0]
    move.observations = [
        ObservationShare(None, shares[n], observations[n].pk) for n in order[:SHOWN_SHARES]
    ]
    move.more = len(order) - len(move.observations)
