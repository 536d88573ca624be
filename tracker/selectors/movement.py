"""What moved the assessment between two dates: per indicator, and per observation.

Contributions add up exactly to the change in the index: each indicator's share of the
weighted change in its alliance-ness, split between its new reports and the carry-over
(decay, or a revision) of the old.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Max, Min

from tracker.models import Indicator, IndicatorReading, Observation, Relationship
from tracker.scoring import method
from tracker.scoring.inputs import scoring_inputs


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
    bounds = snapshots.aggregate(first=Min("date"), last=Max("date"))
    if bounds["last"] is None:
        return None
    inputs = scoring_inputs(relationship)
    baseline = method.baseline(inputs.specs)
    end = min(end, bounds["last"])
    start = min(start, end)
    if baseline is None:  # 2.0: no index before the first evidence; move from the first day
        if end < bounds["first"]:
            return None
        start = max(start, bounds["first"])
    indicators = Indicator.objects.in_bulk(inputs.keys)
    readings = _readings_on(inputs.keys, [start, end])
    no_data = {spec.key: (float(spec.polarity < 0), 0.0, False) for spec in inputs.specs}
    before = [readings.get((k, start), no_data[k]) for k in inputs.keys]
    after = [readings.get((k, end), no_data[k]) for k in inputs.keys]
    index_at = dict(snapshots.filter(date__in=[start, end]).values_list("date", "index"))
    if baseline is not None:  # 1.0: before the first snapshot, the no-evidence baseline
        index_at = {start: baseline, end: baseline} | index_at
    movement = Movement(
        start=start, end=end, index_before=index_at[start], index_after=index_at[end], moves=[]
    )
    shares = method.contributions(
        inputs.specs,
        [b[0] for b in before],
        [a[0] for a in after],
        observed=([b[2] for b in before], [a[2] for a in after]),
        index_before=movement.index_before,
    )
    new = _new_observations(inputs.keys, start, end)
    # What a contribution is divided by: the whole catalogue's weight (1.0), or that of the
    # indicators with evidence at the end (2.0).
    total_weight = sum(
        spec.weight
        for spec, one in zip(inputs.specs, after, strict=True)
        if one[2] or method.METHOD_VERSION == "1.0"
    )
    change = movement.change
    for n, spec in enumerate(inputs.specs):
        if shares[n] == 0 and not new.get(spec.key):
            continue
        move = IndicatorMove(
            indicator=indicators[spec.key],
            before=before[n][0],
            after=after[n][0],
            contribution=float(shares[n]),
            share=float(shares[n] / change) if change else 0.0,
            carryover=float(shares[n]),
        )
        strength_before = before[n][1]
        if not before[n][2] and method.METHOD_VERSION != "1.0":
            strength_before = None  # first evidence: the new reports made all of it
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


def _readings_on(keys, dates):
    rows = IndicatorReading.objects.filter(indicator_id__in=keys, date__in=dates).values_list(
        "indicator_id", "date", "alliance", "strength", "observed"
    )
    return {(key, date): values for key, date, *values in rows}


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
    if strength_before is None:  # the indicator's first evidence came in (A, B]
        move.carryover = 0.0
    if spec.kind == method.EVENT:
        if strength_before is not None:
            carried = method.event_carryover(spec, strength_before, (end - start).days)
            move.carryover = 100.0 * spec.weight * (carried - move.before) / total_weight
        masses = [
            method.event_mass(
                spec,
                o.magnitude,
                method.grade_weight(o.reliability, o.credibility),
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
