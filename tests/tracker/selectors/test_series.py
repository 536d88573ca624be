"""The assessment over time: the stored series, as known on a past day, by grade, the
verdict."""

import datetime as dt
import math

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tracker.support import END, START, catalogue, observe
from tracker.models import Observation
from tracker.scoring.inputs import parse_min_grade
from tracker.selectors.series import index_series, verdict_latest
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reports=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 120), st.integers(0, 60)),
        min_size=1,
        max_size=6,
    ),
    cutoff=st.integers(0, 180),
)
def test_the_series_as_known_on_a_day_ignores_everything_recorded_later(reports, cutoff):
    cache.clear()  # each example rolls back, and its ids come back in the next one
    with transaction.atomic():
        relationship, indicators = catalogue()
        for n, day, delay in reports:
            observation = observe(indicators[n], day, 2)
            Observation.history.filter(id=observation.pk).update(
                history_date=observation.recorded_at + dt.timedelta(days=delay)
            )
            Observation.objects.filter(pk=observation.pk).update(
                recorded_at=observation.recorded_at + dt.timedelta(days=delay)
            )
        as_of = START + dt.timedelta(days=cutoff)
        replay = index_series(relationship, as_of=as_of)
        moment = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
        Observation.objects.filter(recorded_at__gt=moment).delete()
        snapshots_refresh(relationship, end=as_of)
        assert replay == index_series(relationship)
        transaction.set_rollback(True)


def test_as_known_now_equals_the_stored_series():
    relationship, indicators = catalogue()
    for n, day in [(0, 3), (1, 20), (2, 33), (3, 70)]:
        observe(indicators[n], day, 2)
    snapshots_refresh(relationship, end=END)
    stored = index_series(relationship)
    computed = index_series(relationship, as_of=END)
    assert computed == stored  # every field of every day, momentum and odds included


def test_minimum_grade_filters_evidence():
    relationship, indicators = catalogue()
    observe(indicators[0], 3, reliability="A", credibility=1)
    observe(indicators[1], 3, reliability="D", credibility=4)
    snapshots_refresh(relationship, end=END)
    everything = index_series(relationship)[-1]
    strict = index_series(relationship, min_grade=parse_min_grade("B2"))[-1]
    assert (everything.covered, strict.covered) == (2, 1)


def test_the_verdict_is_the_latest_day_with_its_band_and_indicators():
    relationship, indicators = catalogue()
    observe(indicators[0], 0, 5)
    observe(indicators[3], 170, 2)
    snapshots_refresh(relationship, end=END)
    verdict = verdict_latest(relationship)
    assert verdict.date == END
    # By hand, method 2.0 (docs/methodology.md): the B2 event counts with its claim's
    # chance of truth (credibility 2: 0.675; the reliability B goes to the spread) 181 days
    # on with a 30-day half-life, and the stage at the top of its ladder, each of weight 1;
    # the unobserved divergence indicator and level are left out of the average.
    event = 1 - math.exp(-5 * 0.675 * 2 ** (-181 / 30) / 4.0)
    expected = 100 * (1 * event + 1 * 1.0) / 2
    assert verdict.index == pytest.approx(expected, abs=1e-6)
    assert verdict.band == "s"  # 50 <= 50.6 < 75
    assert verdict.coverage == pytest.approx(2 / 5) and not verdict.sufficient
    assert verdict.band_name == relationship.scenarios.get(slug="s").name
    assert verdict.indicators == 4


@pytest.fixture
def large(monkeypatch):
    """Every relationship counts as too large to score inside a request; the jobs the views
    ask for are recorded, not run, until the test runs them."""
    from tracker.selectors import series

    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 0)
    asked = []
    monkeypatch.setattr(series, "enqueue_now", lambda task, *args: asked.append((task, args)))
    return asked


def test_a_large_view_is_computed_by_a_job_asked_for_once(large):
    from tracker import tasks
    from tracker.selectors.series import ViewPending

    relationship, indicators = catalogue()
    observe(indicators[0], 3, reliability="A", credibility=1)
    observe(indicators[1], 3, reliability="D", credibility=4)
    snapshots_refresh(relationship, end=END)
    grade = parse_min_grade("B2")
    for _ in range(3):  # however often it is asked, one job
        with pytest.raises(ViewPending):
            index_series(relationship, min_grade=grade)
    [(task, args)] = large
    assert (task, args[:3]) == ("tracker.tasks.compute_view", (relationship.pk, None, "B2"))

    tasks.compute_view(*large[0][1])  # the worker runs it
    strict = index_series(relationship, min_grade=grade)[-1]
    assert strict.covered == 1  # as scored inline (test_minimum_grade_filters_evidence)


