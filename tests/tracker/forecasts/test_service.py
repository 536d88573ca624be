"""Questions resolved by their rules and forecast each day as known that day, end to end on
stored observations (the suite's clock is frozen at 25 Nov 2026)."""

import datetime as dt

import pytest

from tests.clock import NOW
from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
    StageFactory,
    UserFactory,
)
from tracker.forecasts import service
from tracker.models import Alert, AnalystForecast, Question
from tracker.observations import services

pytestmark = pytest.mark.django_db
TODAY = NOW.date()


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    return dt.datetime.combine(day(text), dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def world():
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    ladder = IndicatorFactory(relationship=relationship, stage=True, ladder=None)
    rungs = [
        StageFactory(indicator=ladder, order=n, name=f"Rung {n}", score=n / 3) for n in range(4)
    ]
    event = IndicatorFactory(relationship=relationship)
    level = IndicatorFactory(relationship=relationship, level=True, floor=0.0, ceiling=10.0)
    return relationship, ladder, rungs, event, level


def report(indicator, occurred, recorded, **fields):
    return ObservationFactory(
        indicator=indicator, occurred_on=day(occurred), recorded_at=at(recorded), **fields
    )


def question(relationship, **fields) -> Question:
    fields = {"slug": "q", "title": "Q?", "criteria": "Yes if.", **fields}
    return Question.objects.create(relationship=relationship, **fields)


def refresh(relationship):
    service.forecasts_refresh(relationship, today=TODAY)


def forecasts(q):
    return list(q.forecasts.order_by("date").values_list("date", "probability"))


def test_a_stage_question_resolves_on_the_day_its_answer_was_recorded(world):
    relationship, ladder, rungs, *_ = world
    report(ladder, "2024-01-05", "2024-01-06", stage=rungs[1])
    # The rung is reached on 10 March; Entente hears of it on 2 April.
    report(ladder, "2024-03-10", "2024-04-02", stage=rungs[2])
    q = question(relationship, rule="stage", indicator=ladder, stage=rungs[2],
                 opens=day("2024-02-01"), closes=day("2024-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_on, q.resolved_by) == ("yes", day("2024-04-02"), None)
    days = [d for d, _ in forecasts(q)]
    assert days[0] == day("2024-02-01") and days[-1] == day("2024-04-01")
    assert len(days) == (day("2024-04-02") - day("2024-02-01")).days
    assert all(0.01 <= p <= 0.99 for _, p in forecasts(q))
    assert q.history.first().history_change_reason == "Resolved by its rule"


def test_a_later_correction_never_changes_what_was_forecast_before_it(world):
    relationship, ladder, rungs, *_ = world
    first = report(ladder, "2024-03-05", "2024-03-06", stage=rungs[1])
    q = question(relationship, rule="stage", indicator=ladder, stage=rungs[2],
                 opens=day("2024-02-01"), closes=day("2027-12-31"))  # fmt: skip
    refresh(relationship)
    before = forecasts(q)
    assert q.resolution == "" and before[-1][0] == TODAY
    # Corrected today: the rung was higher all along. Known only from today.
    services.observation_correct(first, by=None, reason="Misread", stage=rungs[2])
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_on) == ("yes", TODAY)
    assert forecasts(q) == before[:-1]  # every day before today, exactly as forecast then


def test_an_event_question_without_a_qualifying_event_resolves_no_after_its_grace(world):
    relationship, _, _, event, _ = world
    report(event, "2024-01-10", "2024-01-11", magnitude=3, reliability="B", credibility=2)
    report(event, "2024-05-10", "2024-05-11", magnitude=3, reliability="D", credibility=4)
    q = question(relationship, rule="event", indicator=event, min_grade="B2",
                 opens=day("2024-03-01"), closes=day("2024-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    # The May report is below the grade asked for: it does not count.
    assert (q.resolution, q.resolved_on) == ("no", day("2024-12-31") + dt.timedelta(days=30))
    days = [d for d, _ in forecasts(q)]
    assert (days[0], days[-1]) == (day("2024-03-01"), day("2024-12-31"))
    # With one qualifying event in its history, the chance falls as the window closes.
    assert forecasts(q)[0][1] > forecasts(q)[-1][1]


def test_an_open_event_question_forecasts_to_today(world):
    relationship, _, _, event, _ = world
    report(event, "2026-01-10", "2026-01-11", magnitude=3)
    q = question(relationship, rule="event", indicator=event, min_magnitude=4,
                 opens=day("2026-06-01"), closes=day("2027-06-30"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert q.resolution == "" and forecasts(q)[-1][0] == TODAY


def test_a_level_question_resolves_when_a_value_beyond_it_is_recorded(world):
    relationship, *_, level = world
    report(level, "2024-01-10", "2024-01-11", value=4.0)
    report(level, "2024-06-10", "2024-06-20", value=6.5)
    q = question(relationship, rule="level", indicator=level, direction="above", threshold=6.0,
                 opens=day("2024-02-01"), closes=day("2024-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_on) == ("yes", day("2024-06-20"))
    below = question(relationship, slug="q2", rule="level", indicator=level, direction="below",
                     threshold=3.0, opens=day("2024-02-01"), closes=day("2024-12-31"))  # fmt: skip
    refresh(relationship)
    below.refresh_from_db()
    assert below.resolution == "no"


def test_a_retracted_report_does_not_resolve_and_its_retraction_is_seen_from_its_day(world):
    relationship, _, _, event, _ = world
    wrong = report(event, "2026-03-10", "2026-03-11", magnitude=5)
    q = question(relationship, rule="event", indicator=event, min_magnitude=5,
                 opens=day("2026-01-01"), closes=day("2027-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_on) == ("yes", day("2026-03-11"))
    services.observation_retract(wrong, by=None, reason="Fabricated")
    refresh(relationship)
    q.refresh_from_db()
    # As known from 11 March it had happened; today it is withdrawn: the rule reopens it,
    # and Entente's forecasts from 11 March say what it then believed.
    assert q.resolution == "" and q.resolved_on is None
    assert q.history.first().history_change_reason == "Reopened by its rule"
    believed = dict(forecasts(q))
    assert believed[day("2026-03-10")] < 0.99
    assert believed[day("2026-03-11")] == believed[TODAY - dt.timedelta(days=1)] == 0.99
    assert believed[TODAY] < 0.99


def test_an_analysts_resolution_stands_and_ends_the_forecasts(world):
    relationship, _, _, event, _ = world
    analyst = UserFactory()
    q = question(relationship, rule="event", indicator=event, opens=day("2026-01-01"),
                 closes=day("2027-12-31"), resolution="annulled", resolved_on=day("2026-02-01"),
                 resolved_by=analyst, resolution_reason="Ambiguous")  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_by) == ("annulled", analyst)
    assert forecasts(q)[-1][0] == day("2026-01-31")


def test_a_question_without_a_rule_has_no_entente_forecast(world):
    relationship, *_ = world
    q = question(relationship, rule="none", opens=day("2026-01-01"), closes=day("2027-12-31"))
    refresh(relationship)
    assert forecasts(q) == []


def test_a_big_move_raises_one_alert(world):
    relationship, _, _, event, _ = world
    other = IndicatorFactory(relationship=relationship)
    report(event, "2025-01-10", "2025-01-11", magnitude=2)
    q = question(relationship, rule="event", indicator=event, opens=day("2026-01-01"),
                 closes=day("2027-12-31"), alert_move=0.05)  # fmt: skip
    refresh(relationship)
    assert not Alert.objects.exists()
    # A burst of events of the kind reported today: the rate, and the chance, jump.
    for n in range(6):
        report(other, f"2026-11-{10 + n}", TODAY.isoformat(), magnitude=2)
    refresh(relationship)
    (alert,) = Alert.objects.all()
    assert alert.kind == "forecast" and alert.key == f"forecast:{q.pk}:{TODAY.isoformat()}"
    assert "points" in alert.title
    refresh(relationship)
    assert Alert.objects.count() == 1


def test_scores_put_entente_beside_each_analyst_and_the_baselines(world):
    relationship, _, _, event, _ = world
    report(event, "2024-06-10", "2024-06-11", magnitude=3)
    q = question(relationship, rule="event", indicator=event,
                 opens=day("2024-06-01"), closes=day("2024-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    analyst = UserFactory(username="ana")
    AnalystForecast.objects.create(question=q, analyst=analyst, made_on=day("2024-06-05"),
                                   probability=0.8, rationale="Drills are due")  # fmt: skip
    found = {s.forecaster: s for s in service.scores(q, base_rate=0.4)}
    assert set(found) == {"Entente", "ana", "No change (1%)", "Base rate (40%)"}
    assert found["Entente"].days == 10  # 1 to 10 June: known on the 11th
    assert found["ana"].days == 6  # from the 5th, her forecast stands
    assert found["ana"].brier == pytest.approx(0.04)
    assert found["No change (1%)"].brier == pytest.approx(0.99**2)


def test_base_rates_leave_the_question_itself_out():
    questions = [Question(pk=n, resolution=r) for n, r in enumerate(["yes", "no", "no", "", "yes"])]
    rates = service.base_rates(questions)
    assert rates == {0: 1 / 3, 1: 2 / 3, 2: 2 / 3, 4: 1 / 3}


# --- From review ----------------------------------------------------------------------


def test_question_dates_are_bounded_and_a_bad_question_stops_no_other(world, monkeypatch):
    from django.core.exceptions import ValidationError

    relationship, _, _, event, _ = world
    with pytest.raises(ValidationError, match="Choose a day"):
        Question(
            relationship=relationship, slug="x", title="X?", criteria="c", rule="event",
            indicator=event, opens=dt.date(1, 1, 1), closes=day("2027-01-01"),
        ).full_clean()  # fmt: skip
    good = question(relationship, rule="event", indicator=event,
                    opens=day("2026-01-01"), closes=day("2027-06-30"))  # fmt: skip
    bad = question(relationship, slug="bad", rule="event", indicator=event,
                   opens=day("2026-02-01"), closes=day("2027-06-30"))  # fmt: skip
    real = service.forecast_question

    def failing(q, timeline, today):
        if q.slug == "bad":
            raise OverflowError("date value out of range")
        return real(q, timeline, today)

    monkeypatch.setattr(service, "forecast_question", failing)
    refresh(relationship)
    assert forecasts(good) and not forecasts(bad)


def test_what_a_question_asks_is_fixed_once_it_has_opened(world):
    from django.core.exceptions import ValidationError

    relationship, _, _, event, _ = world
    later = question(relationship, slug="later", rule="event", indicator=event,
                     opens=day("2027-01-01"), closes=day("2027-06-30"))  # fmt: skip
    later.criteria = "Yes if a larger drill."
    later.full_clean()  # not open yet: still a draft
    opened = question(relationship, rule="event", indicator=event,
                      opens=day("2026-01-01"), closes=day("2027-06-30"))  # fmt: skip
    opened.closes = day("2026-02-01")
    with pytest.raises(ValidationError, match="cannot change"):
        opened.full_clean()


def test_an_analysts_forecast_is_made_while_the_question_is_open_and_not_ahead(world):
    from django.core.exceptions import ValidationError

    relationship, _, _, event, _ = world
    q = question(relationship, rule="event", indicator=event,
                 opens=day("2026-01-01"), closes=day("2027-06-30"))  # fmt: skip
    analyst = UserFactory()
    for made_on in (day("2025-12-31"), TODAY + dt.timedelta(days=1)):
        with pytest.raises(ValidationError, match="not later than today"):
            AnalystForecast(question=q, analyst=analyst, made_on=made_on, probability=0.5,
                            rationale="r").full_clean()  # fmt: skip
    q.resolution, q.resolved_on = "no", day("2026-06-01")
    q.save()
    with pytest.raises(ValidationError, match="takes no more forecasts"):
        AnalystForecast(question=q, analyst=analyst, made_on=day("2026-03-01"), probability=1,
                        rationale="hindsight").full_clean()  # fmt: skip


def test_a_report_moved_to_another_relationship_answers_nothing_here(world):
    relationship, _, _, event, _ = world
    elsewhere = IndicatorFactory()  # another relationship's
    moved = report(event, "2026-03-10", "2026-03-11", magnitude=3)
    q = question(relationship, rule="event", indicator=event,
                 opens=day("2026-01-01"), closes=day("2027-12-31"))  # fmt: skip
    refresh(relationship)
    q.refresh_from_db()
    assert q.resolution == "yes"
    services.observation_correct(moved, by=None, reason="Wrong dyad", indicator=elsewhere)
    refresh(relationship)
    q.refresh_from_db()
    assert (q.resolution, q.resolved_on) == ("", None)


def test_a_forecast_for_a_past_day_knows_nothing_recorded_after_it(world):
    relationship, _, _, event, _ = world
    report(event, "2026-11-20", "2026-11-20", magnitude=3)
    q = question(relationship, rule="event", indicator=event,
                 opens=day("2026-01-01"), closes=day("2027-12-31"))  # fmt: skip
    outcome = service.forecast_question(q, service.Timeline(relationship), day("2026-11-10"))
    assert (outcome.resolution, outcome.resolved_on) == ("", None)
    assert outcome.forecasts[-1][0] == day("2026-11-10")


def test_a_band_question_resolves_when_the_index_held_the_band_as_known(world):
    from django.core.exceptions import ValidationError

    relationship, _, _, event, _ = world
    for n in range(3):
        report(event, f"2026-0{n + 1}-10", f"2026-0{n + 1}-11", magnitude=3)
    bands = list(relationship.scenarios.order_by("lower"))
    asked = [
        question(
            relationship,
            slug=f"band-{b.slug}",
            rule="band",
            scenario=b,
            days=5,
            opens=day("2026-06-01"),
            closes=day("2026-12-31"),
        )  # fmt: skip
        for b in bands
    ]
    with pytest.raises(ValidationError):
        Question(relationship=relationship, slug="zero", title="Z?", criteria="c", rule="band",
                 scenario=bands[0], days=0, opens=TODAY, closes=TODAY).full_clean()  # fmt: skip
    refresh(relationship)
    resolved = [q for q in asked if (q.refresh_from_db() or q).resolution == "yes"]
    (held,) = resolved  # the index sits in one band at a time
    assert held.resolved_on == day("2026-06-05")  # five days in a row from the opening
    assert len(forecasts(held)) == 4
    assert all(0.01 <= p <= 0.99 for _, p in forecasts(held))


def test_analysts_are_scored_on_a_question_without_a_rule(world):
    relationship, *_ = world
    q = question(
        relationship, rule="none", opens=day("2026-01-01"), closes=day("2026-01-10"),
        resolution="yes", resolved_on=day("2026-01-11"), resolved_by=UserFactory(),
        resolution_reason="Reported", resolution_source="https://example.org/r",
    )  # fmt: skip
    AnalystForecast.objects.create(
        question=q, analyst=UserFactory(username="ana"), made_on=day("2026-01-01"),
        probability=0.9, rationale="r",
    )  # fmt: skip
    found = {s.forecaster: s for s in service.scores(q)}
    assert set(found) == {"ana", "No change (1%)"}
    assert found["ana"].days == 10 and found["ana"].brier == pytest.approx(0.01)
