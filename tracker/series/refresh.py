"""The stored daily series: the scoring method run over the database, written as snapshots.

`snapshots_refresh` rebuilds a relationship's series from the earliest date a change touches:
only the indicators that changed are re-scored from their observations; the others are read
back from their stored daily readings, and the aggregate is recomputed from that date on. The
arithmetic is the same either way, so incremental and full rebuilds write identical rows (a
property test checks it).
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Field

from tracker.clock import today_utc
from tracker.db import BATCH, as_columns, bulk_insert, joined, plain_rows
from tracker.models import (
    ObservationScore,
    ReadingSeries,
    Relationship,
    Snapshot,
)
from tracker.scoring import method
from tracker.scoring.compute import day_fields
from tracker.scoring.inputs import (
    NO_POINTS,
    arrays_by_indicator,
    current_rows,
    first_day,
    scoring_inputs,
)
from tracker.series import store

logger = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    relationship: str
    since: dt.date | None = None
    end: dt.date | None = None
    rescored: int = 0
    snapshots: int = 0
    full: bool = False

    def __str__(self):
        if self.since is None:
            return f"{self.relationship}: no accepted observations, no snapshots"
        scope = "full rebuild" if self.full else "incremental"
        return (
            f"{self.relationship}: {scope} from {self.since} to {self.end}, "
            f"{self.rescored} indicator(s) re-scored, {self.snapshots} snapshot(s) written"
        )


@transaction.atomic
def snapshots_refresh(
    relationship: Relationship,
    *,
    since: dt.date | None = None,
    indicator_ids: Iterable[int] | None = None,
    end: dt.date | None = None,
) -> RefreshReport:
    """Bring the stored series up to date from `since` (None: rebuild everything).

    `indicator_ids` names the indicators whose observations changed (None: all of them).
    """
    end = end or today_utc()
    # Two refreshes of one relationship never overlap: the second waits for this lock (a row
    # lock on PostgreSQL; SQLite lets one writer at a time anyway).
    Relationship.objects.select_for_update().filter(pk=relationship.pk).first()
    report = RefreshReport(relationship=relationship.slug, end=end)
    inputs = scoring_inputs(relationship)
    first = first_day(relationship, end)
    if first is None or not inputs.specs:
        _delete_derived(relationship, inputs.keys)
        return report

    stored = Snapshot.objects.filter(relationship=relationship)
    bounds = stored.order_by("date").values_list("date", "method_version")
    stored_first, stored_last = bounds.first(), bounds.last()
    rescore = set(inputs.keys) if indicator_ids is None else set(indicator_ids)
    # A new first date or method moves every day of every indicator: rebuild all.
    full = since is None or stored_last is None or stored_first != (first, method.METHOD_VERSION)
    if since is None or stored_last is None or full:
        since, rescore = first, set(inputs.keys)
    else:
        since = min(max(since, first), end)
        if stored_last[0] < end:  # a new day: every indicator's decay moves on
            rescore = set(inputs.keys)
            since = min(since, stored_last[0] + dt.timedelta(days=1))
        kept = set(inputs.keys) - rescore
        if store.covering(kept, since, end) != kept:  # readings lost or cut short: all anew
            since, rescore, full = first, set(inputs.keys), True
    report.since, report.rescored, report.full = since, len(rescore), full

    days = np.arange((end - first).days + 1)
    offset = (since - first).days
    points = arrays_by_indicator(current_rows(relationship, rescore), first)
    fresh = {
        key: method.series_from_arrays(spec, points.get(key, NO_POINTS), days, inputs.centres)
        for key, spec in zip(inputs.keys, inputs.specs, strict=True)
        if key in rescore
    }
    scores = _scores(fresh, inputs)
    digests = {key: _digest(columns) for key, columns in scores.items()}
    had = store.scores_digests(fresh)  # before `write` replaces them
    store.write(fresh, first, digests)
    _write_scores({key: scores[key] for key in fresh if had.get(key) != digests[key]})

    kept = _read_readings(set(inputs.keys) - rescore, since, end)
    window = [_slice(fresh[key], offset) if key in fresh else kept[key] for key in inputs.keys]
    aggregate = method.aggregate(inputs.specs, window, inputs.scenarios, method.METHOD_VERSION)
    momentum = aggregate.index - _index_before(relationship, inputs, first, since, aggregate)
    report.snapshots = _write_snapshots(inputs, first, since, aggregate, momentum)
    logger.debug("%s", report)
    return report


def _delete_derived(relationship, keys):
    Snapshot.objects.filter(relationship=relationship).delete()
    ReadingSeries.objects.filter(indicator_id__in=keys).delete()
    ObservationScore.objects.filter(observation__indicator_id__in=keys).delete()


def _slice(series: method.IndicatorSeries, offset: int) -> method.IndicatorSeries:
    return method.IndicatorSeries(
        reading=series.reading[offset:],
        alliance=series.alliance[offset:],
        grade=series.grade[offset:],
        strength=series.strength[offset:],
        observed=series.observed[offset:],
        freshness=series.freshness[offset:],
        evidenced=series.evidenced[offset:],
        source_doubt=series.source_doubt[offset:],
    )


SCORE_FIELDS = ("observation", "indicator", "alliance", "diagnosticity", "favours")
SCORE_DTYPES = (np.int64, np.int64, float, float, object)


def _scores(fresh, inputs) -> dict[int, list[np.ndarray]]:
    """Each indicator's observation scores, as columns of SCORE_FIELDS in observation order."""
    slugs = np.array([s.slug for s in inputs.scenarios], dtype=object)
    scores = {}
    for indicator, series in fresh.items():
        order = np.argsort(series.point_keys, kind="stable")
        scores[indicator] = [
            series.point_keys[order].astype(np.int64),
            np.full(len(order), indicator, dtype=np.int64),
            series.point_alliance[order],
            method.diagnosticity(series.point_loglik)[order],
            slugs[series.point_loglik.argmax(axis=1)][order] if len(order) else slugs[:0],
        ]
    return scores


