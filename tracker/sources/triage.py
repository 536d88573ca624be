"""Decisions on signals: an analyst accepts one into an observation or dismisses it, or a
refresh job records a structured item itself; an analyst may undo a decision. Each decision
is recorded (who, when, why) in the signal's history, and nothing is deleted: undoing an
acceptance retracts its observation."""

import urllib.parse
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tracker.models import Observation, Reliability, Signal, Source
from tracker.observations.services import observation_record, observation_retract


@dataclass(frozen=True)
class NewSource:
    """A publisher to add to the source list, as triage proposes it from what an item
    credits (the analyst confirms, and may change, each field)."""

    name: str
    homepage: str = ""
    kind: str = Source.Kind.NEWS
    # Nothing is known of an outlet met for the first time: its reliability cannot be judged.
    default_reliability: str = Reliability.F


@dataclass(frozen=True)
class Outlet:
    """Who published a signal's item: a known source, a new one to propose, or neither."""

    source: Source | None = None
    proposed: NewSource | None = None
    note: str = ""  # how it was found, or why none was chosen


def signal_outlet(signal: Signal) -> Outlet:
    """The publisher of a signal's item, for the observation's source.

    The name the item credits (a relaying feed's <source>) is looked up among the known
    sources, then the host of the item's link among their homepages; an outlet named but
    unknown is proposed as a new source; an item that names no one and links to no known
    site is the feed's own.
    """
    named = str((signal.proposal or {}).get("outlet", "")).strip()
    if named and (known := Source.objects.filter(name__iexact=named).first()):
        return Outlet(known, note=f"The item credits “{named}”.")
    host = site(signal.url)
    if host:
        sites = [s for s in Source.objects.exclude(homepage="") if _same_site(host, s.homepage)]
        if len(sites) > 1 and signal.source in sites:
            sites = [signal.source]
        if len(sites) == 1:
            return Outlet(sites[0], note=f"The item links to {host}, {sites[0].name}'s site.")
        if sites:
            names = ", ".join(s.name for s in sites)
            return Outlet(note=f"Several known sources are on {host} ({names}): choose one.")
    if named:
        homepage = f"https://{urllib.parse.urlsplit(signal.url).hostname}/" if host else ""
        return Outlet(
            proposed=NewSource(named, homepage=homepage),
            note=f"The item credits “{named}”, not yet a known source.",
        )
    return Outlet(signal.source, note="The item names no other publisher than the feed.")


def site(url: str) -> str:
    """The host of `url` without a leading "www.", lower case, or ""."""
    try:
        host = urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _same_site(host: str, homepage: str) -> bool:
    """Whether `host` is the homepage's host or one of its subdomains."""
    home = site(homepage)
    return bool(home) and (host == home or host.endswith(f".{home}"))


def signal_accept(signal, *, by, new_source: NewSource | None = None, **observation) -> Observation:
    """Turn a triaged signal into an observation; the decision (who, when) is recorded.

    With `new_source`, the publisher is added to the source list first, in the same
    transaction: an observation that fails validation leaves no source behind.
    """
    with transaction.atomic():
        signal = _undecided(signal)
        if new_source is not None:
            observation["source"] = source_add(new_source, by=by)
        recorded = observation_record(analyst=by, **observation)
        signal.state = Signal.State.ACCEPTED
        signal.observation = recorded
        _decide(signal, by)
    return recorded


def source_add(proposed: NewSource, *, by) -> Source:
    """Add a publisher to the source list (validated like the workbench's form)."""
    source = Source(
        name=proposed.name.strip(),
        homepage=proposed.homepage.strip(),
        kind=proposed.kind,
        default_reliability=proposed.default_reliability,
    )
    source.full_clean()
    source._history_user = by  # type: ignore[attr-defined]
    source._change_reason = "Added in triage"  # type: ignore[attr-defined]
    source.save()
    return source


def signal_dismiss(signal, *, by):
    """Set a signal aside (not evidence, or a duplicate); the decision is recorded."""
    with transaction.atomic():
        signal = _undecided(signal)
        signal.state = Signal.State.DISMISSED
        _decide(signal, by)
    return signal


def signal_undo(signal, *, by, reason: str = "") -> Signal:
    """Return a decided signal to the queue, saying why.

    An accepted signal's observation is retracted (never deleted) with the reason; the
    signal's history keeps the decision undone, and the observation it made.
    """
    reason = reason.strip()
    with transaction.atomic():
        signal = Signal.objects.select_for_update().get(pk=signal.pk)
        if signal.state == Signal.State.NEW:
            raise ValidationError("This signal is not decided: there is nothing to undo.")
        if signal.state == Signal.State.ACCEPTED:
            # Checked here, under the lock: the signal may have been accepted since the
            # caller looked, and undoing an acceptance retracts an observation.
            if by is not None and not by.has_perm("tracker.change_observation"):
                raise PermissionDenied("Undoing an acceptance retracts its observation.")
            if not reason:
                raise ValidationError(
                    {"reason": "Say why: the reason is kept with the retracted observation."}
                )
            observation = Observation.objects.select_for_update().get(pk=signal.observation_id)
            others = observation.signals.exclude(pk=signal.pk).count()
            if others:
                raise ValidationError(
                    f"Its observation also records {others} other signal(s): retract the "
                    "observation itself in the workbench."
                )
            observation_retract(observation, by=by, reason=f"Triage undone: {reason}")
        undone = signal.get_state_display().lower()
        signal.state = Signal.State.NEW
        signal.observation = None
        signal.decided_by = None
        signal.decided_at = None
        signal._history_user = by
        signal._change_reason = f"Undone ({undone}): {reason}"[:100] if reason else "Undone"
        signal.save()
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
