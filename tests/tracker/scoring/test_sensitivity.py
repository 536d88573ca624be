"""The verdict under each parameter variant: the published method reproduced on one day, the
rule (a family is sensitive when a variant changes the verdict or moves the odds past
ODDS_SHIFT), and the one line."""

import datetime as dt
from dataclasses import replace

import pytest

from tracker.scoring import method, sensitivity
from tracker.scoring.compute import compute_series
from tracker.scoring.inputs import ObservationState, ScoringInputs, state_rows

START = dt.date(2024, 1, 1)
SCENARIOS = [
    method.ScenarioSpec("u", 0, 25),
    method.ScenarioSpec("c", 25, 50),
    method.ScenarioSpec("s", 50, 75),
    method.ScenarioSpec("a", 75, 100),
]
NAMES = {"u": "Unravelling", "c": "Convenience", "s": "Structured", "a": "Alliance"}


def event(key, category="x", **extra):
    fields = {"weight": 1.0, "half_life_days": 10.0, "saturation": 0.05, "cadence_days": 180.0}
    return method.IndicatorSpec(
        key=key, kind=method.EVENT, polarity=1, category=category, **fields | extra
    )


def stage(key, category="y", weight=1.0):
    return method.IndicatorSpec(
        key=key, kind=method.STAGE, polarity=1, weight=weight, category=category,
        cadence_days=365.0,
    )  # fmt: skip


def state(key, indicator, day, measure, grade="A1"):
    """An observation state (`day` counted from START); a stage's measure is its score."""
    return ObservationState(
        key=key,
        indicator=indicator,
        occurred_on=START + dt.timedelta(days=day),
        recorded_at=dt.datetime.combine(START, dt.time(12), tzinfo=dt.UTC),
        magnitude=measure if indicator == 1 else None,
        value=None,
        stage_score=None if indicator == 1 else measure,
        reliability=grade[0],
        credibility=int(grade[1]),
    )


def columns(states):
    return sensitivity.ObservationColumns.from_rows(state_rows(states))


# One old event (day 0) seen on day 100 through a 10-day half-life beside two stages at 0.45:
# the event has faded (index 33, Convenience); doubled half-lives bring it back (62,
# Structured). Its saturation is small, so halving or doubling that barely moves it; its grade
# is A1, which no grade table changes; weights move the index within Convenience.
DAY = START + dt.timedelta(days=100)
SPECS = [event(1), stage(2), stage(3)]
STATES = [state(10, 1, 0, 5.0), state(20, 2, 90, 0.45), state(30, 3, 90, 0.45)]


def test_the_published_variant_reproduces_the_method_on_that_day():
    found = sensitivity.evaluate(SPECS, SCENARIOS, columns(STATES), DAY)
    computed = compute_series(ScoringInputs(None, SPECS, SCENARIOS), STATES, DAY)  # type: ignore[arg-type]
    n = computed.dates.index(DAY)
    aggregate = computed.aggregate
    published = found.published
    assert (published.family, published.label) == (sensitivity.PUBLISHED, "as published")
    assert published.index == pytest.approx(aggregate.index[n])
    assert (published.low, published.high) == pytest.approx((aggregate.low[n], aggregate.high[n]))
    assert published.band == aggregate.bands[n]
    assert list(published.odds.values()) == pytest.approx(aggregate.odds[n])


def test_a_family_that_flips_the_band_is_reported_and_the_others_are_not():
    found = sensitivity.evaluate(SPECS, SCENARIOS, columns(STATES), DAY)
    assert found.published.band == "c"
    assert found.sensitive_to == [sensitivity.HALF_LIVES]
    flips = {f.family: [o.label for o in f.flips] for f in found.families}
    assert flips[sensitivity.HALF_LIVES] == ["event half-lives × 2"]
    assert not any(flips[f] for f in flips if f != sensitivity.HALF_LIVES)
    doubled = next(o for o in found.outcomes if o.label == "event half-lives × 2")
    assert doubled.band == "s" and found.effect(doubled) == "band"
    tried = len(found.outcomes) - 1
    assert found.line(NAMES) == (
        f"Sensitive to event half-lives: 1 of {tried} variants put it in Structured: "
        f"event half-lives × 2 ({doubled.index:.1f}); none puts it in Unravelling or Alliance."
    )
    # Every family is tried, each at its documented range.
    assert [f.family for f in found.families] == list(sensitivity.FAMILIES)
    labels = [o.label for o in found.outcomes]
    assert "all weights equal" in labels and "x weights × 2" in labels
    assert "y weights ÷ 2" in labels and "event saturations × 0.5" in labels
    assert {"grades flat", "grades squared", "state freshness × 2"} <= set(labels)


