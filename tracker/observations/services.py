"""Writes to observations: every change goes through these functions.

Each validates with `full_clean()` before saving, records who made the change (in the
history), and never deletes: a wrong observation is corrected or retracted.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracker.models import Observation, Originator
from tracker.series.schedule import snapshots_schedule

# What a correction may change: what the analyst entered; provenance fields (recorded_at,
# analyst, reference) and status stay as they were.
CORRECTABLE_FIELDS = frozenset(Observation.ENTRY_FIELDS)


def observation_record(
    *,
    indicator,
    occurred_on,
    source,
    summary,
    credibility,
    analyst=None,
    precision=Observation.Precision.DAY,
    magnitude=None,
    value=None,
    stage=None,
    url="",
    quote="",
    originator=None,
    reliability="",
    caveat="",
    recorded_at=None,
    reference="",
) -> Observation:
    """Record a new observation. Without an originator, the publisher's own reporting is the
    originator; reliability defaults to the originator's usual grade."""
    originator = originator or Originator.for_source(source)
    observation = Observation(
        indicator=indicator,
        occurred_on=occurred_on,
        precision=precision,
        magnitude=magnitude,
        value=value,
        stage=stage,
        summary=summary,
        source=source,
        url=url,
        quote=quote,
        originator=originator,
        reliability=reliability or originator.default_reliability,
        credibility=credibility,
        caveat=caveat,
        analyst=analyst,
        recorded_at=recorded_at or timezone.now(),
        reference=reference,
    )
    observation.full_clean()
    observation_save(observation, by=analyst, reason="Recorded")
    snapshots_schedule(indicator_ids=[indicator.pk], since=occurred_on)
    return observation


def observation_correct(observation: Observation, *, by, reason="", **changes) -> Observation:
    """Correct an accepted observation; the previous version stays in its history."""
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown:
        raise ValueError(f"Not correctable: {', '.join(sorted(unknown))}")
    if observation.is_retracted:
        raise ValidationError("A retracted observation cannot be corrected; reinstate it first.")
    saved = Observation.objects.values("indicator_id", "occurred_on").get(pk=observation.pk)
    for field, new_value in changes.items():
        setattr(observation, field, new_value)
    observation.full_clean()
    observation_save(observation, by=by, reason=reason or "Corrected")
    _schedule(observation, saved)
    return observation


def observation_retract(observation: Observation, *, by, reason: str) -> Observation:
    """Retract an observation: it stops counting from now on but is never deleted."""
    if not reason.strip():
        raise ValidationError({"retraction_reason": "Say why the observation is retracted."})
    if observation.is_retracted:
        return observation
    observation.status = Observation.Status.RETRACTED
    observation.retracted_at = timezone.now()
    observation.retraction_reason = reason.strip()
    observation_save(observation, by=by, reason=f"Retracted: {reason.strip()}")
    _schedule(observation)
    return observation


def observation_reinstate(observation: Observation, *, by, reason: str) -> Observation:
    """Undo a retraction made in error; the retraction stays in the history."""
    if not observation.is_retracted:
        return observation
    observation.status = Observation.Status.ACCEPTED
    observation.retracted_at = None
    observation.retraction_reason = ""
    observation.full_clean()
    observation_save(observation, by=by, reason=f"Reinstated: {reason.strip()}")
    _schedule(observation)
    return observation


def _schedule(observation: Observation, saved: Mapping[str, Any] | None = None) -> None:
    """Refresh the series from the earliest date the change touches, old or new."""
    saved = saved or {
        "indicator_id": observation.indicator_id,
        "occurred_on": observation.occurred_on,
    }
    snapshots_schedule(
        indicator_ids={observation.indicator_id, saved["indicator_id"]},
        since=min(observation.occurred_on, saved["occurred_on"]),
    )


def observation_save(observation: Observation, *, by, reason: str, force_insert=False) -> None:
    """Save a validated observation, its history row naming who changed it and why (not left
    on the instance). Also the import's way in, which validates rows itself."""
    if by is not None:
        observation._history_user = by
    observation._change_reason = reason[:100]
    try:
        with transaction.atomic():
            observation.save(force_insert=force_insert)
    finally:
        observation.__dict__.pop("_history_user", None)
        observation.__dict__.pop("_change_reason", None)
