"""Stale indicators: no accepted report within their cadence, or none at all."""

import pytest

from tests.tracker.support import END, catalogue, observe
from tracker.selectors.staleness import stale_indicators

pytestmark = pytest.mark.django_db


def test_an_indicator_is_stale_past_its_cadence_or_never_observed():
    relationship, indicators = catalogue()  # cadence 180 days
    observe(indicators[0], 0, 5)
    observe(indicators[3], 170, 2)
    stale = {s.indicator.pk: s.days_since for s in stale_indicators(relationship, today=END)}
    assert stale == {indicators[0].pk: 181, indicators[1].pk: None, indicators[2].pk: None}


def test_stale_as_known_on_a_day_counts_what_was_known_then_in_days_to_it():
    """ "As known on" shows no later report: an indicator reported only after the day was
    quiet then, and days are counted to the day, not to today."""
    import datetime as dt

    from tests.tracker.support import START, catalogue, observe
    from tracker.models import Observation

    relationship, indicators = catalogue()  # cadence 180 days
    day = START + dt.timedelta(days=100)
    observe(indicators[0], 90)  # known then, 10 days before the day
    late = observe(indicators[1], 95)
    moment = dt.datetime.combine(day + dt.timedelta(days=3), dt.time(9), tzinfo=dt.UTC)
    Observation.objects.filter(pk=late.pk).update(recorded_at=moment)
    then = {s.indicator: s for s in stale_indicators(relationship, known_on=day)}
    assert indicators[0] not in then  # fresh then
    assert then[indicators[1]].last_observed is None  # its report was not known yet
    now = {s.indicator for s in stale_indicators(relationship, today=day)}
    assert indicators[1] not in now  # as known today, it has a report
