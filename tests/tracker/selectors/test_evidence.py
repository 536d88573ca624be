"""Evidence a page lists: the latest reports, and the most diagnostic ones as chart notes."""

import datetime as dt

import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.models import Observation, ObservationScore
from tracker.selectors.evidence import chart_reports, key_events, latest_evidence
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_latest_evidence_newest_first_within_the_limit_and_the_view():
    relationship, indicators = catalogue()
    reports = [observe(indicators[n % 4], day) for n, day in enumerate([5, 40, 40, 90, 120])]
    retracted = observe(indicators[0], 150)
    Observation.objects.filter(pk=retracted.pk).update(
        status=Observation.Status.RETRACTED, retracted_at=retracted.recorded_at
    )
    newest = [r.pk for r in sorted(reports, key=lambda r: (r.occurred_on, r.pk), reverse=True)]
    assert [o.pk for o in latest_evidence(relationship, limit=3)] == newest[:3]
    until = START + dt.timedelta(days=40)
    assert [o.pk for o in latest_evidence(relationship, until=until)] == newest[2:]
    category = indicators[0].category
    assert [o.indicator.category for o in latest_evidence(relationship, category=category)] == [
        category,
        category,
    ]


def test_key_events_are_the_most_diagnostic_in_the_window_in_date_order():
    relationship, indicators = catalogue()
    for n, day in enumerate([10, 30, 50, 70, 90]):
        observe(indicators[n % 2], day, n + 1)
    outside = observe(indicators[0], 170, 5)
    snapshots_refresh(relationship, end=END)
    start, end = START, START + dt.timedelta(days=100)
    events = key_events(relationship, start, end, limit=3)
    assert len(events) == 3 and outside.pk not in {e.observation.pk for e in events}
    assert [e.observation.occurred_on for e in events] == sorted(
        e.observation.occurred_on for e in events
    )
    # The three with the largest weighted diagnosticity among those in the window.
    weight = {i.pk: i.weight for i in indicators}
    mean = sum(weight.values()) / len(weight)
    ranked = sorted(
        ObservationScore.objects.filter(observation__occurred_on__range=(start, end)),
        key=lambda s: -s.diagnosticity * weight[s.indicator_id] / mean,
    )
    assert {e.observation.pk for e in events} == {s.observation_id for s in ranked[:3]}


def test_chart_reports_are_the_latest_in_the_window_oldest_first_as_plain_values():
    relationship, indicators = catalogue()
    level = indicators[2]
    for day, value in [(1, 1), (20, 2), (40, 3), (60, 4)]:
        observe(level, day, value)
    reports = chart_reports(level, START, START + dt.timedelta(days=50), limit=2)
    assert [(r.occurred_on, r.value, r.grade) for r in reports] == [
        (START + dt.timedelta(days=20), 20.0, "B2"),
        (START + dt.timedelta(days=40), 30.0, "B2"),
    ]
