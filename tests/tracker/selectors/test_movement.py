"""What moved the assessment: contributions add up to the change and name their reports."""

import datetime as dt

import pytest

from tests.tracker.support import END, catalogue, observe
from tracker.selectors.movement import contributions_between
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_contributions_add_up_and_name_the_observations():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    observe(indicators[1], 0, 0.5)  # friction has evidence before the period, so that...
    drones = observe(indicators[0], 100, 4)
    friction = observe(indicators[1], 110, 3)
    snapshots_refresh(relationship, end=END)
    movement = contributions_between(relationship, dt.date(2024, 3, 1), END)
    assert sum(m.contribution for m in movement.moves) == pytest.approx(movement.change)
    by_indicator = {m.indicator.pk: m for m in movement.moves}
    event_move = by_indicator[indicators[0].pk]
    named = {share.observation.pk: share.contribution for share in event_move.observations}
    assert set(named) == {drones.pk}
    assert event_move.carryover + sum(named.values()) == pytest.approx(event_move.contribution)
    assert by_indicator[indicators[1].pk].contribution < 0  # ...more of it lowers the index
    assert friction.pk in {s.observation.pk for s in by_indicator[indicators[1].pk].observations}
