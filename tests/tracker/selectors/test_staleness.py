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
