"""Properties of the scoring maths that must hold for any catalogue and any evidence."""

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


@st.composite
def points(draw, spec, max_size=8):
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
        )
        for n in range(size)
    ]


@st.composite
def catalogues(draw, kind=None, min_size=1):
    size = draw(st.integers(min_size, 5))
    catalogue = [draw(specs(key, kind)) for key in range(1, size + 1)]
    return catalogue, [draw(points(spec)) for spec in catalogue]


def score(catalogue, evidence):
    series = [
        scoring.indicator_series(spec, pts, DAYS, scoring.centres(BANDS))
        for spec, pts in zip(catalogue, evidence, strict=True)
    ]
    return scoring.aggregate(catalogue, series, BANDS), series


@given(catalogues())
def test_bounds_ribbon_and_odds(case):
    result, series = score(*case)
    assert ((result.low >= -TOLERANCE) & (result.high <= 100 + TOLERANCE)).all()
    assert (result.low <= result.index + TOLERANCE).all()
    assert (result.index <= result.high + TOLERANCE).all()
    assert np.allclose(result.odds.sum(axis=1), 1.0)
    assert ((result.odds >= 0) & (result.odds <= 1)).all()
    for one in series:
        assert ((one.reading >= 0) & (one.reading <= 1)).all()
        assert ((one.alliance >= 0) & (one.alliance <= 1)).all()
        assert ((one.grade >= 0) & (one.grade <= 1 + TOLERANCE)).all()
    for values in result.categories.values():
        assert ((values >= -TOLERANCE) & (values <= 100 + TOLERANCE)).all()


@given(catalogues(), st.data())
def test_an_event_moves_the_index_only_its_own_way_from_its_date_on(case, data):
    catalogue, evidence = case
    events = [n for n, spec in enumerate(catalogue) if spec.kind == "event"]
    assume(events)
    n = data.draw(st.sampled_from(events))
    spec = catalogue[n]
    new = data.draw(points(spec, max_size=1).filter(bool))[0]
    before, _ = score(catalogue, evidence)
    more = [*evidence[:n], [*evidence[n], new], *evidence[n + 1 :]]
    after, _ = score(catalogue, more)
    change = after.index - before.index
    assert np.allclose(change[: new.day], 0.0, atol=TOLERANCE)  # nothing before its date
    if spec.polarity > 0:
        assert (change[new.day :] >= -TOLERANCE).all()
    else:
        assert (change[new.day :] <= TOLERANCE).all()


@given(catalogues())
def test_same_inputs_same_outputs(case):
    first, _ = score(*case)
    second, _ = score(*case)
    assert np.array_equal(first.index, second.index)
    assert np.array_equal(first.low, second.low)
    assert np.array_equal(first.odds, second.odds)
    assert first.bands == second.bands


@given(catalogues(kind="event"), st.randoms())
def test_the_order_of_events_does_not_matter(case, random):
    catalogue, evidence = case
    shuffled = [random.sample(pts, len(pts)) for pts in evidence]
    first, _ = score(catalogue, evidence)
    second, _ = score(catalogue, shuffled)
    assert np.allclose(first.index, second.index, rtol=1e-12, atol=1e-12)


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
    index = scoring.aggregate(catalogue, series, BANDS).index[0]
    assert abs(index - scoring.baseline(catalogue)) < 1e-6


@given(catalogues(), st.integers(0, int(DAYS[-1])), st.integers(0, int(DAYS[-1])))
def test_contributions_add_up_to_the_change(case, a, b):
    result, series = score(*case)
    shares = scoring.contributions(
        case[0], [s.alliance[a] for s in series], [s.alliance[b] for s in series]
    )
    assert np.isclose(shares.sum(), result.index[b] - result.index[a], atol=1e-9)


@given(catalogues(), st.integers(0, int(DAYS[-1])))
def test_scoring_up_to_a_day_ignores_later_evidence(case, cutoff):
    """The pure half of "as known on": evidence after a day cannot reach that day."""
    catalogue, evidence = case
    result, _ = score(catalogue, evidence)
    early = [[p for p in pts if p.day <= cutoff] for pts in evidence]
    truncated, _ = score(catalogue, early)
    assert np.allclose(result.index[: cutoff + 1], truncated.index[: cutoff + 1], atol=1e-9)
