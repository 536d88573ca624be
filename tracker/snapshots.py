"""The stored daily series: scoring run over the database, written as snapshots.

`snapshots_refresh` rebuilds a relationship's series from the earliest date a change touches:
only the indicators that changed are re-scored from their observations; the others are read
back from their stored daily signals, and the catalogue aggregate is recomputed from that date
on. The arithmetic is the same either way, so incremental and full rebuilds write identical
rows (a property test checks it).

`compute_series` runs the same method in memory over any set of observations: the basis of
"as known on" a past date and of the minimum-grade filter, which are computed on demand.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

import numpy as np
from django.db import connection, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from tracker import scoring
from tracker.models import (
    Indicator,
    IndicatorSignal,
    Observation,
    ObservationScore,
    Relationship,
    Snapshot,
)

logger = logging.getLogger(__name__)

BATCH = 2000
NONE = scoring.PointArrays(*(np.zeros(0) for _ in range(4)))


@dataclass
class Catalogue:
    """A relationship's scoring inputs, in a fixed order (indicators by id, bands by lower)."""

    relationship: Relationship
    specs: list[scoring.IndicatorSpec]
    scenarios: list[scoring.ScenarioSpec]
    centres: np.ndarray = field(init=False)

    def __post_init__(self):
        self.centres = scoring.centres(self.scenarios)

    @property
    def keys(self) -> list[int]:
        return [spec.key for spec in self.specs]


def catalogue_for(relationship: Relationship) -> Catalogue:
    indicators = relationship.indicators.select_related("category").order_by("pk")
    specs = [
        scoring.IndicatorSpec(
            key=i.pk,
            kind=i.kind,
            polarity=i.polarity,
            weight=i.weight,
            category=i.category.slug,
            half_life_days=i.half_life_days,
            saturation=i.saturation,
            floor=i.floor,
            ceiling=i.ceiling,
            sigma=i.sigma,
        )
        for i in indicators
    ]
    scenarios = [
        scoring.ScenarioSpec(slug=s.slug, lower=s.lower, upper=s.upper)
        for s in relationship.scenarios.order_by("lower")
    ]
    return Catalogue(relationship, specs, scenarios)


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
)


def current_states(relationship, indicator_ids: Iterable[int] | None = None):
    """The accepted observations of a relationship as they stand now."""
    observations = Observation.objects.accepted().filter(indicator__relationship=relationship)
    if indicator_ids is not None:
        observations = observations.filter(indicator_id__in=list(indicator_ids))
    rows = observations.order_by("occurred_on", "recorded_at", "pk").values_list(*STATE_FIELDS)
    return [ObservationState(*row) for row in rows.iterator(chunk_size=BATCH)]


# Grade weights looked up by (reliability letter - "A", credibility): the same products as
# scoring.grade_weight, without a Python call per observation.
GRADE_TABLE = np.array(
    [[0.0, *(scoring.grade_weight(r, c) for c in range(1, 7))] for r in "ABCDEF"]
)


def as_columns(rows, *dtypes) -> list[np.ndarray]:
    """Rows as numpy columns of these dtypes, converted a chunk at a time. A rebuild reads a
    million rows: kept as tuples, they were walked again and again by Python's cyclic garbage
    collector, at a cost of seconds that grew with everything else the process held."""
    chunks = []
    rows = iter(rows)
    while chunk := list(islice(rows, BATCH * 10)):
        columns = zip(*chunk, strict=True)
        chunks.append([np.array(c, dtype=t) for c, t in zip(columns, dtypes, strict=True)])
    return joined(chunks, dtypes)


def joined(parts, dtypes) -> list[np.ndarray]:
    """Columns of these dtypes joined from parts (each a list of columns)."""
    if not parts:
        return [np.zeros(0, dtype=t) for t in dtypes]
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def arrays_by_indicator(rows, origin: dt.date) -> dict[int, scoring.PointArrays]:
    """Scoring columns per indicator from (key, indicator, occurred_on, measure, reliability,
    credibility) rows, keeping their given order within each indicator; days counted from
    `origin`. Dates may come as dates or as ISO text: numpy reads either."""
    keys, indicators, dates, measures, reliability, credibility = as_columns(
        rows, np.int64, np.int64, "datetime64[D]", float, "U1", np.int64
    )
    if not len(keys):
        return {}
    days = (dates - np.datetime64(origin, "D")).astype(float)
    grades = GRADE_TABLE[reliability.view(np.uint32) - ord("A"), credibility]
    order = np.argsort(indicators, kind="stable")
    found, starts = np.unique(indicators[order], return_index=True)
    return {
        int(indicator): scoring.PointArrays(
            keys=keys[part], days=days[part], measure=measures[part], grade=grades[part]
        )
        for indicator, part in zip(found, np.split(order, starts[1:]), strict=True)
    }


