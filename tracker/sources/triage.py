"""Decisions on signals: an analyst accepts one into an observation or dismisses it, or a
refresh job records a structured item itself. Each decision is recorded (who, when)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracker.models import Observation, Signal
from tracker.observations.services import observation_record


def signal_accept(signal, *, by, **observation) -> Observation:
    """Turn a triaged signal into an observation; the decision (who, when) is recorded."""
    with transaction.atomic():
        signal = _undecided(signal)
        recorded = observation_record(analyst=by, **observation)
        signal.state = Signal.State.ACCEPTED
        signal.observation = recorded
        _decide(signal, by)
    return recorded


def signal_dismiss(signal, *, by):
    """Set a signal aside (not evidence, or a duplicate); the decision is recorded."""
    with transaction.atomic():
        signal = _undecided(signal)
        signal.state = Signal.State.DISMISSED
        _decide(signal, by)
    return signal


def _undecided(signal) -> Signal:
    """The signal, locked; one decision per signal even when two analysts click at once."""
    signal = Signal.objects.select_for_update().get(pk=signal.pk)
    if signal.state != Signal.State.NEW:
        raise ValidationError(f"This signal was already {signal.get_state_display().lower()}.")
    return signal


def _decide(signal, by) -> None:
    signal.decided_by = by
    signal.decided_at = timezone.now()
    signal._history_user = by
    signal._change_reason = signal.get_state_display()
    signal.save()


def signal_recorded_by_job(signal: Signal, observation: Observation) -> None:
    """Mark a signal as recorded by a refresh job (no analyst decided it)."""
    signal.state = Signal.State.ACCEPTED
    signal.observation = observation
    signal.decided_at = signal.decided_at or timezone.now()
    signal._change_reason = "Recorded by the refresh job"
    signal.save()
