"""The method run in memory over any set of observation states, from their first day.

The stored series (`tracker.series`) and the on-demand ones ("as known on", the minimum
grade) both come from here, so they cannot drift apart.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tracker.scoring import method
from tracker.scoring.inputs import NO_POINTS, ScoringInputs, arrays_by_indicator, state_rows


@dataclass
class ComputedSeries:
    """A relationship's series over consecutive dates, from `compute_series`."""

    dates: list[dt.date]
    indicators: dict[int, method.IndicatorSeries]
    aggregate: method.RelationshipSeries
    momentum: np.ndarray
    specs: list[method.IndicatorSpec]


def compute_series(
    inputs: ScoringInputs, states, end: dt.date, version: str = method.METHOD_VERSION
) -> ComputedSeries | None:
    """Score `states` (observation states, in order) from the first one's date to `end`,
    with method `version`."""
    states = [s for s in states if s.occurred_on <= end]
    if not states or not inputs.specs:
        return None
    origin = min(s.occurred_on for s in states)
    days = np.arange((end - origin).days + 1)
    points = arrays_by_indicator(state_rows(states), origin, version)
    specs = inputs.specs_for(version)
    indicators = {
        spec.key: method.series_from_arrays(
            spec, points.get(spec.key, NO_POINTS), days, inputs.centres
        )
        for spec in specs
    }
    aggregate = method.aggregate(
        specs, [indicators[k] for k in inputs.keys], inputs.scenarios, version
    )
    start = method.baseline(specs, version)
    before = np.full(len(days), aggregate.index[0] if start is None else start)
    lag = method.MOMENTUM_DAYS
    if len(days) > lag:
        before[lag:] = aggregate.index[:-lag]
    return ComputedSeries(
        dates=[origin + dt.timedelta(days=int(d)) for d in days],
        indicators=indicators,
        aggregate=aggregate,
        momentum=aggregate.index - before,
        specs=specs,
    )


def day_fields(aggregate: method.RelationshipSeries, slugs: list[str], n: int) -> dict:
    """The assessment's values on day `n` of an aggregate, as stored and shown (no date)."""
    return {
        "index": float(aggregate.index[n]),
        "low": float(aggregate.low[n]),
        "high": float(aggregate.high[n]),
        "band": aggregate.bands[n],
        "odds": dict(zip(slugs, aggregate.odds[n].tolist(), strict=True)),
        "coverage": float(aggregate.coverage[n]),
        "covered": int(aggregate.covered[n]),
        "freshness": float(aggregate.freshness[n]),
        # A category with no evidence has no sub-index (2.0): it is left out, not NaN.
        "categories": {
            c: float(v[n]) for c, v in aggregate.categories.items() if not np.isnan(v[n])
        },
        "families": {f: float(v[n]) for f, v in aggregate.families.items() if not np.isnan(v[n])},
    }
