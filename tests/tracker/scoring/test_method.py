"""The scoring maths on hand-computed cases, one kind at a time."""

import math
from dataclasses import replace

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


def test_method_2_reads_reliability_and_credibility_apart():
    # Credibility is the claim's chance of truth (the ICD 203 midpoint of its words); a
    # caveat halves its log-odds. Reliability is the originator's chance of error.
    assert scoring.report_grade("B", 2) == scoring.claim_probability(2) == 0.675
    assert scoring.report_grade("B", 3) != scoring.report_grade("C", 2)  # no longer one product
    assert scoring.report_grade("B", 2, version="1.0") == pytest.approx(0.81)
    logit = math.log(0.675 / 0.325)
    assert scoring.claim_probability(2, "interested") == pytest.approx(
        1 / (1 + math.exp(-logit / 2))
    )
    assert scoring.claim_probability(2, "denial") == scoring.claim_probability(2, "interested")
    # A caveat never makes a claim count for more: a doubtful one keeps its chance.
    for credibility in range(1, 7):
        plain = scoring.claim_probability(credibility)
        assert scoring.claim_probability(credibility, "interested") <= plain
    assert scoring.claim_probability(4, "interested") == scoring.claim_probability(4)
    assert scoring.source_doubt("B") == pytest.approx(0.325)


def test_reliability_widens_the_spread_and_leaves_the_index_where_credibility_puts_it():
    level = IndicatorSpec(key=2, kind="level", polarity=1, weight=1.0, floor=0.0, ceiling=10.0)

    def scored(reliability, credibility):
        report = GradedPoint(
            key=1,
            day=0,
            measure=3.0,
            grade=scoring.report_grade(reliability, credibility),
            doubt=scoring.source_doubt(reliability),
        )
        one = [series(event(), [report]), series(level, [replace(report, key=2, measure=6.0)])]
        return scoring.aggregate([event(), level], one, BANDS)

    sure, unsure, doubtful = scored("B", 2), scored("D", 2), scored("B", 4)
    assert unsure.index[0] == pytest.approx(sure.index[0])  # an unreliable report is not
    assert unsure.spread[0] > sure.spread[0]  # discounted: it leaves more doubt
    assert doubtful.index[0] < sure.index[0]  # a doubtful claim counts for less of its event
    # By hand on day 0: each indicator's doubt is 1 - p (1 - u) = 1 - 0.675 * 0.675 (one
    # report, one line; it is true if the claim is and its originator is not wrong):
    # own = sum (1/2)^2 (D + doubt / 12), with D the spread of what the two said.
    said = np.array([1 - math.exp(-3 * 0.675 / 4), 0.6])
    disagreement = np.mean((said - said.mean()) ** 2)
    own = 2 * 0.25 * (disagreement + (1 - 0.675 * 0.675) / 12)
    assert sure.spread[0] == pytest.approx(100 * math.sqrt(own), rel=1e-9)


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


def test_method_1_index_ribbon_coverage_and_categories_by_hand():
    a = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, category="x")
    b = IndicatorSpec(key=2, kind="stage", polarity=-1, weight=3.0, category="y")
    c = IndicatorSpec(key=3, kind="stage", polarity=1, weight=4.0, category="y")
    sa = series(a, [GradedPoint(key=1, day=0, measure=0.5, grade=0.81)], days=2)
    sb = series(b, [GradedPoint(key=2, day=0, measure=0.2, grade=1.0)], days=2)
    sc = series(c, [], days=2)
    result = scoring.aggregate([a, b, c], [sa, sb, sc], BANDS, "1.0")
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


def test_method_1_odds_by_hand():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, sigma=0.25)
    one = series(spec, [GradedPoint(key=1, day=0, measure=0.375, grade=1.0)], days=1)
    odds = scoring.aggregate([spec], [one], BANDS, "1.0").odds[0]
    # log-likelihoods -(a - mu)^2 / (2 sigma^2): -0.5, 0, -0.5, -2
    expected = np.exp([-0.5, 0.0, -0.5, -2.0])
    assert odds == pytest.approx(expected / expected.sum())
    assert odds.sum() == pytest.approx(1.0)


def test_method_1_odds_are_flat_without_evidence():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0)
    odds = scoring.aggregate([spec], [series(spec, [], days=1)], BANDS, "1.0").odds[0]
    assert odds == pytest.approx([0.25] * 4)


def test_method_2_without_evidence_the_spread_is_that_of_a_uniform_reading():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0)
    result = scoring.aggregate([spec], [series(spec, [], days=1)], BANDS, "2.0")
    assert result.index[0] == 50.0 and result.coverage[0] == 0.0
    assert result.spread[0] == pytest.approx(100 / math.sqrt(12))
    cdf = [normal_cdf(x, 50, 100 / math.sqrt(12)) for x in (0, 25, 50, 75, 100)]
    assert result.odds[0] == pytest.approx(np.diff(cdf) / (cdf[-1] - cdf[0]))


def normal_cdf(x, mean, sd):
    return 0.5 * (1 + math.erf((x - mean) / (sd * math.sqrt(2))))


