"""Properties of the scoring maths that must hold for any catalogue and any evidence."""

from dataclasses import replace

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tracker.scoring import method as scoring
from tracker.scoring.method import GradedPoint, IndicatorSpec, ScenarioSpec

BANDS = [
    ScenarioSpec("unravelling", 0, 25),
    ScenarioSpec("strategic-convenience", 25, 50),
    ScenarioSpec("structured-alignment", 50, 75),
    ScenarioSpec("alliance", 75, 100),
]
DAYS = np.arange(400)
TOLERANCE = 1e-9

grades = st.sampled_from(
    [scoring.grade_weight(r, c) for r in scoring.RELIABILITY_WEIGHT for c in range(1, 7)]
)


@st.composite
def specs(draw, key, kind=None, polarity=None):
    kind = kind or draw(st.sampled_from(["event", "level", "stage"]))
    common = {
        "key": key,
        "kind": kind,
        "polarity": polarity or draw(st.sampled_from([1, -1])),
        "weight": draw(st.floats(0.1, 5)),
        "category": draw(st.sampled_from(["a", "b"])),
        "sigma": draw(st.floats(0.05, 1)),
    }
    if kind == "event":
        common |= {
            "half_life_days": draw(st.floats(1, 1000)),
            "saturation": draw(st.floats(0.1, 20)),
        }
    if kind == "level":
        floor = draw(st.floats(-100, 100))
        common |= {"floor": floor, "ceiling": floor + draw(st.floats(0.1, 200))}
    return IndicatorSpec(**common)


doubts = st.sampled_from([scoring.source_doubt(r) for r in scoring.SOURCE_PROBABILITY])


@st.composite
def points(draw, spec, max_size=8, origins=None):
    measure = {
        "event": st.floats(0.01, 10),
        "level": st.floats(-300, 300),
        "stage": st.sampled_from([0.0, 0.2, 0.35, 0.5, 0.8, 1.0]),
    }[spec.kind]
    size = draw(st.integers(0, max_size))
    return [
        GradedPoint(
            key=spec.key * 100 + n,
            day=draw(st.integers(0, int(DAYS[-1]))),
            measure=draw(measure),
            grade=draw(grades),
            doubt=draw(doubts),
            origin=draw(st.integers(1, 3) if origins is None else origins),
        )
        for n in range(size)
    ]


@st.composite
def catalogues(draw, kind=None, min_size=1):
    size = draw(st.integers(min_size, 5))
    catalogue = [draw(specs(key, kind)) for key in range(1, size + 1)]
    return catalogue, [draw(points(spec)) for spec in catalogue]


def score(catalogue, evidence, version=scoring.METHOD_VERSION):
    series = [
        scoring.indicator_series(spec, pts, DAYS, scoring.centres(BANDS))
        for spec, pts in zip(catalogue, evidence, strict=True)
    ]
    return scoring.aggregate(catalogue, series, BANDS, version), series


versions = st.sampled_from(scoring.METHOD_VERSIONS)


@given(catalogues(), versions)
def test_bounds_ribbon_and_odds(case, version):
    result, series = score(*case, version)
    assert ((result.low >= -TOLERANCE) & (result.high <= 100 + TOLERANCE)).all()
    assert (result.low <= result.index + TOLERANCE).all()
    assert (result.index <= result.high + TOLERANCE).all()
    assert np.allclose(result.odds.sum(axis=1), 1.0)
    assert ((result.odds >= 0) & (result.odds <= 1)).all()
    for one in series:
        assert ((one.reading >= 0) & (one.reading <= 1)).all()
        assert ((one.alliance >= 0) & (one.alliance <= 1)).all()
        assert ((one.grade >= 0) & (one.grade <= 1 + TOLERANCE)).all()
        assert ((one.evidenced >= 0) & (one.evidenced <= 1)).all()
        assert ((one.freshness >= 0) & (one.freshness <= 1)).all()
    assert ((result.freshness >= 0) & (result.freshness <= 1 + TOLERANCE)).all()
    for values in result.categories.values():
        shown = values[~np.isnan(values)]  # 2.0: no sub-index for a category without evidence
        assert ((shown >= -TOLERANCE) & (shown <= 100 + TOLERANCE)).all()


