"""An indicator's page: its daily readings, its observations and their history."""

from django.db.models import Max

from tracker.models import Indicator, IndicatorReading, Observation


def indicator_readings(indicator: Indicator, *, start=None, end=None) -> list[IndicatorReading]:
    # "indicator" too: the related manager sets it on every row, and a deferred FK would
    # cost one query per row.
    readings = indicator.readings.order_by("date").only("indicator", "date", "reading", "alliance")
    if start:
        readings = readings.filter(date__gte=start)
    if end:
        readings = readings.filter(date__lte=end)
    return list(readings)


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
    """Each of these indicators' reading on the latest day stored for any of them."""
    stored = IndicatorReading.objects.filter(indicator__in=indicators)
    last = stored.aggregate(last=Max("date"))["last"]
    return dict(stored.filter(date=last).values_list("indicator_id", "reading"))
