"""Shared builders of the tracker tests: a small catalogue of each kind, observed on days
counted from START (1 Jan 2024), and the derived rows a refresh stores."""

import datetime as dt

from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
)
from tracker.models import ObservationScore, ReadingSeries, Snapshot

START = dt.date(2024, 1, 1)
END = dt.date(2024, 6, 30)


def catalogue():
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    indicators = [
        IndicatorFactory(relationship=relationship, half_life_days=30),
        IndicatorFactory(relationship=relationship, polarity=-1, weight=2.0),
        IndicatorFactory(relationship=relationship, level=True),
        IndicatorFactory(relationship=relationship, stage=True),
    ]
    return relationship, indicators


def observe(indicator, day, measure=2.0, **extra):
    fields = {"magnitude": None, "value": None, "stage": None}
    if indicator.kind == "event":
        fields["magnitude"] = measure
    elif indicator.kind == "level":
        fields["value"] = measure * 10
    else:
        fields["stage"] = indicator.stages.order_by("order")[int(measure) % 3]
    return ObservationFactory(
        indicator=indicator,
        occurred_on=START + dt.timedelta(days=day),
        recorded_at=dt.datetime.combine(START, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(days=day),
        **fields,
        **extra,
    )


def stored_rows(relationship):
    snapshots = list(
        Snapshot.objects.filter(relationship=relationship)
        .order_by("date")
        .values_list("date", "index", "low", "high", "band", "momentum", "odds", "categories")
    )
    readings = [
        (key, first, days, bytes(values))
        for key, first, days, values in ReadingSeries.objects.filter(
            indicator__relationship=relationship
        )
        .order_by("indicator")
        .values_list("indicator", "first", "days", "values")
    ]
    scores = list(
        ObservationScore.objects.order_by("observation").values_list(
            "observation", "alliance", "diagnosticity", "favours"
        )
    )
    return snapshots, readings, scores
