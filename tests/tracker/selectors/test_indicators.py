"""An indicator's page: its daily readings, its observations (retracted included), history."""

import datetime as dt

import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.models import Observation
from tracker.observations import services
from tracker.selectors.indicators import (
    indicator_history,
    indicator_observations,
    indicator_readings,
    latest_readings,
)
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_readings_within_the_window_in_date_order():
    relationship, indicators = catalogue()
    observe(indicators[2], 10, 5)
    snapshots_refresh(relationship, end=END)
    start, end = START + dt.timedelta(days=20), START + dt.timedelta(days=24)
    readings = indicator_readings(indicators[2], start=start, end=end)
    assert [r.date for r in readings] == [start + dt.timedelta(days=n) for n in range(5)]
    assert {r.reading for r in readings} == {0.5}  # a level of 50 between 0 and 100


def test_latest_readings_are_those_of_the_last_stored_day():
    relationship, indicators = catalogue()
    observe(indicators[2], 10, 5)
    observe(indicators[3], 20, 1)  # the second rung of the ladder
    snapshots_refresh(relationship, end=END)
    expected = {i.pk: indicator_readings(i, start=END, end=END)[0].reading for i in indicators}
    readings = latest_readings(relationship.indicators.all())
    assert readings == expected
    assert (readings[indicators[2].pk], readings[indicators[3].pk]) == (0.5, 0.6)


def test_observations_newest_first_with_the_retracted_and_history_of_who_and_why(analyst):
    relationship, indicators = catalogue()
    first, second = observe(indicators[0], 10), observe(indicators[0], 30)
    services.observation_retract(first, by=analyst, reason="A duplicate")
    listed = list(indicator_observations(indicators[0]))
    assert [o.pk for o in listed] == [second.pk, first.pk]
    assert listed[1].status == Observation.Status.RETRACTED
    history = list(indicator_history(indicators[0]))
    assert (history[0].id, history[0].history_user, history[0].history_change_reason) == (
        first.pk,
        analyst,
        "Retracted: A duplicate",
    )
    assert len(history) == 3  # two created, one retracted