def test_method_2_index_spread_ribbon_odds_and_categories_by_hand():
    a = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, category="x", cadence_days=10)
    b = IndicatorSpec(key=2, kind="stage", polarity=-1, weight=3.0, category="y", cadence_days=10)
    c = IndicatorSpec(key=3, kind="stage", polarity=1, weight=4.0, category="z")
    sa = series(a, [GradedPoint(key=1, day=0, measure=0.5, grade=0.81)], days=11)
    sb = series(b, [GradedPoint(key=2, day=0, measure=0.2, grade=1.0)], days=11)
    sc = series(c, [], days=11)
    result = scoring.aggregate([a, b, c], [sa, sb, sc], BANDS, "2.0")
    # Only a (0.5) and b (0.8) count: 100 * (0.5 + 2.4) / 4; c, unobserved, is left out.
    assert result.index[0] == pytest.approx(72.5)
    assert result.coverage[0] == pytest.approx(0.5) and result.covered[0] == 2
    # Freshness: both reports new on day 0; ten days on (one cadence) half that.
    assert result.freshness[0] == pytest.approx(1.0) and result.freshness[10] == 0.5
    # Own: shares 1/4 and 3/4; disagreement of what a and b said around 0.725; a's doubt
    # 1 - 0.81. Drift: none on day 0 (fresh). Gap: half the weight unseen.
    spread = (1 * (0.5 - 0.725) ** 2 + 3 * (0.8 - 0.725) ** 2) / 4
    own = (1 / 4) ** 2 * (spread + 0.19 / 12) + (3 / 4) ** 2 * spread
    sd = 100 * math.sqrt(own + 0.5**2 / 12)
    assert result.spread[0] == pytest.approx(sd)
    assert result.spread[10] == pytest.approx(100 * math.sqrt(own + 0.5**2 / 12 + 0.5**2 / 12))
    assert result.low[0] == pytest.approx(72.5 - 1.6448536 * sd)
    assert result.high[0] == pytest.approx(min(100.0, 72.5 + 1.6448536 * sd))
    cdf = [normal_cdf(x, 72.5, sd) for x in (0, 25, 50, 75, 100)]
    mass = np.diff(cdf) / (cdf[-1] - cdf[0])  # truncated to the scale
    assert result.odds[0] == pytest.approx(mass)
    assert result.categories["x"][0] == pytest.approx(50.0)
    assert result.categories["y"][0] == pytest.approx(80.0)
    assert np.isnan(result.categories["z"][0])  # no evidence: no sub-index
    assert result.bands[0] == "structured-alignment"


def test_method_2_a_fading_event_is_not_agreement():
    """Disagreement is measured on what each indicator's evidence said when it came in."""
    spec = event(half_life_days=10)
    one = series(spec, [GradedPoint(key=1, day=0, measure=8.0, grade=1.0)])
    assert one.evidenced[25] == pytest.approx(one.alliance[0])  # as it came in
    assert one.alliance[25] < one.alliance[0]  # the reading fades
    assert one.freshness[20] == pytest.approx(0.25)


def test_method_versions_are_known():
    spec = IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0)
    with pytest.raises(ValueError, match="no method '9.0'"):
        scoring.aggregate([spec], [series(spec, [], days=1)], BANDS, "9.0")


def test_method_3_weighs_each_family_alike_whatever_its_size():
    """3.0: a family's weight is shared among its indicators by their own weights; 2.0 keeps
    each indicator's own weight; an indicator outside any family keeps its own under both."""
    specs = [
        IndicatorSpec(key=1, kind="stage", polarity=1, weight=3.0, family="f", family_weight=12),
        IndicatorSpec(key=2, kind="stage", polarity=1, weight=1.0, family="f", family_weight=12),
        IndicatorSpec(key=3, kind="stage", polarity=1, weight=2.0, family="g", family_weight=8),
        IndicatorSpec(key=4, kind="stage", polarity=1, weight=5.0),
    ]
    balanced = scoring.weighed(specs, "3.0")
    assert [s.weight for s in balanced] == [9.0, 3.0, 8.0, 5.0]
    assert [s.weight for s in scoring.weighed(balanced, "2.0")] == [3.0, 1.0, 2.0, 5.0]
    assert scoring.weighed(scoring.weighed(specs, "3.0"), "3.0") == balanced  # idempotent


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


def test_method_2_contributions_add_up_when_an_indicator_joins():
    specs = [
        IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0),
        IndicatorSpec(key=2, kind="stage", polarity=-1, weight=3.0),
    ]
    assert scoring.baseline(specs, "2.0") is None  # momentum starts from the first day
    # At A only the first reads (0.2): index 20. At B it reads 0.6 and the second joins at 0.8.
    shares = scoring.contributions(
        specs, [0.2, 0.0], [0.6, 0.8], observed=([True, False], [True, True]), index_before=20
    )
    assert shares == pytest.approx([100 * 0.4 / 4, 100 * 3 * (0.8 - 0.2) / 4])
    assert shares.sum() == pytest.approx(100 * (0.6 + 2.4) / 4 - 20)


def test_method_1_baseline_and_contributions_add_up():
    specs = [
        IndicatorSpec(key=1, kind="stage", polarity=1, weight=2.0),
        IndicatorSpec(key=2, kind="stage", polarity=-1, weight=2.0),
    ]
    assert scoring.baseline(specs, "1.0") == pytest.approx(50.0)
    shares = scoring.contributions(specs, before=[0.0, 1.0], after=[0.5, 0.25], version="1.0")
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
