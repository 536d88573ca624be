"""The forecasts' arithmetic: rates, hitting probabilities and scores, over plain numbers.

No Django and no models (an import-linter contract): tracker.forecasts.service feeds it.
docs/methodology.md §12 derives each formula and says where it falls short.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

FORECAST_VERSION = "1.0"
# A rate's prior weighs as much as a year of the question's own indicator: enough that one
# early report does not swing the rate, little enough that two years of history dominate.
PRIOR_DAYS = 365.0
# Events: the rate counts distinct event days in the last two years (the method's longest
# event half-lives are a year; older events say little about next year's).
EVENT_WINDOW_DAYS = 730
# The log score is taken of probabilities kept inside [1%, 99%], so that one confident miss
# costs log(100) (4.6 nats), not infinity; the Brier score uses the forecast as made.
LOG_FLOOR = 0.01


def pooled_rate(count: float, exposure: float, prior_rate: float) -> float:
    """A rate per day from `count` happenings in `exposure` days, shrunk toward
    `prior_rate` with the weight of PRIOR_DAYS days (a gamma–Poisson posterior mean)."""
    return (count + prior_rate * PRIOR_DAYS) / (max(0.0, exposure) + PRIOR_DAYS)


def at_least(k: int, mean: float) -> float:
    """P(N >= k) for N ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    term = math.exp(-mean)
    below = term
    for j in range(1, k):
        term *= mean / j
        below += term
    return min(1.0, max(0.0, 1.0 - below))


def hit_probability(distance: float, sigma_per_day: float, days: float) -> float:
    """P(a driftless random walk with this daily spread moves `distance` or more, at any
    time within `days`): 2(1 − Φ(d / σ√T)), the reflection principle."""
    if distance <= 0:
        return 1.0
    if days <= 0 or sigma_per_day <= 0:
        return 0.0
    z = distance / (sigma_per_day * math.sqrt(days))
    return min(1.0, 2.0 * (1.0 - _normal_cdf(z)))


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def brier(probabilities: Sequence[float], outcome: bool) -> float:
    """Mean Brier score of a question's daily forecasts: 0 perfect, 1 certain and wrong."""
    o = 1.0 if outcome else 0.0
    return sum((p - o) ** 2 for p in probabilities) / len(probabilities)


def log_score(probabilities: Sequence[float], outcome: bool) -> float:
    """Mean logarithmic score in nats (lower is better): −ln of the chance given to what
    happened, each forecast kept within [LOG_FLOOR, 1 − LOG_FLOOR]."""
    total = 0.0
    for p in probabilities:
        p = min(1.0 - LOG_FLOOR, max(LOG_FLOOR, p))
        total -= math.log(p if outcome else 1.0 - p)
    return total / len(probabilities)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    forecast: float  # weighted mean forecast in the bin
    observed: float  # weighted share that resolved yes
    weight: float  # questions' worth of forecasts in the bin


@dataclass(frozen=True)
class Calibration:
    bins: list[Bin]
    brier: float
    reliability: float  # lower is better: forecasts match frequencies
    resolution: float  # higher is better: forecasts tell outcomes apart
    uncertainty: float  # the outcomes' own variance, base rate × (1 − base rate)
    sharpness: float  # weighted variance of the forecasts
    questions: int


def calibration(
    questions: Sequence[tuple[Sequence[float], bool]], bins: int = 10
) -> Calibration | None:
    """Reliability diagram and Murphy's decomposition of the Brier score over resolved
    questions, each given as (its daily forecasts, its outcome).

    Each question weighs one in all, shared over its days: a question open for two years
    must not count thirty times as much as one open for a month.
    """
    rows = [
        (p, 1.0 if outcome else 0.0, 1.0 / len(ps)) for ps, outcome in questions for p in ps if ps
    ]
    if not rows:
        return None
    total = sum(w for _, _, w in rows)
    base = sum(o * w for _, o, w in rows) / total
    mean_p = sum(p * w for p, _, w in rows) / total
    found = []
    reliability = resolution = 0.0
    for n in range(bins):
        low, high = n / bins, (n + 1) / bins
        inside = [(p, o, w) for p, o, w in rows if low <= p < high or (n == bins - 1 and p == 1)]
        weight = sum(w for _, _, w in inside)
        if not weight:
            continue
        forecast = sum(p * w for p, _, w in inside) / weight
        observed = sum(o * w for _, o, w in inside) / weight
        found.append(Bin(low, high, forecast, observed, weight))
        reliability += weight * (forecast - observed) ** 2
        resolution += weight * (observed - base) ** 2
    return Calibration(
        bins=found,
        brier=sum(w * (p - o) ** 2 for p, o, w in rows) / total,
        reliability=reliability / total,
        resolution=resolution / total,
        uncertainty=base * (1.0 - base),
        sharpness=sum(w * (p - mean_p) ** 2 for p, _, w in rows) / total,
        questions=len([1 for ps, _ in questions if ps]),
    )