def state_rows(states):
    return (
        (s.key, s.indicator, s.occurred_on, s.measure, s.reliability, s.credibility) for s in states
    )


def current_rows(relationship, indicator_ids):
    """The scoring columns of accepted observations, straight from the database (no objects:
    a full rebuild reads every observation, a million in the benchmark)."""
    observations = Observation.objects.accepted().filter(
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
    )
    return plain_rows(rows)


def plain_rows(queryset):
    """A values_list queryset's rows as the database driver returns them, without the ORM's
    per-row machinery (a third of a full rebuild's time at a million observations). Dates
    still come back as dates on SQLite and PostgreSQL: their drivers convert them."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(BATCH * 10):
            yield from chunk


@dataclass
class ComputedSeries:
    """A relationship's series over consecutive dates, from `compute_series`."""

    dates: list[dt.date]
    indicators: dict[int, scoring.IndicatorSeries]
    aggregate: scoring.RelationshipSeries
    momentum: np.ndarray
    catalogue_specs: list[scoring.IndicatorSpec]


def compute_series(catalogue: Catalogue, states, end: dt.date) -> ComputedSeries | None:
    """Score `states` (observation states, in order) from the first one's date to `end`."""
    states = [s for s in states if s.occurred_on <= end]
    if not states or not catalogue.specs:
        return None
    origin = min(s.occurred_on for s in states)
    days = np.arange((end - origin).days + 1)
    points = arrays_by_indicator(state_rows(states), origin)
    indicators = {
        spec.key: scoring.series_from_arrays(
            spec, points.get(spec.key, NONE), days, catalogue.centres
        )
        for spec in catalogue.specs
    }
    aggregate = scoring.aggregate(
        catalogue.specs, [indicators[k] for k in catalogue.keys], catalogue.scenarios
    )
    before = np.full(len(days), scoring.baseline(catalogue.specs))
    lag = scoring.MOMENTUM_DAYS
    if len(days) > lag:
        before[lag:] = aggregate.index[:-lag]
    return ComputedSeries(
        dates=[origin + dt.timedelta(days=int(d)) for d in days],
        indicators=indicators,
        aggregate=aggregate,
        momentum=aggregate.index - before,
        catalogue_specs=catalogue.specs,
    )


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


def today_utc() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


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
    catalogue = catalogue_for(relationship)
    first = (
        Observation.objects.accepted()
        .filter(indicator__relationship=relationship, occurred_on__lte=end)
        .order_by("occurred_on")
        .values_list("occurred_on", flat=True)
        .first()
    )
    if first is None or not catalogue.specs:
        _delete_derived(relationship, catalogue.keys)
        return report

    stored = Snapshot.objects.filter(relationship=relationship)
    bounds = stored.order_by("date").values_list("date", "method_version")
    stored_first, stored_last = bounds.first(), bounds.last()
    rescore = set(catalogue.keys) if indicator_ids is None else set(indicator_ids)
    # A new first date or method moves every day of every indicator: rebuild all.
    full = since is None or stored_first != (first, scoring.METHOD_VERSION)
    if full:
        since, rescore = first, set(catalogue.keys)
    else:
        since = min(max(since, first), end)
        if stored_last[0] < end:  # a new day: every indicator's decay moves on
            rescore = set(catalogue.keys)
            since = min(since, stored_last[0] + dt.timedelta(days=1))
    report.since, report.rescored, report.full = since, len(rescore), full

    days = np.arange((end - first).days + 1)
    offset = (since - first).days
    points = arrays_by_indicator(current_rows(relationship, rescore), first)
    fresh = {
        key: scoring.series_from_arrays(spec, points.get(key, NONE), days, catalogue.centres)
        for key, spec in zip(catalogue.keys, catalogue.specs, strict=True)
        if key in rescore
    }
    _write_signals(fresh, first, since, end, offset)
    _write_scores(fresh, catalogue)

    kept = _read_signals(set(catalogue.keys) - rescore, since, end)
    window = [_slice(fresh[key], offset) if key in fresh else kept[key] for key in catalogue.keys]
    aggregate = scoring.aggregate(catalogue.specs, window, catalogue.scenarios)
    momentum = aggregate.index - _index_before(relationship, catalogue, first, since, aggregate)
    report.snapshots = _write_snapshots(catalogue, first, since, end, aggregate, momentum)
    logger.debug("%s", report)
    return report


