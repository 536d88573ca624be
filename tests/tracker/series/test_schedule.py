"""A change records the recompute it needs in its own transaction, and enqueues it after
the commit; merged changes, full rebuilds, and the sweep for what a lost job left behind."""

import datetime as dt

import pytest
from celery.signals import task_prerun
from django.db import transaction

from tests.clock import NOW
from tests.factories import IndicatorFactory, RelationshipFactory
from tests.tracker.support import END, catalogue, observe
from tracker.models import PendingRecompute
from tracker.series import schedule
from tracker.series.refresh import snapshots_refresh as refresh_series
from tracker.series.schedule import (
    catalogue_changed,
    overdue_recomputes,
    snapshots_refresh_pending,
    snapshots_schedule,
)

pytestmark = pytest.mark.django_db

RECOMPUTE = "tracker.tasks.recompute_pending"


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


def pending():
    return {
        p.relationship_id: (p.since, p.indicators, p.version)
        for p in PendingRecompute.objects.all()
    }


@pytest.mark.parametrize("since", [None, dt.date(2025, 6, 18)])
def test_a_change_records_what_it_needs_and_one_job_per_relationship_runs_after_the_commit(
    django_capture_on_commit_callbacks, recomputes, since
):
    russia_iran = RelationshipFactory()
    russia_dprk = RelationshipFactory(slug="russia-dprk")
    iran = [IndicatorFactory(relationship=russia_iran) for _ in range(5)]
    dprk = IndicatorFactory(relationship=russia_dprk)
    with django_capture_on_commit_callbacks() as callbacks:
        snapshots_schedule(indicator_ids=[i.pk for i in [*iran, dprk, iran[0]]], since=since)
        assert recomputes == []  # nothing is enqueued before the commit
    if since is None:  # a full rebuild of each relationship
        assert pending() == {russia_iran.pk: (None, [], 1), russia_dprk.pk: (None, [], 1)}
    else:  # an incremental one, of the indicators that changed, each named once
        assert pending() == {
            russia_iran.pk: (since, sorted(i.pk for i in iran), 1),
            russia_dprk.pk: (since, [dprk.pk], 1),
        }
    for callback in callbacks:
        callback()
    assert recomputes == [((russia_iran.pk,), {}), ((russia_dprk.pk,), {})]
    assert pending() == {}  # done, and cleared with the series it brought up to date


def test_changes_merge_and_a_full_rebuild_covers_them(django_capture_on_commit_callbacks):
    relationship, indicators = catalogue()
    a, b = indicators[0].pk, indicators[1].pk
    with django_capture_on_commit_callbacks():  # not run: the jobs are what this leaves
        snapshots_schedule(indicator_ids=[a], since=dt.date(2024, 3, 1))
        snapshots_schedule(indicator_ids=[b], since=dt.date(2024, 2, 1))
        assert pending() == {relationship.pk: (dt.date(2024, 2, 1), sorted([a, b]), 2)}
        catalogue_changed(indicator_ids=[a])
        snapshots_schedule(indicator_ids=[b], since=dt.date(2024, 5, 1))
        assert pending() == {relationship.pk: (None, [], 4)}  # still a full rebuild


def test_a_rolled_back_change_records_and_enqueues_nothing(
    django_capture_on_commit_callbacks, recomputes
):
    """As a dry-run import does: the schedule is made inside a block that rolls back."""
    indicator = IndicatorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            snapshots_schedule(indicator_ids=[indicator.pk], since=None)
            raise RuntimeError("roll back")
        snapshots_schedule(indicator_ids=[], since=None)  # and an empty change: nothing
    assert (callbacks, recomputes, pending()) == ([], [], {})


def test_a_change_merged_in_during_a_recompute_stays_pending(
    django_capture_on_commit_callbacks, monkeypatch
):
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    with django_capture_on_commit_callbacks():
        snapshots_schedule(indicator_ids=[indicators[0].pk], since=None)

    def meanwhile_another_change(relationship, **refresh):
        report = refresh_series(relationship, **refresh)
        PendingRecompute.objects.update(version=2)  # merged in while the rebuild ran
        return report

    monkeypatch.setattr(schedule, "snapshots_refresh", meanwhile_another_change)
    report = snapshots_refresh_pending(relationship)
    assert report.full and report.end == NOW.date()
    assert pending() == {relationship.pk: (None, [], 2)}  # left for the second change's job
    monkeypatch.undo()
    assert snapshots_refresh_pending(relationship) is not None
    assert pending() == {} and snapshots_refresh_pending(relationship) is None


def test_the_sweep_finds_what_has_waited_too_long(django_capture_on_commit_callbacks, settings):
    overdue = dt.timedelta(seconds=settings.RECOMPUTE_OVERDUE_SECONDS)
    late, fresh = RelationshipFactory(slug="late"), RelationshipFactory(slug="fresh")
    for relationship in (late, fresh):
        with django_capture_on_commit_callbacks():
            snapshots_schedule(
                indicator_ids=[IndicatorFactory(relationship=relationship).pk], since=END
            )
    PendingRecompute.objects.filter(relationship=late).update(
        requested_at=NOW - overdue - dt.timedelta(seconds=1)
    )
    assert overdue_recomputes() == [late.pk]
    assert overdue_recomputes(now=NOW + overdue) == [late.pk, fresh.pk]
