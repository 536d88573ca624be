"""Schedule a refresh of the stored series after a change, so that no change goes unscored.

A change records, in its own transaction, that its relationship needs a recompute from a day
(`PendingRecompute`, merged with what is already pending); enqueueing the job once the
change commits is only an optimisation on top. Whatever happens to the message (a broker
outage, a worker killed mid-job, a database that was unreachable), the row stays until a
recompute has covered it, and the periodic sweep (`overdue_recomputes`) asks again.
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tracker.jobs import enqueue_on_commit
from tracker.models import Indicator, PendingRecompute, Relationship
from tracker.series.refresh import RefreshReport, snapshots_refresh

RECOMPUTE = "tracker.tasks.recompute_pending"


def snapshots_schedule(*, indicator_ids: Iterable[int], since: dt.date | None) -> None:
    """Record that what these indicators feed needs a refresh from `since` (None: a full
    rebuild), and enqueue it once the current transaction commits. A rolled-back change (a
    dry-run import) records and enqueues nothing."""
    wanted = sorted(set(indicator_ids))
    relationships: dict[int, list[int]] = {}
    for pk, relationship_id in Indicator.objects.filter(pk__in=wanted).values_list(
        "pk", "relationship_id"
    ):
        relationships.setdefault(relationship_id, []).append(pk)
    for relationship_id, ours in sorted(relationships.items()):
        _record_pending(relationship_id, since, ours)
        enqueue_on_commit(RECOMPUTE, relationship_id)


def _record_pending(relationship_id: int, since: dt.date | None, indicators: list[int]) -> None:
    with transaction.atomic():
        pending, created = PendingRecompute.objects.select_for_update().get_or_create(
            relationship_id=relationship_id,
            defaults={"since": since, "indicators": [] if since is None else indicators},
        )
        if created:
            return
        if since is None or pending.since is None:  # a full rebuild covers everything
            pending.since, pending.indicators = None, []
        else:
            pending.since = min(pending.since, since)
            pending.indicators = sorted(set(pending.indicators) | set(indicators))
        pending.version += 1
        pending.requested_at = timezone.now()
        pending.save()


def catalogue_changed(*, indicator_ids: Iterable[int]) -> None:
    """An edit to the catalogue (an indicator's parameters or ladder, a relationship's bands)
    moves every day of what it touches: rebuild those relationships in full, after the
    commit."""
    snapshots_schedule(indicator_ids=indicator_ids, since=None)


@transaction.atomic
def snapshots_refresh_pending(relationship: Relationship) -> RefreshReport | None:
    """Refresh what is pending for `relationship` and clear it, in one transaction; None if
    nothing is. A change merged in meanwhile (a newer version) stays pending for its job."""
    pending = PendingRecompute.objects.filter(relationship=relationship).first()
    if pending is None:
        return None
    report = snapshots_refresh(
        relationship,
        since=pending.since,
        indicator_ids=pending.indicators if pending.since is not None else None,
    )
    PendingRecompute.objects.filter(pk=pending.pk, version=pending.version).delete()
    return report


def snapshots_rebuild(relationship: Relationship, **refresh) -> RefreshReport:
    """A full (or explicit) refresh, which also covers what was pending before it began."""
    with transaction.atomic():
        seen = PendingRecompute.objects.filter(relationship=relationship).first()
        report = snapshots_refresh(relationship, **refresh)
        if seen is not None and refresh.get("since") is None:
            PendingRecompute.objects.filter(pk=seen.pk, version=seen.version).delete()
    return report


def overdue_recomputes(*, now: dt.datetime | None = None) -> list[int]:
    """The relationships whose pending recompute has waited longer than any job should."""
    # A job normally starts within seconds of its change (settings: two minutes' grace).
    overdue = dt.timedelta(seconds=settings.RECOMPUTE_OVERDUE_SECONDS)
    cutoff = (now or timezone.now()) - overdue
    return list(
        PendingRecompute.objects.filter(requested_at__lte=cutoff)
        .order_by("requested_at")
        .values_list("relationship_id", flat=True)
    )
