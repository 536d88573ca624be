"""The indicators' daily readings, one array per indicator (tracker.models.ReadingSeries).

Written whole for each rescored indicator (a rebuild scores every day of it anyway); read by
window or by day through the database's SUBSTR on the stored bytes, so that a page or an
incremental refresh never loads ten years to use a few days.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import connection
from django.db.models import BinaryField, Value
from django.db.models.functions import Substr

from tracker.db import bulk_insert
from tracker.models import ReadingSeries
from tracker.scoring import method

FIELDS = ReadingSeries.FIELDS
WIDTH = 8 * len(FIELDS)  # bytes a day
DTYPE = np.dtype("<f8")
COLUMN = {name: n for n, name in enumerate(FIELDS)}


def pack(series: method.IndicatorSeries) -> bytes:
    return np.column_stack([getattr(series, f) for f in FIELDS]).astype(DTYPE).tobytes()


def unpack(data: bytes | memoryview) -> np.ndarray:
    """Stored bytes as an array of days x FIELDS."""
    return np.frombuffer(bytes(data), dtype=DTYPE).reshape(-1, len(FIELDS))


def as_series(rows: np.ndarray) -> method.IndicatorSeries:
    columns = {name: rows[:, n].copy() for n, name in enumerate(FIELDS)}
    columns["observed"] = columns["observed"].astype(bool)
    return method.IndicatorSeries(**columns)


def write(
    fresh: dict[int, method.IndicatorSeries], first: dt.date, digests: dict[int, str]
) -> None:
    """Replace the stored arrays of these indicators with theirs, from `first`, beside the
    digest of the scores written with them: one at a time into the writer (binary COPY on
    PostgreSQL), never all of them as one statement."""
    ReadingSeries.objects.filter(indicator_id__in=list(fresh)).delete()
    day = connection.ops.adapt_datefield_value(first)  # SQLite stores ISO text
    bulk_insert(
        ReadingSeries,
        ("indicator", "first", "days", "values", "last_reading", "scores_digest"),
        (
            (key, day, len(series.reading), pack(series), float(series.reading[-1]), digests[key])
            for key, series in fresh.items()
            if len(series.reading)
        ),
    )


def scores_digests(keys: Iterable[int]) -> dict[int, str]:
    """The digest of each of these indicators' stored scores, as `write` left it."""
    stored = ReadingSeries.objects.filter(indicator_id__in=list(keys))
    return dict(stored.values_list("indicator_id", "scores_digest"))


def covering(keys: Iterable[int], start: dt.date, end: dt.date) -> set[int]:
    """Those of `keys` whose stored array holds every day from `start` to `end`."""
    stored = ReadingSeries.objects.filter(indicator_id__in=list(keys), first__lte=start)
    return {
        key
        for key, first, days in stored.values_list("indicator_id", "first", "days")
        if first + dt.timedelta(days=days - 1) >= end
    }


def first_days(keys: Iterable[int]) -> dict[int, dt.date]:
    """The first day of each of these indicators' stored arrays (those that have one)."""
    stored = ReadingSeries.objects.filter(indicator_id__in=list(keys))
    return dict(stored.values_list("indicator_id", "first"))


def window(
    keys: Iterable[int], start: dt.date, end: dt.date, *, firsts: dict[int, dt.date] | None = None
) -> dict[int, np.ndarray]:
    """Each indicator's days from `start` to `end` (days x FIELDS), cut to what it holds;
    `firsts` (from `first_days`) when the caller has them, saving a query."""
    if firsts is None:
        firsts = first_days(keys)
    by_first: dict[dt.date, list[int]] = defaultdict(list)
    for key in keys:
        if key in firsts:
            by_first[firsts[key]].append(key)
    found: dict[int, np.ndarray] = {}
    for first, group in by_first.items():  # one query for a relationship: one first day
        offset = max((start - first).days, 0)
        length = (end - first).days + 1 - offset
        if length <= 0:
            continue
        cut = Substr(
            "values", Value(offset * WIDTH + 1), Value(length * WIDTH), output_field=BinaryField()
        )
        rows = ReadingSeries.objects.filter(indicator_id__in=group).annotate(cut=cut)
        for key, data in rows.values_list("indicator_id", "cut"):
            found[key] = unpack(data or b"")
    return found


def on_days(keys: Iterable[int], days: Iterable[dt.date]) -> dict[tuple[int, dt.date], np.ndarray]:
    """Each indicator's row (FIELDS) on each of `days` it holds, by (indicator, day)."""
    keys = list(keys)
    firsts = first_days(keys)
    found = {}
    for day in sorted(set(days)):
        for key, rows in window(keys, day, day, firsts=firsts).items():
            if len(rows):
                found[key, day] = rows[0]
    return found


def bounds(indicator_id: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day an indicator's readings hold, or None."""
    stored = ReadingSeries.objects.filter(indicator_id=indicator_id).only("first", "days").first()
    return (stored.first, stored.last) if stored else None


def latest(keys: Iterable[int]) -> dict[int, float]:
    """Each indicator's reading on the last day it holds."""
    stored = ReadingSeries.objects.filter(indicator_id__in=list(keys))
    return dict(stored.values_list("indicator_id", "last_reading"))
