"""The scoring method: graded observations in, alignment index and scenario odds out.

Pure numpy over plain values, no ORM, so that it is tested alone (property tests) and fast.
Days are integers on a daily grid; `docs/methodology.md` gives the formulas and the reasons.

Per indicator i and day t (a report counts with g_k: 2.0 its claim's chance of truth p_k,
from its credibility; 1.0 the grade weight reliability x credibility):
  event  x(t) = sum_k m_k g_k 2^(-(t - t_k)/h),  s = 1 - exp(-x / saturation)
  level  s = clamp((v - floor) / (ceiling - floor), 0, 1) of the latest value
  stage  s = score of the latest stage
  alliance-ness a = s (polarity +1) or 1 - s (polarity -1); with no evidence, s = 0.
  freshness f = 2^(-age / h) of its latest evidence (h: the half-life, or the cadence for
  levels and stages); 0 with no evidence.
Across the catalogue, method 2.0 (the default until 3.0's relationships are in):
  index = 100 * sum_O(w_i a_i) / sum_O(w_i) over the indicators O with evidence
  var = sum_O (w_i/W_O)^2 (D + (1 - p_i (1 - u_i))/12) + ((1 - F)^2 + (1 - C)^2) / 12, with D
  the weighted spread of what the evidence said, p_i its claims' mean chance of truth, u_i its
  originators' doubt (sum_o q_o^2 u_o: one line of evidence per originator), F its weighted
  freshness, C the coverage;
  odds = the mass in each band of N(index, sd) truncated to 0–100; low/high = +-1.645 sd
Method 1.0 (kept reproducible, `recompute --method 1.0`):
  index = 100 * sum(w_i a_i) / sum(w_i)        (every indicator counts; coverage is reported)
  low/high: each a_i widened by (1 - mean grade weight of its evidence) / 2
  odds = softmax(log prior + sum_i (w_i / mean w) g_i log N(a_i; mu_k, sigma_i)):
         each indicator's reading is Gaussian evidence about the scenario centres mu_k,
         as loud as the grade of its evidence (none without evidence).
Method 3.0 is 2.0's formulas over family-balanced weights: an indicator
weighs its family's share W_F of the index (the same in every relationship) times its own
weight's share of the family's, w_i = W_F v_i / sum_F(v_j), so that indices of relationships
with different catalogues compare. Methods 1.0 and 2.0 take each indicator's own weight v_i.
All: momentum = index(t) - index(t - 90).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

METHOD_VERSIONS = ("1.0", "2.0", "3.0")
# The default: the stored series and every page use it. 3.0 since every watched relationship's
# catalogue is in families (issue 12): only family-balanced weights put the indices of
# catalogues of different sizes on one scale. 1.0 and 2.0 stay reproducible with
# `recompute --method`.
METHOD_VERSION = "3.0"
FAMILY_BALANCED = ("3.0",)  # the versions that weigh indicators through their families

# Method 2.0's constants (docs/methodology.md gives the reasons).
UNKNOWN_SD = 1.0 / math.sqrt(12.0)  # the spread of a reading about which nothing is known
INTERVAL_Z = 1.6448536269514722  # the ribbon is the central 90% interval of the normal
COVERAGE_MIN = 0.5  # below this share of the catalogue's weight: "insufficient evidence"
STATE_FRESHNESS_DAYS = 365.0  # a level or stage with no cadence: its evidence's half-life

# Method 1.0's Admiralty grade weights: a report counts for reliability x credibility.
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.9, "C": 0.75, "D": 0.5, "E": 0.3, "F": 0.5}
CREDIBILITY_WEIGHT = {1: 1.0, 2: 0.9, 3: 0.75, 4: 0.5, 5: 0.2, 6: 0.5}

# Method 2.0 reads each Admiralty word as a probability: the midpoint of the ICD 203 range
# that says the same ("usually reliable", "probably true": likely, 55-80%). Credibility is
# the chance the claim is true, and sets how much of it counts; reliability is the chance
# the originator passes on what it knows without error, and enters only the spread, once per
# originator (docs/methodology.md §4 says why an unreliable report is not discounted).
CLAIM_PROBABILITY = {1: 0.97, 2: 0.675, 3: 0.5, 4: 0.325, 5: 0.125, 6: 0.5}
SOURCE_PROBABILITY = {"A": 0.97, "B": 0.675, "C": 0.5, "D": 0.325, "E": 0.125, "F": 0.5}
# A denial or an interested party's claim keeps half its weight of evidence (log-odds).
CAVEAT_EVIDENCE = 0.5
CAVEATS = ("", "denial", "interested")

MOMENTUM_DAYS = 90
MOMENTUM_THRESHOLD = 3.0

EVENT, LEVEL, STAGE = "event", "level", "stage"
LN2 = math.log(2.0)


def grade_weight(reliability: str, credibility: int) -> float:
    """Method 1.0's weight g of an Admiralty grade, e.g. B2 -> 0.9 * 0.9."""
    return RELIABILITY_WEIGHT[reliability] * CREDIBILITY_WEIGHT[credibility]


