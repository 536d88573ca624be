"""A change schedules one refresh per relationship it touches, after the commit."""

import pytest

from tests.factories import IndicatorFactory, RelationshipFactory
from tracker.snapshots import snapshots_schedule

pytestmark = pytest.mark.django_db


def test_one_refresh_per_relationship(django_capture_on_commit_callbacks):
    russia_iran = RelationshipFactory()
    russia_dprk = RelationshipFactory(slug="russia-dprk")
    indicators = [IndicatorFactory(relationship=russia_iran) for _ in range(5)]
    indicators.append(IndicatorFactory(relationship=russia_dprk))
    with django_capture_on_commit_callbacks() as callbacks:
        snapshots_schedule(indicator_ids=[i.pk for i in indicators], since=None)
    assert len(callbacks) == 2
