"""The scoring maths on hand-computed cases, one kind at a time."""

import math

import numpy as np
import pytest

from tracker.scoring import method as scoring
from tracker.scoring.method import GradedPoint, IndicatorSpec, ScenarioSpec

BANDS = [
    ScenarioSpec("unravelling", 0, 25),
    ScenarioSpec("strategic-convenience", 25, 50),
    ScenarioSpec("structured-alignment", 50, 75),
    ScenarioSpec("alliance", 75, 100),
]
CENTRES = scoring.centres(BANDS)


def event(**overrides):
    spec = {"key": 1, "kind": "event", "polarity": 1, "weight": 1.0, "half_life_days": 10}
    return IndicatorSpec(**{**spec, "saturation": 4.0, **overrides})


def series(spec, points, days=30):
    return scoring.indicator_series(spec, points, np.arange(days), CENTRES)


def test_grade_weights_multiply():
    assert scoring.grade_weight("A", 1) == 1.0
    assert scoring.grade_weight("B", 2) == pytest.approx(0.81)
    assert scoring.grade_weight("C", 3) == pytest.approx(0.5625)
    assert scoring.grade_weight("F", 6) == pytest.approx(0.25)


def test_event_decays_by_half_life_and_saturates():
    one = series(event(), [GradedPoint(key=1, day=0, measure=2.0, grade=1.0)])
    # x = 2, 1, 0.5 at days 0, 10, 20; s = 1 - exp(-x / 4)
    assert one.strength[[0, 10, 20]] == pytest.approx([2.0, 1.0, 0.5])
    assert one.reading[0] == pytest.approx(1 - math.exp(-0.5))
    assert one.reading[10] == pytest.approx(1 - math.exp(-0.25))
    assert one.reading[20] == pytest.approx(1 - math.exp(-0.125))
    assert one.grade[5] == pytest.approx(1.0)


def test_event_grade_weights_the_magnitude_and_sets_the_ribbon():
    one = series(event(), [GradedPoint(key=1, day=0, measure=4.0, grade=0.5)])
    assert one.strength[0] == pytest.approx(2.0)
    assert one.grade[0] == pytest.approx(0.5)
    assert one.uncertainty[0] == pytest.approx(0.25)


def test_events_add_up_and_mean_grade_is_weighted_by_decayed_magnitude():
    one = series(
        event(),
        [
            GradedPoint(key=1, day=0, measure=2.0, grade=1.0),
            GradedPoint(key=2, day=10, measure=2.0, grade=0.5),
        ],
    )
    # day 10: x = 2 * 0.5 + 2 * 0.5 = 2; ungraded = 1 + 2 = 3; mean grade = 2 / 3
    assert one.strength[10] == pytest.approx(2.0)
    assert one.grade[10] == pytest.approx(2 / 3)


def test_no_evidence_before_the_first_observation():
    one = series(event(), [GradedPoint(key=1, day=5, measure=2.0, grade=1.0)])
    assert not one.observed[:5].any() and one.observed[5:].all()
    assert (one.reading[:5] == 0).all()
    assert (one.grade[:5] == 0).all()  # full uncertainty: the ribbon spans +-0.5


def test_level_is_the_latest_value_clamped_between_floor_and_ceiling():
    spec = IndicatorSpec(key=1, kind="level", polarity=1, weight=1.0, floor=0.0, ceiling=100.0)
    one = series(
        spec,
        [
            GradedPoint(key=1, day=0, measure=20.0, grade=1.0),
            GradedPoint(key=2, day=10, measure=150.0, grade=0.5),
            GradedPoint(key=3, day=20, measure=-5.0, grade=0.81),
        ],
    )
    assert one.reading[[0, 9, 10, 19, 20, 29]] == pytest.approx([0.2, 0.2, 1.0, 1.0, 0.0, 0.0])
    assert one.grade[[0, 10, 20]] == pytest.approx([1.0, 0.5, 0.81])


def test_stage_steps_and_can_move_back():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0)
    one = series(
        spec,
        [
            GradedPoint(key=1, day=0, measure=0.2, grade=1.0),
            GradedPoint(key=2, day=10, measure=0.6, grade=1.0),
            GradedPoint(key=3, day=20, measure=0.0, grade=1.0),  # denied: a set-back
        ],
    )
    assert one.reading[[0, 10, 19, 20]] == pytest.approx([0.2, 0.6, 0.6, 0.0])


def test_same_day_reports_of_a_level_keep_their_order_the_last_wins():
    spec = IndicatorSpec(key=1, kind="level", polarity=1, weight=1.0, floor=0.0, ceiling=10.0)
    one = series(
        spec,
        [
            GradedPoint(key=9, day=3, measure=1.0, grade=1.0),
            GradedPoint(key=2, day=3, measure=7.0, grade=1.0),
        ],
    )
    assert one.reading[3] == pytest.approx(0.7)


