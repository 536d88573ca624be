"""How robust a day's verdict is (`tracker.scoring.sensitivity`), on a relationship's
evidence as it stands or as known on a date, cached until any observation or catalogue entry
changes (the key holds `data_version`, as the on-demand series' does)."""

import datetime as dt

from django.core.cache import cache

from tracker.models import Relationship
from tracker.scoring import method, sensitivity
from tracker.scoring.inputs import current_states, scoring_inputs, state_rows, states_as_known_on
from tracker.selectors.series import CACHE_SECONDS, data_version, scorable_inline

NO_RESULT = "none"  # cached in place of a result: no evidence, or too many reports


def verdict_sensitivity(
    relationship: Relationship,
    day: dt.date,
    *,
    as_of: dt.date | None = None,
    min_grade: tuple[str, int] | None = None,
    category_names: dict[str, str] | None = None,
) -> sensitivity.Sensitivity | None:
    """The verdict on `day` under each parameter variant: from the observations as they stand,
    or as known at the end of `as_of`, of at least `min_grade`. None with no evidence by then,
    or for a relationship too large to score inside a request (INLINE_OBSERVATIONS).
    `category_names` (by slug) name the weight variants; read from the catalogue if not given."""
    grade = "".join(map(str, min_grade)) if min_grade else "all"
    key = (
        f"entente:sensitivity:{method.METHOD_VERSION}:{relationship.pk}:{day}:"
        f"{as_of or 'now'}:{grade}:{data_version()}"
    )
    found = cache.get(key)
    if found is None:
        found = _compute(relationship, day, as_of, min_grade, category_names) or NO_RESULT
        cache.set(key, found, CACHE_SECONDS)
    return found if isinstance(found, sensitivity.Sensitivity) else None


def _compute(relationship, day, as_of, min_grade, categories) -> sensitivity.Sensitivity | None:
    # Reading the rows is the cost (the one-day evaluation is cheap): the same bound as the
    # on-demand series, whose job would read them too.
    if not scorable_inline(relationship):
        return None
    if as_of is None:
        states = current_states(relationship)
    else:
        states = states_as_known_on(
            relationship, dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
        )
    states = [s for s in states if s.passes(min_grade)]
    inputs = scoring_inputs(relationship)
    if categories is None:
        categories = dict(
            relationship.indicators.values_list("category__slug", "category__name").distinct()
        )
    return sensitivity.evaluate(
        inputs.specs,
        inputs.scenarios,
        sensitivity.ObservationColumns.from_rows(state_rows(states)),
        day,
        sensitivity.variants(inputs.specs, categories),
    )