def claim_probability(credibility: int, caveat: str = "") -> float:
    """Method 2.0: the chance a claim is true, from its credibility, `caveated` if it has a
    caveat (an official denial, an interested party's claim)."""
    p = CLAIM_PROBABILITY[credibility]
    return caveated(p) if caveat else p


def caveated(p: float) -> float:
    """A caveated claim keeps half its weight of evidence (log-odds), and never counts for
    more than without the caveat: min(p, sigma(logit(p) / 2)). A doubtful claim (p < 1/2)
    keeps its p; halving its log-odds would pull it up toward even chance."""
    if p <= 0.0 or p >= 1.0:
        return p
    return min(p, 1.0 / (1.0 + math.exp(-CAVEAT_EVIDENCE * math.log(p / (1.0 - p)))))


def report_grade(
    reliability: str, credibility: int, caveat: str = "", version: str = METHOD_VERSION
) -> float:
    """What one report counts for in its indicator's evidence: 1.0 the grade weight; 2.0 the
    chance its claim is true (reliability is left to the spread, `source_doubt`)."""
    if version == "1.0":
        return grade_weight(reliability, credibility)
    return claim_probability(credibility, caveat)


def source_doubt(reliability: str) -> float:
    """Method 2.0: the chance an originator of this reliability is wrong in what it passes on."""
    return 1.0 - SOURCE_PROBABILITY[reliability]


def momentum_label(momentum: float | None) -> str:
    if momentum is None:
        return "no history"
    if momentum > MOMENTUM_THRESHOLD:
        return "toward alliance"
    if momentum < -MOMENTUM_THRESHOLD:
        return "toward divergence"
    return "holding"


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator's scoring parameters."""

    key: int
    kind: str
    polarity: int
    weight: float
    category: str = ""
    half_life_days: float | None = None
    saturation: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    sigma: float = 0.25
    cadence_days: float | None = None
    family: str = ""  # with family_weight, what `weighed` needs; "" outside any family
    family_weight: float = 0.0
    own_weight: float | None = None  # the catalogue's weight; `weight` is what the method uses

    @property
    def freshness_days(self) -> float:
        return freshness_days(self.kind, self.half_life_days, self.cadence_days)


def weighed(specs: Sequence[IndicatorSpec], version: str = METHOD_VERSION) -> list[IndicatorSpec]:
    """The specs with the weight method `version` gives each (module docstring): 3.0 shares
    each family's weight among its indicators by their own weights; an indicator outside any
    family counts its own weight on the families' scale. 1.0 and 2.0: the own weight."""
    own = [spec.weight if spec.own_weight is None else spec.own_weight for spec in specs]
    if version not in FAMILY_BALANCED:
        return [replace(spec, weight=w, own_weight=w) for spec, w in zip(specs, own, strict=True)]
    in_family: dict[str, float] = {}
    for spec, w in zip(specs, own, strict=True):
        if spec.family:
            in_family[spec.family] = in_family.get(spec.family, 0.0) + w
    return [
        replace(
            spec,
            weight=spec.family_weight * w / in_family[spec.family] if spec.family else w,
            own_weight=w,
        )
        for spec, w in zip(specs, own, strict=True)
    ]


