"""The method over a set of observation states: from the first one's day to the end, and the
fields of each day as stored and shown."""

import datetime as dt

import numpy as np
import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.scoring import method
from tracker.scoring.compute import compute_series, day_fields
from tracker.scoring.inputs import current_states, scoring_inputs

pytestmark = pytest.mark.django_db


def test_the_series_runs_from_the_first_report_to_the_end_with_momentum_over_90_days():
    relationship, indicators = catalogue()
    observe(indicators[2], 10, 5)  # a level
    observe(indicators[2], 130, 8)
    inputs = scoring_inputs(relationship)
    computed = compute_series(inputs, current_states(relationship), END)
    first = START + dt.timedelta(days=10)
    assert computed.dates[0] == first and computed.dates[-1] == END
    assert len(computed.dates) == (END - first).days + 1
    index = computed.aggregate.index
    lag = method.MOMENTUM_DAYS
    assert computed.momentum[lag:] == pytest.approx(index[lag:] - index[:-lag])
    # Before 90 days of history, momentum is measured from the first day (2.0)...
    assert computed.momentum[:lag] == pytest.approx(index[:lag] - index[0])
    # ...or, in method 1.0, from the index with no evidence at all.
    old = compute_series(inputs, current_states(relationship), END, version="1.0")
    baseline = method.baseline(inputs.specs, "1.0")
    assert old.momentum[0] == pytest.approx(old.aggregate.index[0] - baseline)


def test_no_state_before_the_end_gives_no_series():
    relationship, indicators = catalogue()
    observe(indicators[0], 100)
    inputs = scoring_inputs(relationship)
    assert compute_series(inputs, current_states(relationship), START) is None
    assert compute_series(inputs, [], END) is None


def test_day_fields_are_that_day_of_the_aggregate_as_plain_values():
    aggregate = method.RelationshipSeries(
        index=np.array([40.0, 55.5]),
        low=np.array([30.0, 45.0]),
        high=np.array([50.0, 66.0]),
        coverage=np.array([0.5, 0.75]),
        covered=np.array([2, 3]),
        categories={"military": np.array([10.0, 20.0]), "energy": np.array([5.0, np.nan])},
        families={"arms": np.array([12.0, np.nan])},
        odds=np.array([[0.1, 0.6, 0.3], [0.0, 0.2, 0.8]]),
        bands=["c", "s"],
        freshness=np.array([0.9, 0.8]),
        spread=np.array([6.0, 7.0]),
    )
    fields = day_fields(aggregate, ["u", "c", "s"], 1)
    assert fields == {
        "index": 55.5,
        "low": 45.0,
        "high": 66.0,
        "band": "s",
        "odds": {"u": 0.0, "c": 0.2, "s": 0.8},
        "coverage": 0.75,
        "covered": 3,
        "freshness": 0.8,
        "categories": {"military": 20.0},  # energy has no evidence that day: left out
        "families": {},  # nor arms
    }
    assert all(type(v) in (float, int, str, dict) for v in fields.values())  # JSON-ready
