"""Words for odds and for confidence, as the US Intelligence Community writes them.

Likelihood follows ICD 203 (Analytic Standards, 2015), whose seven terms each cover a range
of probability. Confidence is a separate judgement of the evidence behind an estimate;
ICD 203 asks that it be stated (low / moderate / high) but leaves its grounds to the analyst,
so Entente writes its own rule here and in docs/methodology.md §5. Pure: plain values in.
"""

from dataclasses import dataclass

# (upper bound, exclusive; term; range as ICD 203 prints it)
LIKELIHOOD = (
    (0.05, "almost no chance", "01–05%"),
    (0.20, "very unlikely", "05–20%"),
    (0.45, "unlikely", "20–45%"),
    (0.55, "roughly even chance", "45–55%"),
    (0.80, "likely", "55–80%"),
    (0.95, "very likely", "80–95%"),
    (float("inf"), "almost certain", "95–99%"),
)

# Confidence: each level asks for all three of its floors (docs/methodology.md §5).
HIGH = {"coverage": 0.8, "freshness": 0.5, "sources": 5}
MODERATE = {"coverage": 0.5, "freshness": 0.25, "sources": 3}


def likelihood(probability: float) -> tuple[str, str]:
    """The ICD 203 term and its range for a probability (a range's upper bound belongs to
    the next term: 0.55 is "likely")."""
    for upper, term, span in LIKELIHOOD:
        if probability < upper:
            return term, span
    raise ValueError(f"not a probability: {probability!r}")


@dataclass(frozen=True)
class Confidence:
    level: str  # "low", "moderate" or "high"
    short_of: tuple[str, ...]  # what kept it from the next level up, in words


def confidence(coverage: float, freshness: float, sources: int) -> Confidence:
    """High with most of the catalogue observed, evidence mostly within its half-life and
    several independent originators; moderate with half the catalogue, evidence within two
    half-lives and a few sources; low otherwise."""
    values = {"coverage": coverage, "freshness": freshness, "sources": sources}
    for level, floors, next_up in (("high", HIGH, None), ("moderate", MODERATE, HIGH)):
        if all(values[name] >= floor for name, floor in floors.items()):
            return Confidence(level, _short_of(values, next_up) if next_up else ())
    return Confidence("low", _short_of(values, MODERATE))


def _short_of(values: dict, floors: dict) -> tuple[str, ...]:
    words = {
        "coverage": lambda v, f: f"evidence on {v:.0%} of the catalogue's weight (under {f:.0%})",
        "freshness": lambda v, f: f"evidence {v:.0%} fresh (under {f:.0%}: much of it is old)",
        "sources": lambda v, f: f"{v} independent originator{'s' if v != 1 else ''} (under {f})",
    }
    return tuple(words[n](values[n], floor) for n, floor in floors.items() if values[n] < floor)