def freshness_days(kind: str, half_life_days: float | None, cadence_days: float | None) -> float:
    """How fast what we know of an indicator ages: an event's evidence with its half-life; a
    level's or a stage's with its cadence (a report per cadence is expected, so one cadence
    without one halves what the last report tells of today)."""
    if kind == EVENT and half_life_days:
        return half_life_days
    return cadence_days or STATE_FRESHNESS_DAYS


@dataclass(frozen=True)
class GradedPoint:
    """One observation as scoring sees it; `measure` is a magnitude, a value or a stage score."""

    key: int
    day: int
    measure: float
    grade: float
    doubt: float = 0.0  # 2.0: its originator's chance of error (`source_doubt`)
    origin: int | None = None  # its originator; None: a line of evidence of its own


@dataclass
class IndicatorSeries:
    """One indicator on the day grid, and what each of its observations says."""

    reading: np.ndarray  # s in [0, 1]
    alliance: np.ndarray  # a in [0, 1]
    grade: np.ndarray  # mean grade weight of the evidence that counts; 0 with none
    strength: np.ndarray  # event: graded decayed sum x; level, stage: the reading
    observed: np.ndarray  # bool: has evidence by this day
    freshness: np.ndarray  # 2^(-age / h) of the latest evidence; 0 with none
    evidenced: np.ndarray  # a as its latest evidence left it (undecayed); 0 with none
    # 2.0: sum over originators o of q_o^2 u_o, q_o the share of the evidence's graded weight
    # that o asserted and u_o its chance of error: one line of evidence per originator.
    source_doubt: np.ndarray = field(default_factory=lambda: np.zeros(0))  # empty: none
    point_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    point_alliance: np.ndarray = field(default_factory=lambda: np.zeros(0))
    point_loglik: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def __post_init__(self):
        if not len(self.source_doubt):  # left out: no source doubt
            self.source_doubt = np.zeros(len(self.reading))

    @property
    def uncertainty(self) -> np.ndarray:
        return (1.0 - self.grade) / 2.0


def no_evidence(spec: IndicatorSpec, days: int, scenarios: int) -> IndicatorSeries:
    """An indicator before (or without) any observation: reading 0, full uncertainty."""
    reading = np.zeros(days)
    return IndicatorSeries(
        reading=reading,
        alliance=_alliance(spec, reading),
        grade=np.zeros(days),
        strength=np.zeros(days),
        observed=np.zeros(days, dtype=bool),
        freshness=np.zeros(days),
        evidenced=np.zeros(days),
        source_doubt=np.zeros(days),
        point_loglik=np.zeros((0, scenarios)),
    )


def _alliance(spec: IndicatorSpec, reading):
    return reading if spec.polarity > 0 else 1.0 - reading


def loglik(sigma: float, alliance, grade, centres) -> np.ndarray:
    """Gaussian log-likelihood of readings under each scenario centre, with sigma / sqrt(g).

    `alliance` and `grade` are (n,); the result is (n, scenarios). Constant terms are left
    out: they cancel in the odds.
    """
    spread = np.asarray(alliance)[:, None] - np.asarray(centres)[None, :]
    return -np.asarray(grade)[:, None] * spread**2 / (2.0 * sigma**2)


def _decayed_sums(log_terms, point_days, days, rate):
    """sum_j exp(log_terms_j) * 2^(-(t - t_j) / h) over points with t_j <= t, for each day t.

    `rate` is ln 2 / h. Prefix sums are kept in log space (logaddexp), so no 2^(t/h) ever
    overflows, whatever the half-life. `log_terms` is (points,) or (points, columns).
    Returns the sums, one row per day, whether any point had come by then, and the log of
    the undecayed prefix sums (for ratios that must not underflow).
    """
    extra = (1,) * (log_terms.ndim - 1)
    prefix = np.logaddexp.accumulate(log_terms + (rate * point_days).reshape(-1, *extra), axis=0)
    last = np.searchsorted(point_days, days, side="right") - 1
    seen = last >= 0
    at_last = prefix[np.maximum(last, 0)]
    exponent = at_last - (rate * days).reshape(-1, *extra)
    return np.where(seen.reshape(-1, *extra), np.exp(exponent), 0.0), seen, at_last


