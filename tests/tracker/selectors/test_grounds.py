"""What the verdict rests on: the words, the confidence, and the reports that weigh most."""

import datetime as dt

import pytest

from tests.tracker.support import END, START, catalogue, observe
from tracker.selectors.grounds import verdict_grounds
from tracker.selectors.series import assessment_on, verdict_latest
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_the_grounds_name_the_leading_scenario_in_words_and_the_weightiest_reports():
    relationship, (drones, friction, level, stage) = catalogue()
    observe(drones, 100, 5)
    observe(drones, 150, 1, summary="A minor drone delivery")
    calm = observe(friction, 120, 0.2)  # little friction: reads near alliance
    top = observe(stage, 160, 2)  # the ladder's top: reads as alliance
    observe(level, 165, 1)  # a low level: reads low
    snapshots_refresh(relationship, end=END)
    verdict = verdict_latest(relationship)
    grounds = verdict_grounds(relationship, verdict)
    scenario, probability = max(verdict.odds.items(), key=lambda kv: kv[1])
    assert (grounds.scenario, grounds.probability) == (scenario, probability)
    assert grounds.sufficient  # all four indicators have evidence
    assert grounds.newest == START + dt.timedelta(days=165)
    assert grounds.sources == 5  # each factory observation brings its own source
    # Support reads in the verdict's band, one report per indicator; against reads outside.
    assert grounds.supporting and all(e.favours == verdict.band for e in grounds.supporting)
    indicators = [e.observation.indicator_id for e in grounds.supporting]
    assert len(indicators) == len(set(indicators))
    assert grounds.against is None or grounds.against.favours != verdict.band
    ranked = [e.weight for e in grounds.supporting]
    assert ranked == sorted(ranked, reverse=True)
    # The verdict is structured alignment (index 64.6); the strongest report against it is
    # one that reads as alliance: the calm on friction, or the ladder at its top.
    assert verdict.band == "s"
    assert grounds.against.favours == "a" and grounds.against.observation.pk in {calm.pk, top.pk}


def test_below_half_the_catalogue_the_verdict_is_insufficient_evidence():
    relationship, (drones, *_rest) = catalogue()  # drones weighs 1 of 5
    observe(drones, 100, 4)
    snapshots_refresh(relationship, end=END)
    verdict = verdict_latest(relationship)
    assert verdict.coverage == pytest.approx(0.2)
    grounds = verdict_grounds(relationship, verdict)
    assert not grounds.sufficient and not verdict.sufficient
    assert grounds.confidence.level == "low"


def test_as_known_on_the_grounds_see_nothing_recorded_later():
    relationship, (drones, friction, level, stage) = catalogue()
    early = observe(drones, 100, 5)
    observe(stage, 110, 2)
    late = observe(friction, 120, 3)
    late.recorded_at = dt.datetime.combine(END, dt.time(12), tzinfo=dt.UTC)
    late.save()
    snapshots_refresh(relationship, end=END)
    day = START + dt.timedelta(days=130)
    then = assessment_on(relationship, day, as_of=day)
    grounds = verdict_grounds(relationship, then, known_on=day)
    assert grounds.newest == START + dt.timedelta(days=110)  # not the later-recorded 120
    assert grounds.sources == 2
    shown = {e.observation.pk for e in [*grounds.supporting, grounds.against] if e}
    assert late.pk not in shown and early.pk in shown
    today = verdict_grounds(relationship, assessment_on(relationship, day))
    assert today.newest == START + dt.timedelta(days=120) and today.sources == 3