def test_a_view_asked_for_while_the_broker_is_down_says_so_and_is_asked_for_again(
    large, monkeypatch
):
    from kombu.exceptions import OperationalError as BrokerError

    from tracker.selectors import series

    relationship, indicators = catalogue()
    observe(indicators[0], 3)
    snapshots_refresh(relationship, end=END)

    def broker_down(task, *args):
        raise BrokerError("Redis is down")

    monkeypatch.setattr(series, "enqueue_now", broker_down)
    with pytest.raises(series.ViewUnavailable, match="job queue is unreachable"):
        index_series(relationship, as_of=END)
    monkeypatch.setattr(series, "enqueue_now", lambda task, *args: large.append(args))
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=END)
    assert [args[:3] for args in large] == [(relationship.pk, END.isoformat(), "")]


def test_no_more_view_jobs_than_slots_are_in_flight_however_many_views_are_asked(large):
    """Many different views (an attacker's dates) ask for at most VIEW_JOB_SLOTS jobs; the
    rest are told to come back, and a finished job frees its slot."""
    from tracker import tasks
    from tracker.selectors import series

    relationship, indicators = catalogue()
    observe(indicators[0], 3)
    snapshots_refresh(relationship, end=END)
    days = [END - dt.timedelta(days=n) for n in range(5)]
    outcomes = []
    for day in days:
        try:
            index_series(relationship, as_of=day)
        except (series.ViewPending, series.ViewUnavailable) as error:
            outcomes.append(type(error).__name__)
    assert outcomes == ["ViewPending"] * series.VIEW_JOB_SLOTS + ["ViewUnavailable"] * 3
    assert len(large) == series.VIEW_JOB_SLOTS

    tasks.compute_view(*large[0][1])  # one finishes: its slot is free for the next view
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=days[2])
    assert len(large) == series.VIEW_JOB_SLOTS + 1
    assert index_series(relationship, as_of=days[0])  # and its view is there


def test_a_failed_view_job_is_said_to_have_failed_and_frees_its_slot(large, monkeypatch):
    from tracker import tasks
    from tracker.selectors import series

    relationship, indicators = catalogue()
    observe(indicators[0], 3)
    snapshots_refresh(relationship, end=END)
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=END)

    def broken(*args):
        raise RuntimeError("a bug in scoring")

    monkeypatch.setattr(series, "_compute_assessments", broken)
    with pytest.raises(RuntimeError):
        tasks.compute_view(*large[0][1])
    with pytest.raises(series.ViewUnavailable, match="job failed"):
        index_series(relationship, as_of=END)
    assert all(cache.get(series._slot(n)) is None for n in range(series.VIEW_JOB_SLOTS))


def test_a_job_computes_exactly_what_the_request_would_have(large, monkeypatch):
    from tracker import tasks
    from tracker.selectors import series

    relationship, indicators = catalogue()
    for n, day in [(0, 3), (1, 20), (2, 33)]:
        observe(indicators[n], day, 2)
    snapshots_refresh(relationship, end=END)
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=END)
    tasks.compute_view(*large[0][1])
    by_job = index_series(relationship, as_of=END)
    cache.clear()
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 10**9)
    assert by_job == index_series(relationship, as_of=END)


def test_whether_a_view_is_scored_inline_is_counted_without_sorting(monkeypatch):
    """The count stops at the limit, from the indicator index: sorting by the model's order
    before the limit read every full row (a quarter of a second at 1M on SQLite)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.selectors import series

    relationship, indicators = catalogue()
    for day in (1, 2, 3):
        observe(indicators[0], day, 2)
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 2)
    with CaptureQueriesContext(connection) as asked:
        assert series.scorable_inline(relationship) is False
    (count,) = asked.captured_queries
    assert "ORDER BY" not in count["sql"].upper() and "LIMIT 3" in count["sql"].upper()
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 3)
    assert series.scorable_inline(relationship) is True