@given(catalogues(), st.data(), versions)
def test_an_event_moves_the_index_only_its_own_way_from_its_date_on(case, data, version):
    """In 2.0 an indicator's first report brings it into the average at its reading, which
    may lie either side of the index: there the property holds once it has evidence."""
    catalogue, evidence = case
    events = [n for n, spec in enumerate(catalogue) if spec.kind == "event"]
    assume(events)
    n = data.draw(st.sampled_from(events))
    spec = catalogue[n]
    new = data.draw(points(spec, max_size=1).filter(bool))[0]
    if version != "1.0":
        assume(any(p.day <= new.day for p in evidence[n]))
    before, _ = score(catalogue, evidence, version)
    more = [*evidence[:n], [*evidence[n], new], *evidence[n + 1 :]]
    after, _ = score(catalogue, more, version)
    change = after.index - before.index
    assert np.allclose(change[: new.day], 0.0, atol=TOLERANCE)  # nothing before its date
    if spec.polarity > 0:
        assert (change[new.day :] >= -TOLERANCE).all()
    else:
        assert (change[new.day :] <= TOLERANCE).all()


@given(catalogues(), versions)
def test_same_inputs_same_outputs(case, version):
    first, _ = score(*case, version)
    second, _ = score(*case, version)
    assert np.array_equal(first.index, second.index)
    assert np.array_equal(first.low, second.low)
    assert np.array_equal(first.odds, second.odds)
    assert first.bands == second.bands


@given(catalogues(kind="event"), st.randoms(), versions)
def test_the_order_of_events_does_not_matter(case, random, version):
    catalogue, evidence = case
    shuffled = [random.sample(pts, len(pts)) for pts in evidence]
    first, _ = score(catalogue, evidence, version)
    second, _ = score(catalogue, shuffled, version)
    assert np.allclose(first.index, second.index, rtol=1e-12, atol=1e-12)
    assert np.allclose(first.odds, second.odds, rtol=1e-9, atol=1e-12)


@given(catalogues(kind="event"))
def test_without_new_events_each_indicator_decays_toward_its_no_evidence_level(case):
    catalogue, evidence = case
    last = max((p.day for pts in evidence for p in pts), default=0)
    _, series = score(catalogue, evidence)
    for spec, one in zip(catalogue, series, strict=True):
        no_evidence = 0.0 if spec.polarity > 0 else 1.0
        gap = np.abs(one.alliance[last:] - no_evidence)
        assert (np.diff(gap) <= TOLERANCE).all()
    # ...and far enough on, the index is back at the no-evidence baseline.
    longest = max(spec.half_life_days for spec in catalogue)
    far = np.array([last + int(60 * longest)])
    series = [
        scoring.indicator_series(spec, pts, far, scoring.centres(BANDS))
        for spec, pts in zip(catalogue, evidence, strict=True)
    ]
    # ...and far enough on, in 1.0, the index is back at the no-evidence baseline (2.0 has
    # none: the index averages what the evidence reads, faded or not).
    index = scoring.aggregate(catalogue, series, BANDS, "1.0").index[0]
    assert abs(index - scoring.baseline(catalogue, "1.0")) < 1e-6


@given(catalogues(), st.integers(0, int(DAYS[-1])), st.integers(0, int(DAYS[-1])), versions)
def test_contributions_add_up_to_the_change(case, a, b, version):
    a, b = min(a, b), max(a, b)  # evidence in hand at A is still in hand at B
    result, series = score(*case, version)
    shares = scoring.contributions(
        case[0],
        [s.alliance[a] for s in series],
        [s.alliance[b] for s in series],
        observed=([s.observed[a] for s in series], [s.observed[b] for s in series]),
        index_before=result.index[a],
        version=version,
    )
    if version != "1.0" and not any(s.observed[b] for s in series):
        return  # no evidence by B: 2.0 has no index to move (the series starts with some)
    assert np.isclose(shares.sum(), result.index[b] - result.index[a], atol=1e-9)


@given(catalogues(), st.integers(0, int(DAYS[-1])), versions)
def test_scoring_up_to_a_day_ignores_later_evidence(case, cutoff, version):
    """The pure half of "as known on": evidence after a day cannot reach that day."""
    catalogue, evidence = case
    result, _ = score(catalogue, evidence, version)
    early = [[p for p in pts if p.day <= cutoff] for pts in evidence]
    truncated, _ = score(catalogue, early, version)
    days = slice(0, cutoff + 1)
    assert np.allclose(result.index[days], truncated.index[days], atol=1e-9)
    assert np.allclose(result.odds[days], truncated.odds[days], atol=1e-9)


