"""The stored series: one snapshot a day, incremental refreshes equal full rebuilds, derived
rows follow their indicator or observation."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tracker.support import END, START, catalogue, observe, stored_rows
from tracker.alerts import alerts_unscorable
from tracker.models import Observation, ObservationScore, ReadingSeries, Snapshot
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_full_rebuild_writes_one_snapshot_a_day():
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    observe(indicators[2], 40, 5)
    report = snapshots_refresh(relationship, end=END)
    assert report.full
    assert Snapshot.objects.count() == (END - (START + dt.timedelta(days=10))).days + 1
    # One array per indicator, a row for each day of the series.
    assert ReadingSeries.objects.count() == 4
    assert set(ReadingSeries.objects.values_list("days", flat=True)) == {Snapshot.objects.count()}
    assert ObservationScore.objects.count() == 2
    first = Snapshot.objects.earliest("date")
    assert first.covered == 1
    assert sum(first.odds.values()) == pytest.approx(1.0)


def test_an_incremental_refresh_of_an_indicator_left_without_evidence():
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    only = observe(indicators[1], 20, 4)
    snapshots_refresh(relationship, end=END)
    Observation.objects.filter(pk=only.pk).update(
        status=Observation.Status.RETRACTED, retracted_at=timezone.now()
    )
    report = snapshots_refresh(
        relationship, since=only.occurred_on, indicator_ids=[indicators[1].pk], end=END
    )
    assert not report.full and report.rescored == 1
    assert not ObservationScore.objects.filter(observation=only).exists()
    incremental = stored_rows(relationship)
    snapshots_refresh(relationship, end=END)
    assert stored_rows(relationship) == incremental


def test_derived_rows_go_with_their_indicator_or_observation():
    relationship, indicators = catalogue()
    observation = observe(indicators[0], 10)
    snapshots_refresh(relationship, end=END)
    unobserved = indicators[3]
    assert ReadingSeries.objects.filter(indicator=unobserved).exists()
    unobserved.delete()  # no database foreign key: Django's cascade must do it
    observation.delete()
    assert not ReadingSeries.objects.filter(indicator_id=unobserved.pk).exists()
    assert not ObservationScore.objects.filter(observation_id=observation.pk).exists()


def test_a_rebuild_reads_back_only_the_scores_that_changed():
    relationship, indicators = catalogue()
    kept, moved = observe(indicators[0], 10), observe(indicators[1], 20, 4)
    snapshots_refresh(relationship, end=END)
    before = dict(ObservationScore.objects.values_list("observation_id", "diagnosticity"))
    with CaptureQueriesContext(connection) as nothing_changed:
        snapshots_refresh(relationship, end=END)  # the nightly rebuild
    assert not [q for q in nothing_changed if "observationscore" in q["sql"].lower()]
    assert dict(ObservationScore.objects.values_list("observation_id", "diagnosticity")) == before
    moved.magnitude = 1.0  # a correction: its score moves, the other indicators' do not
    moved.credibility = 6 if moved.credibility != 6 else 1
    moved.save()
    with CaptureQueriesContext(connection) as one_changed:
        snapshots_refresh(relationship, end=END)
    read = [q["sql"] for q in one_changed if q["sql"].lower().startswith("select")]
    read = [sql for sql in read if "observationscore" in sql.lower()]
    assert len(read) == 1 and str(indicators[1].pk) in read[0]  # its own scores only
    after = dict(ObservationScore.objects.values_list("observation_id", "diagnosticity"))
    assert after[kept.pk] == before[kept.pk] and after[moved.pk] != before[moved.pk]


changes = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 150), st.integers(1, 5)), min_size=1, max_size=4
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initial=changes, later=changes, extra_days=st.integers(0, 20))
def test_incremental_refresh_equals_full_rebuild(initial, later, extra_days):
    with transaction.atomic():
        relationship, indicators = catalogue()
        for n, day, measure in initial:
            observe(indicators[n], day, measure)
        snapshots_refresh(relationship, end=END)
        end = END + dt.timedelta(days=extra_days)
        for n, day, measure in later:
            observation = observe(indicators[n], day + 20, measure)
            snapshots_refresh(
                relationship,
                since=observation.occurred_on,
                indicator_ids=[indicators[n].pk],
                end=end,
            )
        incremental = stored_rows(relationship)
        snapshots_refresh(relationship, end=end)  # over the stored rows: rewrites what differs
        assert stored_rows(relationship) == incremental
        for model in (Snapshot, ReadingSeries, ObservationScore):
            model.objects.all().delete()
        snapshots_refresh(relationship, end=end)  # from nothing
        assert stored_rows(relationship) == incremental
        transaction.set_rollback(True)


def test_a_stored_observation_dated_before_1900_is_left_out_not_a_crash():
    """Stored before dates were checked (the form refused 0001-01-01 only later): the rebuild
    scores the rest, and each one left out is named in an alert, once."""
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    bad = observe(indicators[1], 20)
    Observation.objects.filter(pk=bad.pk).update(occurred_on=dt.date(1, 1, 1))
    report = snapshots_refresh(relationship, end=END)
    assert report.since == START + dt.timedelta(days=10)  # from the first good report
    assert Snapshot.objects.earliest("date").covered == 1
    assert not ObservationScore.objects.filter(observation=bad).exists()
    [alert] = alerts_unscorable(relationship)
    assert f"observation {bad.pk}" in alert.title and "0001-01-01" in alert.message
    assert alerts_unscorable(relationship) == []  # raised once
