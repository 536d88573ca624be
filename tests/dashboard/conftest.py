import datetime as dt

import pytest

from tests.clock import TODAY
from tests.factories import (
    CategoryFactory,
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
)
from tracker.series.refresh import snapshots_refresh

BANDS = [
    ("unravelling", "Unravelling", 0, 25),
    ("strategic-convenience", "Strategic convenience", 25, 50),
    ("structured-alignment", "Structured alignment", 50, 75),
    ("alliance", "Alliance", 75, 100),
]


def build(indicators: int, observations_each: int = 2):
    """A relationship with `indicators` indicators of all kinds, observed, and its snapshots."""
    relationship = RelationshipFactory()
    for slug, name, lower, upper in BANDS:
        ScenarioFactory(relationship=relationship, slug=slug, name=name, lower=lower, upper=upper)
    categories = [CategoryFactory(slug=f"cat-{n}", name=f"Category {n}") for n in range(3)]
    made = []
    for n in range(indicators):
        traits = [{}, {"level": True}, {"stage": True}][n % 3]
        indicator = IndicatorFactory(
            relationship=relationship,
            category=categories[n % 3],
            slug=f"ind-{n}",
            name=f"Indicator {n}",
            polarity=-1 if n % 4 == 3 else 1,
            **traits,
        )
        for k in range(observations_each):
            ObservationFactory(
                indicator=indicator,
                occurred_on=TODAY - dt.timedelta(days=30 + 100 * k + n % 50),
            )
        made.append(indicator)
    snapshots_refresh(relationship, end=TODAY)
    return relationship, made


@pytest.fixture
def small(db):
    return build(5)