def snapshots_schedule(*, indicator_ids: Iterable[int], since: dt.date | None) -> None:
    """Once the current transaction commits, enqueue a refresh of what these indicators
    feed, from `since` (None: a full rebuild). A rolled-back change (a dry-run import)
    enqueues nothing."""
    from tracker.tasks import recompute_snapshots  # the tasks module imports this one

    indicator_ids = sorted(set(indicator_ids))
    relationships = {}
    for pk, relationship_id in Indicator.objects.filter(pk__in=indicator_ids).values_list(
        "pk", "relationship_id"
    ):
        relationships.setdefault(relationship_id, []).append(pk)
    for relationship_id, ours in sorted(relationships.items()):
        # delay_on_commit, made robust: if the broker is down, the change is saved anyway and
        # the failure logged; the nightly rebuild brings the series up to date.
        job = partial(
            recompute_snapshots.delay,
            relationship_id,
            since.isoformat() if since else None,
            None if since is None else ours,
        )
        transaction.on_commit(job, robust=True)


def _delete_derived(relationship, keys):
    Snapshot.objects.filter(relationship=relationship).delete()
    IndicatorSignal.objects.filter(indicator_id__in=keys).delete()
    ObservationScore.objects.filter(observation__indicator_id__in=keys).delete()


def _slice(series: scoring.IndicatorSeries, offset: int) -> scoring.IndicatorSeries:
    return scoring.IndicatorSeries(
        signal=series.signal[offset:],
        alliance=series.alliance[offset:],
        grade=series.grade[offset:],
        strength=series.strength[offset:],
        observed=series.observed[offset:],
    )