def indicator_series(
    spec: IndicatorSpec, points: Sequence[GradedPoint], days: np.ndarray, centres: np.ndarray
) -> IndicatorSeries:
    """Score one indicator on the day grid `days` (ascending ints, first day 0 or later).

    Points on the same day keep their given order; for levels and stages the last one wins.
    """
    return series_from_arrays(
        spec,
        PointArrays(
            keys=np.array([p.key for p in points], dtype=np.int64),
            days=np.array([p.day for p in points], dtype=float),
            measure=np.array([p.measure for p in points], dtype=float),
            grade=np.array([p.grade for p in points], dtype=float),
            doubt=np.array([p.doubt for p in points], dtype=float),
            origin=np.array(
                [p.key if p.origin is None else p.origin for p in points], dtype=np.int64
            ),
        ),
        days,
        centres,
    )


@dataclass
class PointArrays:
    """An indicator's observations as columns (the fast path for large datasets).

    `grade` is what a report counts for (`report_grade`); `doubt` its originator's chance of
    error and `origin` its originator (2.0's spread). Left out, there is no source doubt."""

    keys: np.ndarray
    days: np.ndarray
    measure: np.ndarray
    grade: np.ndarray
    doubt: np.ndarray | None = None
    origin: np.ndarray | None = None


def series_from_arrays(
    spec: IndicatorSpec, points: PointArrays, days: np.ndarray, centres: np.ndarray
) -> IndicatorSeries:
    """`indicator_series` over columns; a stable sort by day keeps same-day order."""
    if len(points.keys) == 0:
        return no_evidence(spec, len(days), len(centres))
    order = np.argsort(points.days, kind="stable")
    keys, point_days = points.keys[order], points.days[order].astype(float)
    measure, grade = points.measure[order], points.grade[order]
    doubt = np.zeros(len(keys)) if points.doubt is None else points.doubt[order]
    origin = keys if points.origin is None else points.origin[order]
    days = np.asarray(days, dtype=float)
    if spec.kind == EVENT:
        series = _event_series(spec, keys, point_days, measure, grade, days, centres)
        series.source_doubt = _event_source_doubt(
            spec, point_days, measure * grade, doubt, origin, days
        )
    else:
        series = _state_series(spec, keys, point_days, measure, grade, days, centres)
    last = np.searchsorted(point_days, days, side="right") - 1
    latest = np.maximum(last, 0)
    if spec.kind != EVENT:  # a level or a stage rests on its latest report alone
        series.source_doubt = np.where(last >= 0, doubt[latest], 0.0)
    age = days - point_days[latest]
    series.freshness = np.where(last >= 0, np.exp2(-age / spec.freshness_days), 0.0)
    series.evidenced = np.where(last >= 0, series.point_alliance[latest], 0.0)
    return series


def _event_series(spec, keys, point_days, magnitude, grade, days, centres):
    rate = LN2 / spec.half_life_days
    graded = magnitude * grade
    with np.errstate(divide="ignore"):
        log_graded, log_magnitude = np.log(graded), np.log(magnitude)
    strength, observed, log_graded_sum = _decayed_sums(log_graded, point_days, days, rate)
    _, _, log_ungraded_sum = _decayed_sums(log_magnitude, point_days, days, rate)
    reading = -np.expm1(-strength / spec.saturation)
    # The decay factors cancel in the ratio: take it in log space, where nothing underflows.
    mean_grade = np.where(observed, np.exp(log_graded_sum - log_ungraded_sum), 0.0)

    # Each event's own reading: the indicator's alliance-ness on its day, same-day events in.
    at_points, _, _ = _decayed_sums(log_graded, point_days, point_days, rate)
    point_alliance = _alliance(spec, -np.expm1(-at_points / spec.saturation))
    return IndicatorSeries(
        reading=reading,
        alliance=_alliance(spec, reading),
        grade=mean_grade,
        strength=strength,
        observed=observed,
        freshness=np.zeros(len(days)),  # set by series_from_arrays
        evidenced=np.zeros(len(days)),  # set by series_from_arrays
        point_keys=keys,
        point_alliance=point_alliance,
        point_loglik=loglik(spec.sigma, point_alliance, grade, centres),
    )


