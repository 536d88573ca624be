"""Schedule a refresh of the stored series after a change, by job name (tracker.jobs)."""

import datetime as dt
from collections.abc import Iterable

from tracker.jobs import enqueue_on_commit
from tracker.models import Indicator

RECOMPUTE = "tracker.tasks.recompute_snapshots"


def snapshots_schedule(*, indicator_ids: Iterable[int], since: dt.date | None) -> None:
    """Once the current transaction commits, enqueue a refresh of what these indicators
    feed, from `since` (None: a full rebuild). A rolled-back change (a dry-run import)
    enqueues nothing."""
    wanted = sorted(set(indicator_ids))
    relationships: dict[int, list[int]] = {}
    for pk, relationship_id in Indicator.objects.filter(pk__in=wanted).values_list(
        "pk", "relationship_id"
    ):
        relationships.setdefault(relationship_id, []).append(pk)
    for relationship_id, ours in sorted(relationships.items()):
        enqueue_on_commit(
            RECOMPUTE,
            relationship_id,
            since.isoformat() if since else None,
            None if since is None else ours,
        )


def catalogue_changed(*, indicator_ids: Iterable[int]) -> None:
    """An edit to the catalogue (an indicator's parameters or ladder, a relationship's bands)
    moves every day of what it touches: rebuild those relationships in full, after the
    commit."""
    snapshots_schedule(indicator_ids=indicator_ids, since=None)
