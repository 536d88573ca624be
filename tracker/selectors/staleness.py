"""Indicators gone quiet: no accepted report within their cadence, or none at all."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from tracker.clock import today_utc
from tracker.models import Indicator, Observation, Relationship


@dataclass
class Staleness:
    indicator: Indicator
    last_observed: dt.date | None
    days_since: int | None


def stale_indicators(relationship: Relationship, *, today: dt.date | None = None):
    """Indicators with no accepted observation within their cadence (or none at all)."""
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
    stale = []
    for indicator in indicators.order_by("category__order", "name"):
        days = (today - indicator.last).days if indicator.last else None
        if days is None or days > indicator.cadence_days:
            stale.append(Staleness(indicator, indicator.last, days))
    return stale
