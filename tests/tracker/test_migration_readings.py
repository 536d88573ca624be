"""Migration 0028 turns each indicator's daily reading rows into its one array, value for
value, so that an upgraded site needs no recompute (and back, on a downgrade)."""

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import IndicatorFactory

BEFORE = [("tracker", "0027_score_by_diagnosticity")]
AFTER = [("tracker", "0028_readings_as_one_array_per_indicator")]
FIELDS = ("reading", "alliance", "grade", "strength", "observed", "freshness", "evidenced",
          "source_doubt")  # fmt: skip


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_rows_become_arrays_and_back():
    apps = migrate(BEFORE)
    IndicatorReading = apps.get_model("tracker", "IndicatorReading")
    indicator = IndicatorFactory()  # its table is the same before and after
    first = dt.date(2024, 1, 1)
    rng = np.random.default_rng(7)
    days = [
        dict(zip(FIELDS, rng.random(len(FIELDS)).tolist(), strict=True)) | {"observed": n > 2}
        for n in range(10)
    ]
    for n, day in enumerate(days):
        IndicatorReading.objects.create(
            indicator_id=indicator.pk, date=first + dt.timedelta(days=n), **day
        )
    try:
        apps = migrate(AFTER)
        stored = apps.get_model("tracker", "ReadingSeries").objects.get(indicator_id=indicator.pk)
        values = np.frombuffer(bytes(stored.values), dtype="<f8").reshape(-1, len(FIELDS))
        assert (stored.first, stored.days, stored.last_reading) == (first, 10, days[-1]["reading"])
        assert values.tolist() == [[float(day[f]) for f in FIELDS] for day in days]

        apps = migrate(BEFORE)  # and back
        rows = apps.get_model("tracker", "IndicatorReading").objects.order_by("date")
        assert [dict(zip(FIELDS, r, strict=True)) for r in rows.values_list(*FIELDS)] == days
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
