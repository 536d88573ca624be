"""ICD 203's words for odds, and Entente's rule for confidence."""

import pytest

from tracker.scoring import estimative


@pytest.mark.parametrize(
    ("probability", "term", "span"),
    [
        (0.0, "almost no chance", "01–05%"),
        (0.0499, "almost no chance", "01–05%"),
        (0.05, "very unlikely", "05–20%"),
        (0.2, "unlikely", "20–45%"),
        (0.45, "roughly even chance", "45–55%"),
        (0.5499, "roughly even chance", "45–55%"),
        (0.55, "likely", "55–80%"),
        (0.8, "very likely", "80–95%"),
        (0.95, "almost certain", "95–99%"),
        (1.0, "almost certain", "95–99%"),
    ],
)
def test_each_probability_has_its_icd_203_term(probability, term, span):
    assert estimative.likelihood(probability) == (term, span)


def test_not_a_probability_is_refused():
    with pytest.raises(ValueError, match="not a probability"):
        estimative.likelihood(float("nan"))


def test_confidence_needs_every_floor_of_its_level():
    assert estimative.confidence(0.8, 0.5, 5) == estimative.Confidence("high", ())
    moderate = estimative.confidence(0.97, 0.38, 67)
    assert moderate.level == "moderate"
    assert moderate.short_of == ("evidence 38% fresh (under 50%: much of it is old)",)
    low = estimative.confidence(0.4, 0.9, 2)
    assert low.level == "low"
    assert low.short_of == (
        "evidence on 40% of the catalogue's weight (under 50%)",
        "2 independent originators (under 3)",
    )
    assert estimative.confidence(1.0, 1.0, 1).short_of == ("1 independent originator (under 3)",)
