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
    # By hand, method 1.0 (docs/methodology.md): the B2 event (g = 0.81) 181 days on with a
    # 30-day half-life; the unobserved divergence indicator (weight 2) reads as alliance,
    # the unobserved level as none; the stage is at the top of its ladder.
    event = 1 - math.exp(-5 * 0.81 * 2 ** (-181 / 30) / 4.0)
    expected = 100 * (1 * event + 2 * 1.0 + 1 * 0.0 + 1 * 1.0) / 5
    assert verdict.index == pytest.approx(expected, abs=1e-6)
    assert verdict.band == "s"  # 50 <= 60.3 < 75
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
    assert large == [("tracker.tasks.compute_view", (relationship.pk, None, "B2"))]

    tasks.compute_view(*large[0][1])  # the worker runs it
    strict = index_series(relationship, min_grade=grade)[-1]
    assert strict.covered == 1  # as scored inline (test_minimum_grade_filters_evidence)


def test_a_view_asked_for_while_the_broker_is_down_is_asked_for_again(large, monkeypatch):
    from tracker.selectors import series

    relationship, indicators = catalogue()
    observe(indicators[0], 3)
    snapshots_refresh(relationship, end=END)

    def broker_down(task, *args):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(series, "enqueue_now", broker_down)
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=END)
    monkeypatch.setattr(series, "enqueue_now", lambda task, *args: large.append(args))
    with pytest.raises(series.ViewPending):
        index_series(relationship, as_of=END)
    assert large == [(relationship.pk, END.isoformat(), "")]


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