def test_far_from_every_edge_the_band_is_robust():
    states = [state(20, 2, 90, 0.375), state(30, 3, 95, 0.375)]
    found = sensitivity.evaluate([stage(2), stage(3, "z")], SCENARIOS, columns(states), DAY)
    assert found.robust and found.sensitive_to == []
    variants = len(found.outcomes) - 1
    assert found.line(NAMES) == (
        "Robust: the band holds under every variant tried "
        f"({variants} variants of 5 parameter families)."
    )


def test_a_variant_that_leaves_too_little_coverage_changes_the_verdict():
    # Only category x (weight 1.2 of 2.2) has evidence: halving its weights leaves 0.6 of 1.6.
    specs = [stage(2, "x", weight=1.2), stage(3, "y")]
    found = sensitivity.evaluate(specs, SCENARIOS, columns([state(20, 2, 90, 0.375)]), DAY)
    assert found.published.sufficient
    halved = next(o for o in found.outcomes if o.label == "x weights ÷ 2")
    assert not halved.sufficient and halved.verdict is None
    assert found.effect(halved) == "band"
    assert found.sensitive_to == [sensitivity.WEIGHTS]
    line = found.line(NAMES)
    assert "variants leave under half the weight with evidence (no band): x weights ÷ 2" in line


def test_a_large_odds_move_with_the_band_held_makes_a_family_sensitive():
    # A stage near the Convenience–Structured edge, known only through an old report: halving
    # state freshness widens the spread enough to move the leading odds past ODDS_SHIFT.
    states = [state(20, 2, 0, 0.45), state(30, 3, 0, 0.45)]
    found = sensitivity.evaluate(
        [stage(2), stage(3, "z")], SCENARIOS, columns(states), START + dt.timedelta(days=400)
    )
    moved = [o for o in found.outcomes if found.effect(o) == "odds"]
    assert moved and all(o.family == sensitivity.STATE_FRESHNESS for o in moved)
    assert all(abs(found.shift(o)) > sensitivity.ODDS_SHIFT for o in moved)
    assert all(o.index == pytest.approx(found.published.index) for o in moved)
    assert found.sensitive_to == [sensitivity.STATE_FRESHNESS]
    assert found.line(NAMES).startswith(
        "Sensitive to state freshness: the band holds, but state freshness × "
    )


def test_reports_after_the_day_are_not_read_and_no_evidence_gives_nothing():
    later = [*STATES, state(40, 2, 150, 1.0)]
    assert sensitivity.evaluate(SPECS, SCENARIOS, columns(later), DAY) == sensitivity.evaluate(
        SPECS, SCENARIOS, columns(STATES), DAY
    )
    assert sensitivity.evaluate(SPECS, SCENARIOS, columns(STATES), START - dt.timedelta(1)) is None
    assert sensitivity.evaluate(SPECS, SCENARIOS, columns([]), DAY) is None


def test_the_grade_seam_grades_each_report_with_the_tables_given():
    reports = [state(10, 1, 0, 5.0, "B2"), replace(state(11, 1, 3, 2.0, "E5"), caveat="denial")]
    reports.append(replace(state(12, 1, 4, 1.0, "A1"), originator=7))
    rows = columns(reports)
    published = sensitivity.graded_points(rows, START, sensitivity.PUBLISHED_GRADES)[1]
    flat = sensitivity.graded_points(rows, START, sensitivity.FLAT_GRADES)[1]
    squared = sensitivity.graded_points(rows, START, sensitivity.SQUARED_GRADES)[1]
    # As the method reads grades: credibility (and the caveat) what a claim counts for,
    # reliability its originator's doubt.
    claims = [method.claim_probability(2), method.claim_probability(5, "denial"), 0.97]
    doubts = [method.source_doubt("B"), method.source_doubt("E"), method.source_doubt("A")]
    assert published.grade == pytest.approx(claims)
    assert published.doubt == pytest.approx(doubts)
    assert flat.grade == pytest.approx([1.0, 1.0, 1.0]) and flat.doubt == pytest.approx([0, 0, 0])
    # The denied claim is doubtful (0.125 squared): the caveat leaves it as it is.
    assert squared.grade == pytest.approx([0.675**2, 0.125**2, 0.97**2])
    assert squared.doubt == pytest.approx([1 - 0.675**2, 1 - 0.125**2, 1 - 0.97**2])
    # Each report without an originator is a line of evidence of its own.
    assert list(published.origin) == [-10, -11, 7]
    assert list(published.days) == [0.0, 3.0, 4.0] and list(published.keys) == [10, 11, 12]
