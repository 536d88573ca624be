"""Evidence a page lists: the latest reports, and the most diagnostic ones as chart notes."""

import datetime as dt

import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.models import Observation, ObservationScore, Originator
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


def test_key_events_among_equals_are_the_first_recorded_whatever_the_order_read():
    """Twelve reports that score alike, two places: the same two every time (the database's
    cut of the ranking breaks ties by observation, as the final sort does)."""
    relationship, indicators = catalogue()
    made = [observe(indicators[0], 10 + day, 3) for day in range(12)]
    snapshots_refresh(relationship, end=END)
    ObservationScore.objects.update(diagnosticity=1.5)  # alike, whatever decay made of them
    events = key_events(relationship, START, END, limit=2)
    assert [e.observation.pk for e in events] == [made[0].pk, made[1].pk]


def test_the_walk_down_the_ranking_finds_the_same_reports_in_any_batch_size():
    """The window is checked batch by batch: the strongest reports outside it are passed
    over, and a small batch reads on until it has enough."""
    from tracker.selectors.evidence import _most_diagnostic

    relationship, indicators = catalogue()
    for day in range(0, 200, 10):
        observe(indicators[day % 2], day, 1 + day % 7)
    snapshots_refresh(relationship, end=END)
    keys = [i.pk for i in indicators]
    start, end = START + dt.timedelta(days=60), START + dt.timedelta(days=130)
    inside = ObservationScore.objects.filter(observation__occurred_on__range=(start, end))
    expected = [
        s.observation_id
        for s in sorted(inside, key=lambda s: (-s.diagnosticity, s.observation_id))[:4]
    ]
    assert _most_diagnostic(keys, start, end, None, 4) == expected
    assert _most_diagnostic(keys, start, end, None, 4, batch=1) == expected


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
    # Who said it: the publisher's own reporting (no one else named), then a named originator.
    assert reports[0].said_by == reports[0].source
    said = Originator.objects.create(
        name="US government", kind="government", default_reliability="B"
    )
    Observation.objects.filter(occurred_on=START + dt.timedelta(days=40)).update(originator=said)
    later = chart_reports(level, START, START + dt.timedelta(days=50), limit=2)[1]
    assert later.said_by == f"US government, via {later.source}"


def test_latest_evidence_as_known_on_a_day_shows_only_what_counted_then_as_it_stood(
    analyst, time_machine
):
    """Nothing learned later shows: not a report recorded after the day, not a correction
    made after it; a report retracted after the day still counted on it, one retracted
    before did not."""
    from tracker.observations import services

    relationship, indicators = catalogue()
    day = START + dt.timedelta(days=100)
    after_the_day = dt.datetime.combine(day + dt.timedelta(days=5), dt.time(9), tzinfo=dt.UTC)
    known = observe(indicators[0], 50, summary="Drones delivered")
    corrected = observe(indicators[1], 60, summary="Ten launchers seen")
    retracted_later = observe(indicators[2], 70, summary="A plant expanded")
    retracted_before = observe(indicators[3], 80, summary="A rumour")
    recorded_later = observe(indicators[0], 90, summary="A later report")
    Observation.objects.filter(pk=recorded_later.pk).update(recorded_at=after_the_day)
    Observation.history.filter(id=recorded_later.pk).update(history_date=after_the_day)

    time_machine.move_to(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC))
    services.observation_retract(retracted_before, by=analyst, reason="Unfounded")
    time_machine.move_to(after_the_day)
    services.observation_correct(corrected, by=analyst, summary="Twelve launchers seen")
    services.observation_retract(retracted_later, by=analyst, reason="Withdrawn")

    then = latest_evidence(relationship, known_on=day)
    assert [o.pk for o in then] == [retracted_later.pk, corrected.pk, known.pk]
    assert [o.summary for o in then] == [
        "A plant expanded",
        "Ten launchers seen",
        "Drones delivered",
    ]
    assert then[0].status == Observation.Status.ACCEPTED  # as it stood then
    assert then[1].indicator == indicators[1] and then[1].source.name  # what the table shows
    now = latest_evidence(relationship)
    assert recorded_later.pk in [o.pk for o in now] and retracted_later.pk not in [
        o.pk for o in now
    ]


def test_latest_evidence_as_known_on_reads_down_the_order_until_the_limit(analyst, time_machine):
    """More rows than one batch did not count then (retracted before the day): it reads on
    past them, and stops at the limit."""
    from tracker.observations import services
    from tracker.selectors import evidence

    relationship, indicators = catalogue()
    day = START + dt.timedelta(days=200)
    counted = [observe(indicators[0], n) for n in range(1, 4)]
    withdrawn = [observe(indicators[0], n) for n in range(10, 20)]  # newer
    time_machine.move_to(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC))
    for observation in withdrawn:
        services.observation_retract(observation, by=analyst, reason="Withdrawn")
    found = evidence.known_then(
        Observation.objects.order_by("-occurred_on", "-pk"), day, limit=2, batch=3
    )
    assert [o.pk for o in found] == [counted[2].pk, counted[1].pk]
