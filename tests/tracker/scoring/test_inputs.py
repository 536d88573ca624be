"""What the method reads: observations as Entente knew them on a past day, and the
minimum-grade filter."""

import datetime as dt

import pytest
import time_machine

from tests.factories import SourceFactory
from tests.tracker.support import catalogue
from tracker.observations import services
from tracker.scoring.inputs import parse_min_grade, states_as_known_on

pytestmark = pytest.mark.django_db


def test_states_as_known_on_ignore_what_was_recorded_later_and_see_old_values(analyst):
    relationship, indicators = catalogue()
    with time_machine.travel(dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        kept = services.observation_record(
            indicator=indicators[0],
            occurred_on=dt.date(2024, 1, 9),
            source=SourceFactory(),
            summary="A first report.",
            credibility=2,
            magnitude=2,
        )
    with time_machine.travel(dt.datetime(2024, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        services.observation_correct(kept, by=analyst, magnitude=5)
        later = services.observation_record(
            indicator=indicators[1],
            occurred_on=dt.date(2024, 1, 5),  # happened earlier, learned later
            source=SourceFactory(),
            summary="Friction.",
            credibility=2,
            magnitude=3,
        )
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        services.observation_retract(kept, by=analyst, reason="Withdrawn")

    moment = dt.datetime(2024, 1, 20, tzinfo=dt.UTC)
    then = states_as_known_on(relationship, moment)
    assert [(s.key, s.magnitude) for s in then] == [(kept.pk, 2)]
    in_february = states_as_known_on(relationship, moment.replace(month=2, day=15))
    assert {(s.key, s.magnitude) for s in in_february} == {(kept.pk, 5), (later.pk, 3)}
    now = states_as_known_on(relationship, moment.replace(month=4))
    assert [s.key for s in now] == [later.pk]  # the retraction counts from March


def test_a_minimum_grade_is_a_letter_and_optionally_a_digit():
    assert parse_min_grade("B2") == ("B", 2)
    assert parse_min_grade("c") == ("C", 6)
    with pytest.raises(ValueError, match="minimum grade"):
        parse_min_grade("Z9")