def test_divergence_polarity_inverts():
    spec = IndicatorSpec(key=1, kind="stage", polarity=-1, weight=1.0)
    one = series(spec, [GradedPoint(key=1, day=0, measure=0.3, grade=1.0)])
    assert one.alliance[0] == pytest.approx(0.7)
    assert series(spec, [], days=3).alliance.tolist() == [1.0, 1.0, 1.0]


def test_index_ribbon_coverage_and_categories_by_hand():
    a = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, category="x")
    b = IndicatorSpec(key=2, kind="stage", polarity=-1, weight=3.0, category="y")
    c = IndicatorSpec(key=3, kind="stage", polarity=1, weight=4.0, category="y")
    sa = series(a, [GradedPoint(key=1, day=0, measure=0.5, grade=0.81)], days=2)
    sb = series(b, [GradedPoint(key=2, day=0, measure=0.2, grade=1.0)], days=2)
    sc = series(c, [], days=2)
    result = scoring.aggregate([a, b, c], [sa, sb, sc], BANDS)
    # a = 0.5, 0.8, 0 (no evidence) -> 100 * (0.5 + 2.4 + 0) / 8
    assert result.index[0] == pytest.approx(36.25)
    # a: 0.5 +- 0.095; b: 0.8 +- 0; c: 0 +- 0.5 (clamped at 0 below)
    assert result.low[0] == pytest.approx(100 * (0.405 + 2.4 + 0) / 8)
    assert result.high[0] == pytest.approx(100 * (0.595 + 2.4 + 2.0) / 8)
    assert result.coverage[0] == pytest.approx(0.5)
    assert result.covered[0] == 2
    assert result.categories["x"][0] == pytest.approx(50.0)
    assert result.categories["y"][0] == pytest.approx(100 * 2.4 / 7)
    assert result.bands[0] == "strategic-convenience"


def test_odds_by_hand():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, sigma=0.25)
    one = series(spec, [GradedPoint(key=1, day=0, measure=0.375, grade=1.0)], days=1)
    odds = scoring.aggregate([spec], [one], BANDS).odds[0]
    # log-likelihoods -(a - mu)^2 / (2 sigma^2): -0.5, 0, -0.5, -2
    expected = np.exp([-0.5, 0.0, -0.5, -2.0])
    assert odds == pytest.approx(expected / expected.sum())
    assert odds.sum() == pytest.approx(1.0)


def test_odds_are_flat_without_evidence():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0)
    odds = scoring.aggregate([spec], [series(spec, [], days=1)], BANDS).odds[0]
    assert odds == pytest.approx([0.25] * 4)


def test_diagnosticity_is_the_loglik_range():
    loglik = scoring.loglik(0.25, np.array([0.875]), np.array([1.0]), CENTRES)
    # distances 0.75, 0.5, 0.25, 0 -> -4.5, -2, -0.5, 0
    assert loglik[0] == pytest.approx([-4.5, -2.0, -0.5, 0.0])
    assert scoring.diagnosticity(loglik)[0] == pytest.approx(4.5)


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (0, "unravelling"),
        (24.999, "unravelling"),
        (25, "strategic-convenience"),
        (74.9, "structured-alignment"),
        (100, "alliance"),
    ],
)
def test_band_includes_its_lower_bound(index, band):
    assert scoring.bands(np.array([index]), BANDS) == [band]


@pytest.mark.parametrize(
    ("momentum", "label"),
    [
        (3.01, "toward alliance"),
        (3.0, "holding"),
        (-3.0, "holding"),
        (-3.01, "toward divergence"),
        (None, "no history"),
    ],
)
def test_momentum_labels(momentum, label):
    assert scoring.momentum_label(momentum) == label


def test_baseline_and_contributions_add_up():
    specs = [
        IndicatorSpec(key=1, kind="stage", polarity=1, weight=2.0),
        IndicatorSpec(key=2, kind="stage", polarity=-1, weight=2.0),
    ]
    assert scoring.baseline(specs) == pytest.approx(50.0)
    shares = scoring.contributions(specs, before=[0.0, 1.0], after=[0.5, 0.25])
    assert shares == pytest.approx([25.0, -37.5])
    assert shares.sum() == pytest.approx(100 * (2 * 0.5 + 2 * 0.25) / 4 - 100 * (2 * 0 + 2 * 1) / 4)


def test_event_carryover_is_pure_decay():
    spec = event()
    # strength 2 decays to 1 in one half-life: a = 1 - exp(-1/4)
    assert scoring.event_carryover(spec, 2.0, 10) == pytest.approx(1 - math.exp(-0.25))
    assert scoring.event_mass(spec, 4.0, 0.5, 20) == pytest.approx(0.5)


def test_long_half_lives_and_long_spans_stay_finite():
    spec = event(half_life_days=1)
    one = series(
        spec,
        [
            GradedPoint(key=1, day=0, measure=5.0, grade=1.0),
            GradedPoint(key=2, day=3000, measure=5.0, grade=1.0),
        ],
        days=3001,
    )
    assert np.isfinite(one.strength).all()
    assert one.strength[3000] == pytest.approx(5.0)