def bulk_insert(model, fields: Sequence[str], rows: Iterable[tuple], *, upsert=False) -> None:
    """Insert plain tuples, without building model instances; with `upsert`, a row whose
    first field (the primary key) exists is updated in place.

    Derived rows run to hundreds of thousands in a full rebuild, and the ORM's per-object
    cost (bulk_create) was most of its time, so these bypass it: batched executemany on
    SQLite, COPY on PostgreSQL (where executemany was twenty times slower still).
    ON CONFLICT ... DO UPDATE is the same on both.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    conflict = ""
    if upsert:
        first, *rest = [quote(model._meta.get_field(f).column) for f in fields]
        updates = ", ".join(f"{column} = excluded.{column}" for column in rest)
        conflict = f" ON CONFLICT ({first}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [model._meta.get_field(f).db_type(connection).split("(")[0] for f in fields]
            _copy(cursor.cursor, table, columns, types, rows, conflict)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql + conflict, batch)


def _copy(cursor, table, columns, types, rows, conflict) -> None:
    """Binary COPY of rows into `table` (psycopg 3); for an upsert, via a temporary table."""
    target = table
    if conflict:
        target = "entente_bulk_rows"
        cursor.execute(f"DROP TABLE IF EXISTS {target}")
        cursor.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
    with cursor.copy(f"COPY {target} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    if conflict:
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target}{conflict}")
        cursor.execute(f"DROP TABLE {target}")


SIGNAL_FIELDS = (
    "indicator",
    "date",
    "signal",
    "alliance",
    "grade",
    "strength",
    "observed",
)


def _write_signals(fresh, first, since, end, offset):
    IndicatorSignal.objects.filter(indicator_id__in=fresh).filter(
        Q(date__lt=first) | Q(date__gte=since)
    ).delete()
    # Adapted for the database once, not once per indicator (SQLite stores ISO text).
    dates = [
        connection.ops.adapt_datefield_value(first + dt.timedelta(days=day))
        for day in range(offset, (end - first).days + 1)
    ]
    rows = (
        (key, *values)
        for key, series in fresh.items()
        for values in zip(
            dates,
            series.signal[offset:].tolist(),
            series.alliance[offset:].tolist(),
            series.grade[offset:].tolist(),
            series.strength[offset:].tolist(),
            series.observed[offset:].tolist(),
            strict=True,
        )
    )
    bulk_insert(IndicatorSignal, SIGNAL_FIELDS, rows)


SCORE_FIELDS = ("observation", "indicator", "alliance", "diagnosticity", "favours")
SCORE_DTYPES = (np.int64, np.int64, float, float, object)


def _write_scores(fresh, catalogue):
    """Bring the stored scores of these indicators' observations in line: insert the new,
    update the changed, delete those that no longer count (retracted or moved), and leave the
    rest alone. A rebuild mostly finds the scores it had; rewriting a million unchanged rows
    was most of a full rebuild's time. Both sides are compared as columns, in key order."""
    slugs = np.array([s.slug for s in catalogue.scenarios], dtype=object)
    wanted = joined(
        [
            [
                series.point_keys,
                np.full(len(series.point_keys), indicator, dtype=np.int64),
                series.point_alliance,
                scoring.diagnosticity(series.point_loglik),
                slugs[series.point_loglik.argmax(axis=1)],
            ]
            for indicator, series in fresh.items()
            if len(series.point_keys)
        ],
        SCORE_DTYPES,
    )
    order = np.argsort(wanted[0])
    wanted = [column[order] for column in wanted]
    stored = as_columns(
        plain_rows(
            ObservationScore.objects.filter(indicator_id__in=fresh).values_list(
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


def _read_signals(keys, since, end):
    """Stored daily signals of the indicators that did not change, as series from `since`."""
    length = (end - since).days + 1
    found = {}
    rows = (
        IndicatorSignal.objects.filter(indicator_id__in=keys, date__gte=since, date__lte=end)
        .order_by("indicator_id", "date")
        .values_list("indicator_id", "signal", "alliance", "grade", "strength", "observed")
    )
    columns = defaultdict(list)
    for key, *values in rows.iterator(chunk_size=BATCH * 5):
        columns[key].append(values)
    for key in keys:
        values = columns.get(key, [])
        if len(values) != length:
            raise RuntimeError(
                f"indicator {key} has {len(values)} stored signals from {since} to {end}, "
                f"expected {length}: run a full recompute"
            )
        signal, alliance, grade, strength, observed = zip(*values, strict=True)
        found[key] = scoring.IndicatorSeries(
            signal=np.array(signal),
            alliance=np.array(alliance),
            grade=np.array(grade),
            strength=np.array(strength),
            observed=np.array(observed, dtype=bool),
        )
    return found


def _index_before(relationship, catalogue, first, since, aggregate):
    """index(t - 90) for each day from `since`: computed now, stored, or the no-data baseline."""
    lag = scoring.MOMENTUM_DAYS
    length = len(aggregate.index)
    before = np.full(length, scoring.baseline(catalogue.specs))
    stored = dict(
        Snapshot.objects.filter(
            relationship=relationship,
            date__gte=max(first, since - dt.timedelta(days=lag)),
            date__lt=since,
        ).values_list("date", "index")
    )
    for n in range(length):
        day = since + dt.timedelta(days=n - lag)
        if n >= lag:
            before[n] = aggregate.index[n - lag]
        elif day >= first:
            before[n] = stored[day]
    return before


def _write_snapshots(catalogue, first, since, end, aggregate, momentum):
    relationship = catalogue.relationship
    Snapshot.objects.filter(relationship=relationship).exclude(
        date__gte=first, date__lt=since
    ).delete()
    slugs = [s.slug for s in catalogue.scenarios]
    rows = [
        Snapshot(
            relationship=relationship,
            date=since + dt.timedelta(days=n),
            index=float(aggregate.index[n]),
            low=float(aggregate.low[n]),
            high=float(aggregate.high[n]),
            band=aggregate.bands[n],
            momentum=float(momentum[n]),
            coverage=float(aggregate.coverage[n]),
            covered=int(aggregate.covered[n]),
            odds=dict(zip(slugs, aggregate.odds[n].tolist(), strict=True)),
            categories={c: float(v[n]) for c, v in aggregate.categories.items()},
            method_version=scoring.METHOD_VERSION,
        )
        for n in range(len(aggregate.index))
    ]
    Snapshot.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