def _event_source_doubt(spec, point_days, graded, doubt, origin, days):
    """sum_o q_o^2 u_o per day: q_o = S_o / S, the share of the decayed graded sum that
    originator o asserted, and u_o = T_o / S_o its graded-mean chance of error, so each term
    is S_o T_o / S^2 (the decay cancels; taken in log space, where nothing underflows).
    Many reports of one originator are one line: their shared error does not average out."""
    if not doubt.any():
        return np.zeros(len(days))
    rate = LN2 / spec.half_life_days
    with np.errstate(divide="ignore"):
        log_graded, log_doubt = np.log(graded), np.log(doubt)
    _, seen, at_total = _decayed_sums(log_graded, point_days, days, rate)
    total = np.zeros(len(days))
    # One originator at a time (memory: one day grid, whatever the number of originators).
    for mine in _groups(origin):
        _, held, at_s = _decayed_sums(log_graded[mine], point_days[mine], days, rate)
        _, _, at_t = _decayed_sums(log_graded[mine] + log_doubt[mine], point_days[mine], days, rate)
        with np.errstate(invalid="ignore"):
            term = np.exp(at_s + at_t - 2.0 * at_total)
        total += np.where(held, np.nan_to_num(term), 0.0)
    return np.where(seen, total, 0.0)


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """The positions of each distinct label, each in its given (day) order."""
    order = np.argsort(labels, kind="stable")
    _, starts = np.unique(labels[order], return_index=True)
    return np.split(order, starts[1:])


def _state_series(spec, keys, point_days, measure, grade, days, centres):
    if spec.kind == LEVEL:
        point_reading = np.clip((measure - spec.floor) / (spec.ceiling - spec.floor), 0.0, 1.0)
    else:
        point_reading = np.clip(measure, 0.0, 1.0)
    point_alliance = _alliance(spec, point_reading)

    last = np.searchsorted(point_days, days, side="right") - 1
    observed = last >= 0
    latest = np.maximum(last, 0)
    reading = np.where(observed, point_reading[latest], 0.0)
    return IndicatorSeries(
        reading=reading,
        alliance=_alliance(spec, reading),
        grade=np.where(observed, grade[latest], 0.0),
        strength=reading,
        observed=observed,
        freshness=np.zeros(len(days)),  # set by series_from_arrays
        evidenced=np.zeros(len(days)),  # set by series_from_arrays
        point_keys=keys,
        point_alliance=point_alliance,
        point_loglik=loglik(spec.sigma, point_alliance, grade, centres),
    )


@dataclass(frozen=True)
class ScenarioSpec:
    slug: str
    lower: float
    upper: float
    prior: float = 1.0

    @property
    def centre(self) -> float:
        """The band's middle on the 0–1 alliance-ness scale."""
        return (self.lower + self.upper) / 200.0


def centres(scenarios: Sequence[ScenarioSpec]) -> np.ndarray:
    return np.array([s.centre for s in scenarios])


@dataclass
class RelationshipSeries:
    """The catalogue's aggregate on the day grid."""

    index: np.ndarray
    low: np.ndarray
    high: np.ndarray
    coverage: np.ndarray  # share of the catalogue's weight with evidence
    covered: np.ndarray  # number of indicators with evidence
    categories: dict[str, np.ndarray]  # NaN where a category has no evidence (2.0)
    families: dict[str, np.ndarray]  # the same by family (indicators outside one: none)
    odds: np.ndarray  # (days, scenarios), rows sum to 1
    bands: list[str]
    freshness: np.ndarray  # the weighted mean freshness of the evidence in hand (0–1)
    spread: np.ndarray  # 2.0: the index's standard deviation; 1.0: the ribbon's half-width


