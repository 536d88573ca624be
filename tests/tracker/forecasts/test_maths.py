"""The forecasts' arithmetic against values worked by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.forecasts import maths


def test_at_least_is_the_poisson_tail():
    assert maths.at_least(0, 3.0) == 1.0
    assert maths.at_least(1, 0.0) == 0.0
    assert maths.at_least(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert maths.at_least(2, 1.0) == pytest.approx(1 - 2 * math.exp(-1))
    assert maths.at_least(3, 2.0) == pytest.approx(1 - 5 * math.exp(-2))


@given(st.integers(1, 6), st.floats(0.0, 30.0))
def test_at_least_falls_with_the_steps_needed(k, mean):
    assert 0.0 <= maths.at_least(k + 1, mean) <= maths.at_least(k, mean) <= 1.0


def test_hit_probability_is_the_reflection_principle():
    # One standard deviation of the walk's spread over the period away: 2(1 − Φ(1)).
    assert maths.hit_probability(3.0, 1.0, 9.0) == pytest.approx(0.31731, abs=1e-5)
    assert maths.hit_probability(0.0, 1.0, 9.0) == 1.0
    assert maths.hit_probability(1.0, 1.0, 0.0) == 0.0
    assert maths.hit_probability(50.0, 1.0, 4.0) < 1e-12


def test_pooled_rate_starts_at_the_prior_and_ends_at_the_data():
    assert maths.pooled_rate(0, 0, 0.01) == pytest.approx(0.01)
    assert maths.pooled_rate(100, 10_000, 0.5) == pytest.approx((100 + 0.5 * 365) / 10_365)
    assert maths.pooled_rate(3, 365, 0.0) == pytest.approx(3 / 730)


def test_brier_and_log_scores():
    assert maths.brier([0.8, 0.6], True) == pytest.approx((0.04 + 0.16) / 2)
    assert maths.brier([0.8], False) == pytest.approx(0.64)
    assert maths.log_score([0.5], True) == pytest.approx(math.log(2))
    # Certainty and wrong costs log(100), not infinity.
    assert maths.log_score([0.0], True) == pytest.approx(math.log(100))


def test_calibration_weighs_each_question_once():
    long = ([0.9] * 100, False)  # a hundred days of one confident miss
    short = ([0.1], False)
    found = maths.calibration([long, short])
    assert found.questions == 2
    bins = {round(b.low, 1): b for b in found.bins}
    assert bins[0.9].weight == pytest.approx(1.0) and bins[0.1].weight == pytest.approx(1.0)
    assert found.brier == pytest.approx((0.81 + 0.01) / 2)


def test_murphy_decomposition_is_exact_when_each_bin_holds_one_forecast():
    questions = [([0.15], True), ([0.15], False), ([0.75], True), ([0.75], True), ([0.75], False)]
    found = maths.calibration(questions)
    assert found.brier == pytest.approx(found.reliability - found.resolution + found.uncertainty)
    assert found.uncertainty == pytest.approx(0.6 * 0.4)


def test_perfect_forecasts_are_perfectly_reliable_and_resolve_fully():
    found = maths.calibration([([1.0], True), ([0.0], False)])
    assert found.brier == 0 and found.reliability == 0
    assert found.resolution == pytest.approx(found.uncertainty) == pytest.approx(0.25)


def test_no_forecasts_no_calibration():
    assert maths.calibration([]) is None
    assert maths.calibration([([], True)]) is None
