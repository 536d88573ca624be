"""An indicator's page: its daily readings, its observations and their history."""

from tracker.models import Indicator, IndicatorSignal, Observation


def indicator_signals(indicator: Indicator, *, start=None, end=None) -> list[IndicatorSignal]:
    # "indicator" too: the related manager sets it on every row, and a deferred FK would
    # cost one query per row.
    signals = indicator.signals.order_by("date").only("indicator", "date", "signal", "alliance")
    if start:
        signals = signals.filter(date__gte=start)
    if end:
        signals = signals.filter(date__lte=end)
    return list(signals)


def indicator_observations(indicator: Indicator):
    """Every observation of an indicator, retracted ones included, newest first."""
    return indicator.observations.select_related("source", "stage", "analyst").order_by(
        "-occurred_on", "-recorded_at", "-pk"
    )


def indicator_history(indicator: Indicator, limit: int = 30):
    """The latest changes to an indicator's observations: who changed what, when and why."""
    return (
        Observation.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