def _weighted_mean(specs, columns):
    """100 * sum(w_i column_i) / sum(w_i), summed in catalogue order (deterministic)."""
    total = np.zeros_like(columns[0], dtype=float)
    for spec, column in zip(specs, columns, strict=True):
        total += spec.weight * column
    return 100.0 * total / sum(spec.weight for spec in specs)


def _observed_mean(weights, values, observed):
    """100 * sum_O(w_i v_i) / sum_O(w_i) per day over the observed rows; NaN where none is."""
    held = (weights * observed).sum(axis=0)
    total = (weights * values * observed).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(held > 0, 100.0 * total / np.where(held > 0, held, 1.0), np.nan)


def aggregate(
    specs: Sequence[IndicatorSpec],
    series: Sequence[IndicatorSeries],
    scenarios: Sequence[ScenarioSpec],
    version: str = METHOD_VERSION,
) -> RelationshipSeries:
    """Combine indicator series (in catalogue order) into the index, ribbon and odds."""
    if version not in METHOD_VERSIONS:
        raise ValueError(f"no method {version!r} (known: {', '.join(METHOD_VERSIONS)})")
    weights = np.array([spec.weight for spec in specs])[:, None]
    observed = np.array([s.observed for s in series], dtype=bool)
    fresh = np.array([s.freshness for s in series])
    covered_weight = (weights * observed).sum(axis=0)
    total = weights.sum()
    common = {
        "coverage": covered_weight / total,
        "covered": observed.sum(axis=0).astype(int),
        "freshness": np.nan_to_num(_observed_mean(weights, fresh, observed) / 100.0),
    }
    if version == "1.0":
        return _aggregate_1(specs, series, scenarios, common)
    return _aggregate_2(specs, series, scenarios, common, weights, observed)


def _sub_indices(specs, attribute: str, mean_of):
    """Each group's (category's, family's) sub-index, `mean_of(member positions)`, in
    catalogue order."""
    members: dict[str, list[int]] = {}
    for n, spec in enumerate(specs):
        if group := getattr(spec, attribute):
            members.setdefault(group, []).append(n)
    return {group: mean_of(positions) for group, positions in members.items()}


def _aggregate_1(specs, series, scenarios, common) -> RelationshipSeries:
    alliance = [s.alliance for s in series]
    low = [np.clip(s.alliance - s.uncertainty, 0.0, 1.0) for s in series]
    high = [np.clip(s.alliance + s.uncertainty, 0.0, 1.0) for s in series]
    index = _weighted_mean(specs, alliance)

    def mean_of(at):
        return _weighted_mean([specs[n] for n in at], [alliance[n] for n in at])

    categories = _sub_indices(specs, "category", mean_of)
    families = _sub_indices(specs, "family", mean_of)
    low, high = _weighted_mean(specs, low), _weighted_mean(specs, high)
    return RelationshipSeries(
        index=index,
        low=low,
        high=high,
        spread=(high - low) / 2.0,
        categories=categories,
        families=families,
        odds=scenario_odds(specs, series, scenarios),
        bands=bands(index, scenarios),
        **common,
    )


