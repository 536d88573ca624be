"""The verdict's sensitivity for a relationship: on its evidence as it stands or as known on a
date, by grade, and cached until the data changes."""

import datetime as dt

import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.models import Observation
from tracker.scoring import sensitivity
from tracker.selectors.sensitivity import verdict_sensitivity
from tracker.selectors.series import assessment_on
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def observed():
    relationship, indicators = catalogue()
    for n, indicator in enumerate(indicators):
        observe(indicator, 20 + 10 * n, 3)
    snapshots_refresh(relationship, end=END)
    return relationship, indicators


def test_as_it_stands_the_published_variant_is_the_stored_verdict():
    relationship, _ = observed()
    found = verdict_sensitivity(relationship, END)
    stored = relationship.snapshots.get(date=END)
    assert found.day == END
    assert found.published.index == pytest.approx(stored.index)
    assert found.published.band == stored.band
    assert found.published.odds == pytest.approx(stored.odds)
    assert {f.family for f in found.families} == set(sensitivity.FAMILIES)


def test_as_known_on_a_date_sees_nothing_recorded_later():
    relationship, indicators = observed()
    day = START + dt.timedelta(days=80)
    late = observe(indicators[0], 60, 5, reliability="A", credibility=1)
    Observation.objects.filter(pk=late.pk).update(recorded_at=late.recorded_at + dt.timedelta(99))
    Observation.history.filter(id=late.pk).update(history_date=late.recorded_at + dt.timedelta(99))
    snapshots_refresh(relationship, end=END)
    then = verdict_sensitivity(relationship, day, as_of=day)
    now = verdict_sensitivity(relationship, day)
    assert then.published.index == pytest.approx(assessment_on(relationship, day, as_of=day).index)
    assert now.published.index == pytest.approx(assessment_on(relationship, day).index)
    assert then.published.index != pytest.approx(now.published.index)


def test_the_minimum_grade_leaves_out_the_weaker_reports():
    relationship, indicators = observed()
    observe(indicators[0], 70, 5, reliability="E", credibility=5)
    snapshots_refresh(relationship, end=END)
    graded = verdict_sensitivity(relationship, END, min_grade=("B", 2))
    expected = assessment_on(relationship, END, min_grade=("B", 2))
    assert graded.published.index == pytest.approx(expected.index)


def test_it_is_computed_once_until_the_data_changes(django_assert_num_queries):
    relationship, indicators = observed()
    first = verdict_sensitivity(relationship, END)
    with django_assert_num_queries(1):  # the data version, for the cache key
        assert verdict_sensitivity(relationship, END) == first
    observe(indicators[0], 100, 5)
    assert verdict_sensitivity(relationship, END) != first


def test_nothing_without_evidence_or_beyond_what_a_request_may_score(monkeypatch):
    relationship, _ = observed()
    assert verdict_sensitivity(relationship, START) is None
    monkeypatch.setattr("tracker.selectors.series.INLINE_OBSERVATIONS", 1)
    assert verdict_sensitivity(relationship, END - dt.timedelta(days=1)) is None
