"""A change schedules one refresh per relationship it touches, after the commit."""

import datetime as dt

import pytest
from celery.signals import task_prerun
from django.db import transaction

from tests.factories import IndicatorFactory, RelationshipFactory
from tracker.series.schedule import snapshots_schedule

pytestmark = pytest.mark.django_db

RECOMPUTE = "tracker.tasks.recompute_snapshots"


@pytest.fixture
def recomputes():
    """The recompute jobs that ran (eagerly, as the test settings run jobs): their arguments."""
    ran = []

    def note(sender, args, kwargs, **_):
        if sender.name == RECOMPUTE:
            ran.append((tuple(args), kwargs))

    task_prerun.connect(note, weak=False)
    yield ran
    task_prerun.disconnect(note)


@pytest.mark.parametrize("since", [None, dt.date(2025, 6, 18)])
def test_one_refresh_per_relationship_after_the_commit(
    django_capture_on_commit_callbacks, recomputes, since
):
    russia_iran = RelationshipFactory()
    russia_dprk = RelationshipFactory(slug="russia-dprk")
    iran = [IndicatorFactory(relationship=russia_iran) for _ in range(5)]
    dprk = IndicatorFactory(relationship=russia_dprk)
    with django_capture_on_commit_callbacks() as callbacks:
        snapshots_schedule(indicator_ids=[i.pk for i in [*iran, dprk, iran[0]]], since=since)
        assert recomputes == []  # nothing is enqueued before the commit
    for callback in callbacks:
        callback()
    if since is None:  # a full rebuild of each relationship
        expected = [((russia_iran.pk, None, None), {}), ((russia_dprk.pk, None, None), {})]
    else:  # an incremental one, of the indicators that changed, each named once
        day = since.isoformat()
        expected = [
            ((russia_iran.pk, day, sorted(i.pk for i in iran)), {}),
            ((russia_dprk.pk, day, [dprk.pk]), {}),
        ]
    assert recomputes == expected


def test_a_rolled_back_change_enqueues_nothing(django_capture_on_commit_callbacks, recomputes):
    """As a dry-run import does: the schedule is made inside a block that rolls back."""
    indicator = IndicatorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            snapshots_schedule(indicator_ids=[indicator.pk], since=None)
            raise RuntimeError("roll back")
        snapshots_schedule(indicator_ids=[], since=None)  # and an empty change: nothing
    assert callbacks == []
    assert recomputes == []
