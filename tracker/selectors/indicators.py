"""An indicator's page: its daily readings, its observations and their history."""

import datetime as dt
from dataclasses import dataclass

from tracker.models import Indicator, Observation
from tracker.series import store


@dataclass(frozen=True)
class Reading:
    """An indicator's computed reading on one day (what its chart draws)."""

    date: dt.date
    reading: float
    alliance: float


def indicator_readings(indicator: Indicator, *, start=None, end=None, window=None) -> list[Reading]:
    """The indicator's daily readings from `start` to `end` (None: from the first, to the
    last stored day); or over the dates `window(first, last)` chooses within what is stored
    (a view's period)."""
    held = store.bounds(indicator.pk)
    if held is None:
        return []
    if window is not None:
        start, end = window(*held)
    start, end = max(start or held[0], held[0]), min(end or held[1], held[1])
    rows = store.window([indicator.pk], start, end, firsts={indicator.pk: held[0]})
    if indicator.pk not in rows:
        return []
    r, a = store.COLUMN["reading"], store.COLUMN["alliance"]
    return [
        Reading(start + dt.timedelta(days=n), reading, alliance)
        for n, (reading, alliance) in enumerate(rows[indicator.pk][:, [r, a]].tolist())
    ]


def indicator_observations(indicator: Indicator):
    """Every observation of an indicator, retracted ones included, newest first."""
    return indicator.observations.select_related(
        "source", "originator", "stage", "analyst", "shared_event"
    ).order_by("-occurred_on", "-recorded_at", "-pk")


def attach_shared(observations: list[Observation]) -> None:
    """Give each observation of a shared event `shared_with`: the other relationships'
    accepted observations of that event (with their indicator and relationship), in one
    query for the lot."""
    events = {o.shared_event_id for o in observations} - {None}
    others: dict[int | None, list[Observation]] = {}
    if events:
        linked = (
            Observation.objects.accepted()
            .filter(shared_event_id__in=events)
            .select_related("indicator__relationship")
            .order_by("indicator__relationship__title", "indicator__name", "pk")
        )
        for other in linked:
            others.setdefault(other.shared_event_id, []).append(other)
    for observation in observations:
        observation.shared_with = [  # type: ignore[attr-defined]
            other
            for other in others.get(observation.shared_event_id, [])
            if other.indicator.relationship_id != observation.indicator.relationship_id
        ]


def indicator_history(indicator: Indicator, limit: int = 30):
    """The latest changes to an indicator's observations: who changed what, when and why."""
    return (
        Observation.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )


def latest_readings(indicators) -> dict[int, float]:
    """Each of these indicators' reading on the last day stored for it."""
    return store.latest(indicators.values_list("pk", flat=True))
