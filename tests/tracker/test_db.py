"""Database plumbing for derived rows: plain tuples in and out, numpy columns."""

import numpy as np
import pytest

from tests.factories import IndicatorFactory, ObservationFactory
from tracker import db
from tracker.models import ObservationScore
from tracker.series.refresh import SCORE_FIELDS

pytestmark = pytest.mark.django_db

FIELDS = SCORE_FIELDS  # what a rebuild writes


def test_bulk_insert_writes_plain_tuples_in_batches():
    indicator = IndicatorFactory()
    rows = [
        (n + 1, indicator.pk, n / 10_000, 0.5, "a")
        for n in range(db.BATCH * 2 + 7)  # more than two batches
    ]
    db.bulk_insert(ObservationScore, FIELDS, iter(rows))
    stored = ObservationScore.objects.order_by("observation").values_list(*FIELDS)
    assert list(stored) == rows


def test_an_upsert_updates_rows_whose_key_exists_and_inserts_the_rest():
    first, second = ObservationFactory(), ObservationFactory()
    fields = ("observation", "indicator", "alliance", "diagnosticity", "favours")
    db.bulk_insert(ObservationScore, fields, [(first.pk, first.indicator_id, 0.2, 1.0, "a")])
    db.bulk_insert(
        ObservationScore,
        fields,
        [
            (first.pk, first.indicator_id, 0.7, 2.0, "b"),
            (second.pk, second.indicator_id, 0.1, 0.5, "c"),
        ],
        upsert=True,
    )
    stored = dict(ObservationScore.objects.values_list("observation_id", "alliance"))
    assert stored == {first.pk: 0.7, second.pk: 0.1}


def test_plain_rows_give_the_queryset_rows_as_tuples():
    indicator = IndicatorFactory()
    db.bulk_insert(ObservationScore, FIELDS, [(7, indicator.pk, 0.25, 1.5, "a")])
    rows = list(db.plain_rows(ObservationScore.objects.values_list("indicator_id", "alliance")))
    assert rows == [(indicator.pk, 0.25)]


def test_columns_of_the_given_types_across_chunks():
    rows = [(n, float(n) / 2, "B") for n in range(db.BATCH * 10 + 3)]  # more than one chunk
    keys, halves, letters = db.as_columns(iter(rows), np.int64, float, "U1")
    assert (keys.dtype, halves.dtype, letters.dtype) == (np.int64, np.float64, np.dtype("U1"))
    assert keys.tolist() == [r[0] for r in rows] and halves[-1] == rows[-1][1]
    empty = db.as_columns(iter([]), np.int64, float)
    assert [len(c) for c in empty] == [0, 0] and empty[0].dtype == np.int64
