"""Indicators gone quiet: no accepted report within their cadence, or none at all."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from tracker.clock import today_utc
from tracker.models import Indicator, Observation, Relationship
from tracker.selectors.evidence import known_then


@dataclass
class Staleness:
    indicator: Indicator
    last_observed: dt.date | None
    days_since: int | None


def stale_indicators(
    relationship: Relationship, *, today: dt.date | None = None, known_on: dt.date | None = None
):
    """Indicators with no accepted observation within their cadence (or none at all); with
    `known_on`, as that day saw them: from what counted by its end, in days up to it."""
    if known_on is not None:
        return _stale_as_known_on(relationship, known_on)
    today = today or today_utc()
    # A subquery per indicator seeks its (indicator, occurred_on) index; a GROUP BY over
    # the join would read every observation.
    latest = (
        Observation.objects.accepted()
        .filter(indicator=OuterRef("pk"))
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    indicators = relationship.indicators.select_related("category").annotate(last=Subquery(latest))
    ordered = indicators.order_by("category__order", "name")
    return _stale([(indicator, indicator.last) for indicator in ordered], today)


def _stale_as_known_on(relationship: Relationship, day: dt.date) -> list[Staleness]:
    lasts = []
    for indicator in relationship.indicators.select_related("category"):
        observations = indicator.observations.filter(occurred_on__lte=day)
        latest = known_then(observations.order_by("-occurred_on", "-pk"), day, limit=1, batch=10)
        lasts.append((indicator, latest[0].occurred_on if latest else None))
    lasts.sort(key=lambda pair: (pair[0].category.order, pair[0].name))
    return _stale(lasts, day)


def _stale(lasts: list[tuple[Indicator, dt.date | None]], today: dt.date) -> list[Staleness]:
    stale = []
    for indicator, last in lasts:
        days = (today - last).days if last else None
        if days is None or days > indicator.cadence_days:
            stale.append(Staleness(indicator, last, days))
    return stale