def _digest(columns: list[np.ndarray]) -> str:
    """What identifies one indicator's scores: equal digests, equal rows."""
    digest = hashlib.blake2b(digest_size=16)
    for column in columns[:4]:
        digest.update(np.ascontiguousarray(column).tobytes())
    digest.update("\x1f".join(columns[4]).encode())
    return digest.hexdigest()


def _write_scores(scores: dict[int, list[np.ndarray]]) -> None:
    """Bring the stored scores of these indicators' observations in line: insert the new,
    update the changed, delete those that no longer count (retracted or moved), and leave the
    rest alone. A rebuild mostly finds the scores it had: those of an indicator whose digest
    is unchanged are not even passed here (reading a million back was most of a nightly
    rebuild); rewriting them all was most of a full one. Both sides are compared as columns,
    in key order."""
    if not scores:
        return
    wanted = joined(list(scores.values()), SCORE_DTYPES)
    order = np.argsort(wanted[0])
    wanted = [column[order] for column in wanted]
    stored = as_columns(
        plain_rows(
            ObservationScore.objects.filter(indicator_id__in=list(scores)).values_list(
                "observation_id", "indicator_id", "alliance", "diagnosticity", "favours"
            )
        ),
        *SCORE_DTYPES,
    )
    order = np.argsort(stored[0])
    stored = [column[order] for column in stored]
    gone = stored[0][~np.isin(stored[0], wanted[0])].tolist()
    for start in range(0, len(gone), BATCH):
        ObservationScore.objects.filter(observation_id__in=gone[start : start + BATCH]).delete()
    known = np.isin(wanted[0], stored[0])
    at = np.searchsorted(stored[0], wanted[0][known])
    differs = np.zeros(known.sum(), dtype=bool)
    for ours, theirs in zip(wanted[1:], stored[1:], strict=True):
        differs |= ours[known] != theirs[at]

    def rows(where):
        return zip(*(column[where].tolist() for column in wanted), strict=True)

    bulk_insert(ObservationScore, SCORE_FIELDS, rows(~known))
    bulk_insert(ObservationScore, SCORE_FIELDS, rows(np.flatnonzero(known)[differs]), upsert=True)


def _read_readings(keys, since, end):
    """Stored daily readings of the indicators that did not change, as series from `since`
    (the caller has checked that they hold every day to `end`)."""
    return {key: store.as_series(rows) for key, rows in store.window(keys, since, end).items()}


def _index_before(relationship, inputs, first, since, aggregate):
    """index(t - 90) for each day from `since`: computed now, stored, or the method's baseline."""
    lag = method.MOMENTUM_DAYS
    length = len(aggregate.index)
    start = method.baseline(inputs.specs)
    stored = dict(
        Snapshot.objects.filter(
            relationship=relationship,
            date__gte=max(first, since - dt.timedelta(days=lag)),
            date__lt=since,
        ).values_list("date", "index")
    )
    before = np.empty(length)
    for n in range(length):
        day = since + dt.timedelta(days=n - lag)
        if n >= lag:
            before[n] = aggregate.index[n - lag]
        elif day >= first:
            before[n] = stored[day]
        elif start is not None:
            before[n] = start
        else:  # 2.0 compares the first 90 days with the first day's index
            before[n] = aggregate.index[0] if since == first else stored[first]
    return before


SNAPSHOT_FIELDS = (
    "relationship", "date", "momentum", "method_version", "index", "low", "high", "band",
    "odds", "coverage", "covered", "freshness", "categories", "families",
)  # fmt: skip


def _field(name: str) -> Field:
    field = Snapshot._meta.get_field(name)
    assert isinstance(field, Field)  # concrete columns, no relation's reverse side
    return field


def _write_snapshots(inputs, first, since, aggregate, momentum):
    """The days from `since` written anew as plain rows, each value prepared by its field as
    the ORM would (bulk_create compiled every one of 3,650 rows into SQL: 0.5 s a rebuild)."""
    relationship = inputs.relationship
    Snapshot.objects.filter(relationship=relationship).exclude(
        date__gte=first, date__lt=since
    ).delete()
    slugs = [s.slug for s in inputs.scenarios]
    prepare = [_field(name).get_db_prep_value for name in SNAPSHOT_FIELDS]

    def rows():
        for n in range(len(aggregate.index)):
            day = {
                "relationship": relationship.pk,
                "date": since + dt.timedelta(days=n),
                "momentum": float(momentum[n]),
                "method_version": method.METHOD_VERSION,
                **day_fields(aggregate, slugs, n),
            }
            yield tuple(
                to_db(day[name], connection)
                for name, to_db in zip(SNAPSHOT_FIELDS, prepare, strict=True)
            )

    bulk_insert(Snapshot, SNAPSHOT_FIELDS, rows())
    return len(aggregate.index)