def _aggregate_2(specs, series, scenarios, common, weights, observed) -> RelationshipSeries:
    """The index over the indicators with evidence, and how far it may be off.

    index = 100 sum_O(w_i a_i) / W_O, over the indicators O with evidence (W_O their weight).
    Its variance has three parts (docs/methodology.md §4 gives the reasons):
      own    sum_O (w_i / W_O)^2 (D + (1 - p_i (1 - u_i)) / 12): each indicator strays
             from the relationship's level by D, the weighted variance of what the evidence
             said when it came in (fading is not agreement), and its evidence is wrong unless
             its claims are true (p_i) and its originators right (1 - u_i, one line each);
             independently from one indicator to the next;
      drift  ((1 - F) / sqrt(12))^2, F the weighted freshness of the evidence: as it ages,
             the relationship may have moved since, all of it together;
      gap    ((1 - C) / sqrt(12))^2, C the coverage: the indicators not yet seen, together.
    A part that knows nothing has the spread of a uniform reading, 1/sqrt(12). The odds are
    the mass of the normal N(index, sd) truncated to 0–100 in each band; the ribbon is its
    central 90%.
    """
    alliance = np.array([s.alliance for s in series])
    index = _observed_mean(weights, alliance, observed)
    nothing = np.isnan(index)  # no day of a computed series has this, but a filter could
    index = np.where(nothing, 50.0, index)
    held = np.maximum((weights * observed).sum(axis=0), np.finfo(float).tiny)
    share = weights * observed / held  # w_i / W_O, 0 unobserved
    said = np.array([s.evidenced for s in series])
    disagreement = (share * (said - (share * said).sum(axis=0)) ** 2).sum(axis=0)
    # A report tells the truth if its claim is true and its originators are not wrong: the
    # doubt 1 - p(1 - u) is a probability, at most 1 (knowing nothing).
    doubt = 1.0 - np.array([s.grade for s in series]) * (
        1.0 - np.array([s.source_doubt for s in series])
    )
    own = (share**2 * (disagreement + doubt * UNKNOWN_SD**2)).sum(axis=0)
    drift = ((1.0 - common["freshness"]) * UNKNOWN_SD) ** 2
    gap = ((1.0 - common["coverage"]) * UNKNOWN_SD) ** 2
    sd = 100.0 * np.sqrt(np.where(nothing, UNKNOWN_SD**2, own + drift + gap))

    def mean_of(at):
        return _observed_mean(weights[at], alliance[at], observed[at])

    categories = _sub_indices(specs, "category", mean_of)
    return RelationshipSeries(
        index=index,
        low=np.clip(index - INTERVAL_Z * sd, 0.0, 100.0),
        high=np.clip(index + INTERVAL_Z * sd, 0.0, 100.0),
        spread=sd,
        categories=categories,
        families=_sub_indices(specs, "family", mean_of),
        odds=band_odds(index, sd, scenarios),
        bands=bands(index, scenarios),
        **common,
    )


_erf = np.frompyfunc(math.erf, 1, 1)


def band_odds(index: np.ndarray, sd: np.ndarray, scenarios: Sequence[ScenarioSpec]) -> np.ndarray:
    """The mass of N(index, sd), truncated to the bands' span (0–100), in each band; each
    row sums to 1. Columns follow `scenarios`' order."""
    ordered = sorted(range(len(scenarios)), key=lambda n: scenarios[n].lower)
    edges = [scenarios[ordered[0]].lower, *(scenarios[n].upper for n in ordered)]
    scale = np.maximum(np.asarray(sd, dtype=float), 1e-9)[:, None] * math.sqrt(2.0)
    z = (np.array(edges, dtype=float)[None, :] - np.asarray(index)[:, None]) / scale
    below = 0.5 * (1.0 + _erf(z).astype(float))
    mass = np.diff(below, axis=1)
    mass /= mass.sum(axis=1, keepdims=True)
    odds = np.empty_like(mass)
    odds[:, ordered] = mass
    return odds


def scenario_odds(specs, series, scenarios) -> np.ndarray:
    """Method 1.0's P(scenario | readings) per day: each indicator's reading a_i is Gaussian
    evidence. An indicator speaks with the weight of its catalogue weight (relative to the
    mean) and of its evidence's grade; with no evidence it is silent. Flat prior unless given.
    """
    mean_weight = sum(spec.weight for spec in specs) / len(specs)
    centre = centres(scenarios)
    logits = np.tile(np.log([s.prior for s in scenarios]), (len(series[0].alliance), 1))
    for spec, one in zip(specs, series, strict=True):
        logits += (spec.weight / mean_weight) * loglik(spec.sigma, one.alliance, one.grade, centre)
    logits -= logits.max(axis=1, keepdims=True)
    odds = np.exp(logits)
    return odds / odds.sum(axis=1, keepdims=True)