# Method 2.0: odds as sure as the evidence and no surer.


def last_day(evidence):
    return max((p.day for pts in evidence for p in pts), default=None)


@given(catalogues())
def test_with_no_new_evidence_the_spread_never_narrows(case):
    """What we do not know only grows while nothing comes in: grades hold, freshness fades,
    and disagreement is measured on what the evidence said, which fading does not change."""
    catalogue, evidence = case
    last = last_day(evidence)
    assume(last is not None)
    result, _ = score(catalogue, evidence)
    assert (np.diff(result.freshness[last:]) <= TOLERANCE).all()
    assert (np.diff(result.spread[last:]) >= -TOLERANCE).all()


@given(st.one_of(catalogues(kind="level"), catalogues(kind="stage")))
def test_with_no_new_evidence_the_odds_never_grow_more_confident(case):
    """Where the index holds still with no news (levels and stages hold their last value),
    the leading scenario's odds never rise, nor does any scenario's lead."""
    catalogue, evidence = case
    last = last_day(evidence)
    assume(last is not None)
    result, _ = score(catalogue, evidence)
    leading = result.odds[last].argmax()
    assert (np.diff(result.odds[last:, leading]) <= TOLERANCE).all()
    assert (np.diff(result.odds[last:].max(axis=1)) <= TOLERANCE).all()


@given(catalogues(), st.data())
def test_a_contradicting_observation_never_narrows_the_spread(case, data):
    """An observation that reads against the rest of the evidence (moves its indicator's
    reading away from the others'), no fresher and no better graded than what its indicator
    has, never narrows the spread from its indicator's latest evidence on."""
    catalogue, evidence = case
    have = [n for n, pts in enumerate(evidence) if pts]
    assume(have)
    n = data.draw(st.sampled_from(have))
    # One line of evidence: the indicator's reports and the new one share an originator (a
    # second, independent originator is corroboration of a kind, and may narrow the part of
    # the spread that is the originators' error: see the properties of lines below).
    evidence[n] = [replace(p, origin=0) for p in evidence[n]]
    latest = max(p.day for p in evidence[n])
    drawn = data.draw(points(catalogue[n], max_size=1).filter(bool))[0]
    new = GradedPoint(
        key=drawn.key + 50,
        day=min(drawn.day, latest),
        measure=drawn.measure,
        grade=min(drawn.grade, *(p.grade for p in evidence[n])),
        doubt=max(drawn.doubt, *(p.doubt for p in evidence[n])),
        origin=0,
    )
    more = [*evidence[:n], [*evidence[n], new], *evidence[n + 1 :]]
    (before, series_before), (after, series_after) = (
        score(catalogue, evidence),
        score(catalogue, more),
    )
    t = data.draw(st.integers(latest, int(DAYS[-1])))
    others = [m for m in range(len(catalogue)) if m != n and series_before[m].observed[t]]
    assume(others)
    weights = [catalogue[m].weight for m in others]
    mean = np.average([series_before[m].evidenced[t] for m in others], weights=weights)
    assume(abs(series_after[n].evidenced[t] - mean) >= abs(series_before[n].evidenced[t] - mean))
    assert after.spread[t] >= before.spread[t] - TOLERANCE


@given(st.data())
def test_reports_of_one_originator_are_one_line_of_evidence(data):
    """However many reports one originator makes, its error does not average out: the
    indicator's source doubt stays that originator's own. The same reports from independent
    originators (each its own line) never leave more doubt than from one."""
    spec = data.draw(specs(1))
    reports = data.draw(points(spec, origins=st.sampled_from([7])).filter(bool))
    doubt = data.draw(doubts)
    one = [replace(p, doubt=doubt) for p in reports]
    apart = [replace(p, origin=n) for n, p in enumerate(one)]
    centres = scoring.centres(BANDS)
    single = scoring.indicator_series(spec, one, DAYS, centres).source_doubt
    independent = scoring.indicator_series(spec, apart, DAYS, centres).source_doubt
    seen = scoring.indicator_series(spec, one, DAYS, centres).observed
    assert np.allclose(single[seen], doubt)
    assert (independent <= single + TOLERANCE).all()