def bands(index: np.ndarray, scenarios: Sequence[ScenarioSpec]) -> list[str]:
    """The scenario whose band holds each index value (a band includes its lower bound)."""
    ordered = sorted(scenarios, key=lambda s: s.lower)
    lowers = np.array([s.lower for s in ordered])
    position = np.clip(np.searchsorted(lowers, index, side="right") - 1, 0, len(ordered) - 1)
    return [ordered[p].slug for p in position]


def baseline(specs: Sequence[IndicatorSpec], version: str = METHOD_VERSION) -> float | None:
    """What momentum compares with before the series has 90 days of history.

    1.0: the index with no evidence at all, every indicator at its no-evidence level.
    2.0: None, meaning the series' first day: with no evidence there is no index to move from.
    """
    if version != "1.0":
        return None
    return 100.0 * sum(s.weight for s in specs if s.polarity < 0) / sum(s.weight for s in specs)


def contributions(
    specs: Sequence[IndicatorSpec],
    before,
    after,
    *,
    observed=None,
    index_before: float = 0.0,
    version: str = METHOD_VERSION,
) -> np.ndarray:
    """Each indicator's share of an index change from A to B; the shares add up exactly to
    index(B) - index(A).

    1.0: 100 w_i (a_i(B) - a_i(A)) / sum(w): every indicator always counts (at its
    no-evidence level without data), so the denominator is fixed.
    2.0: the index averages the indicators with evidence, O(A) within O(B) (evidence, once
    in hand, stays). With W_B = sum over O(B) of w, an indicator observed at A contributes
    100 w_i (a_i(B) - a_i(A)) / W_B and one first observed after A contributes
    100 w_i (a_i(B) - index(A)/100) / W_B: how far it reads from the index it joins.
    `observed` is the pair (observed at A, observed at B) of boolean columns.
    """
    weights = np.array([spec.weight for spec in specs])
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if version == "1.0":
        return 100.0 * weights * (after - before) / weights.sum()
    seen_before, seen_after = (np.asarray(o, dtype=bool) for o in observed)
    start = np.where(seen_before, before, index_before / 100.0)
    held = (weights * seen_after).sum()
    if held == 0:
        return np.zeros(len(weights))
    return np.where(seen_after, 100.0 * weights * (after - start) / held, 0.0)


def event_parameters(spec: IndicatorSpec) -> tuple[float, float]:
    """An event indicator's half-life (days) and saturation, which its kind requires."""
    if spec.half_life_days is None or spec.saturation is None:
        raise ValueError(f"event indicator {spec.key} needs a half-life and a saturation")
    return spec.half_life_days, spec.saturation


def event_carryover(spec: IndicatorSpec, strength: float, days: int) -> float:
    """An event indicator's alliance-ness `days` later if nothing new happens (pure decay)."""
    half_life, saturation = event_parameters(spec)
    decayed = strength * 2.0 ** (-days / half_life)
    return float(_alliance(spec, -math.expm1(-decayed / saturation)))


def event_mass(spec: IndicatorSpec, magnitude: float, grade: float, days: int) -> float:
    """What one event still adds to the indicator's graded decayed sum `days` later."""
    return magnitude * grade * event_decay(spec, days)


def event_decay(spec: IndicatorSpec, days: int) -> float:
    """What is left of an event's mass `days` later: 2^(-days / half-life)."""
    half_life, _ = event_parameters(spec)
    return 2.0 ** (-days / half_life)


def diagnosticity(loglik: np.ndarray) -> np.ndarray:
    """How strongly each observation separates the scenarios: its log-likelihood range."""
    if loglik.size == 0:
        return np.zeros(len(loglik))
    return loglik.max(axis=1) - loglik.min(axis=1)
