"""Celery jobs. Thin: ids in, a service does the work; here lives only the retry policy.

Every job is idempotent (a rerun changes nothing), so all run with acks_late: a job whose
worker dies is delivered again rather than lost. Network faults, and a database the worker
cannot reach, are retried with exponential backoff and jitter (a database fault must not ack
the job away); bad input is recorded where it belongs and not retried. A recompute a change
asked for is recorded with the change (tracker.series.schedule), so even a job lost for good
is asked for again by the sweep.
"""

import datetime as dt
import logging
import urllib.error

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

from tracker.alerts import (
    alert_send,
    alerts_evaluate,
    alerts_stale,
    alerts_unscorable,
    verdict_state,
)
from tracker.forecasts.service import forecasts_refresh
from tracker.models import Relationship, Source
from tracker.observations import imports
from tracker.scoring.inputs import parse_min_grade
from tracker.selectors.series import view_compute
from tracker.series.schedule import (
    overdue_recomputes,
    snapshots_rebuild,
    snapshots_refresh_pending,
)
from tracker.signals import series_refreshed
from tracker.sources.base import FetchError
from tracker.sources.refresh import source_failed, source_refresh

logger = logging.getLogger(__name__)

# Network faults: retried with exponential backoff (full jitter) from 30 s, capped at 15 min.
RETRY_BACKOFF, RETRY_BACKOFF_MAX, MAX_RETRIES = 30, 900, 5
# The database gone away (restart, failover, network): retried the same way.
DATABASE_FAULTS = (OperationalError, InterfaceError)


def backoff(task, *, at_least: float | None = None) -> float:
    """Exponential backoff with full jitter, capped at retry_backoff_max; a server's
    Retry-After is honoured up to that cap (a longer wait would outlive the broker's
    visibility timeout, and Redis would hand the held job out a second time)."""
    delay = get_exponential_backoff_interval(
        factor=task.retry_backoff,
        retries=task.request.retries,
        maximum=task.retry_backoff_max,
        full_jitter=True,
    )
    return min(max(delay, at_least or 0), task.retry_backoff_max)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def refresh_sources() -> int:
    """Enqueue a refresh of every enabled source with an adapter (hourly)."""
    sources = list(
        Source.objects.filter(enabled=True).exclude(adapter="").values_list("pk", flat=True)
    )
    for pk in sources:
        refresh_source.delay(pk)
    logger.info("refresh of %d enabled source(s) enqueued", len(sources))
    return len(sources)


@shared_task(
    acks_late=True,
    bind=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def refresh_source(self, source_id: int) -> str:
    """Fetch, parse and store one source; a network fault is retried, nothing else."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return "no such source"
    try:
        outcome = source_refresh(source)
    except FetchError as error:
        raise self.retry(exc=error, countdown=backoff(self, at_least=error.retry_after)) from error
    except SoftTimeLimitExceeded:
        # Leave a trace for operators; the next hourly run tries again.
        limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
        source_failed(source, f"the refresh took longer than {limit} s and was stopped")
        raise
    return str(outcome)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def recompute_pending(relationship_id: int) -> str:
    """Bring a relationship's series up to date with what its changes left pending."""
    relationship = Relationship.objects.filter(pk=relationship_id).first()
    if relationship is None:
        return "no such relationship"
    before = verdict_state(relationship)
    report = snapshots_refresh_pending(relationship)
    if report is None:
        return f"{relationship.slug}: nothing pending"
    evaluate_alerts.delay(relationship_id, before)
    forecast_questions.delay(relationship_id)
    logger.info("%s", report)
    refreshed(relationship)
    return str(report)


def refreshed(relationship: Relationship) -> None:
    """Tell the read side that the series is new (it warms its pages). A receiver's fault is
    logged, never raised: the recompute it follows has already been stored."""
    for receiver, outcome in series_refreshed.send_robust(Relationship, relationship=relationship):
        if isinstance(outcome, Exception):
            logger.error(
                "after the recompute of %s, %s failed: %r",
                relationship.slug,
                getattr(receiver, "__qualname__", receiver),
                outcome,
                exc_info=outcome,
            )


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def forecast_questions(relationship_id: int) -> int:
    """Resolve a relationship's questions by their rules and forecast each day, as known
    on that day (after each recompute, and daily); send the alerts a move raises."""
    relationship = Relationship.objects.filter(pk=relationship_id).first()
    if relationship is None:
        return 0
    raised = forecasts_refresh(relationship)
    for alert in raised:
        send_alert.delay(alert.pk)
    return len(raised)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def recompute_overdue() -> int:
    """Ask again for every recompute still pending long after its change (every minute):
    its message was lost, its worker died, or the broker was down when it was sent."""
    overdue = overdue_recomputes()
    for pk in overdue:
        recompute_pending.delay(pk)
    if overdue:
        logger.warning("re-enqueued %d overdue recompute(s): %s", len(overdue), overdue)
    return len(overdue)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def recompute_snapshots(
    relationship_id: int, since: str | None = None, indicator_ids: list[int] | None = None
) -> str:
    """Refresh a relationship's series from `since` (ISO date; None: all), then alerts."""
    relationship = Relationship.objects.filter(pk=relationship_id).first()
    if relationship is None:
        return "no such relationship"
    before = verdict_state(relationship)
    report = snapshots_rebuild(
        relationship,
        since=dt.date.fromisoformat(since) if since else None,
        indicator_ids=indicator_ids,
    )
    evaluate_alerts.delay(relationship_id, before)
    forecast_questions.delay(relationship_id)
    logger.info("%s", report)
    refreshed(relationship)
    return str(report)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def recompute_all() -> int:
    """Rebuild every relationship's series (nightly: decay moves on every day)."""
    relationships = list(Relationship.objects.values_list("pk", flat=True))
    for pk in relationships:
        recompute_snapshots.delay(pk)
    return len(relationships)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def evaluate_alerts(relationship_id: int, before: dict | None) -> int:
    """Raise what changed since `before` (the verdict before the recompute); send each."""
    relationship = Relationship.objects.filter(pk=relationship_id).first()
    if relationship is None:
        return 0
    raised = alerts_evaluate(relationship, before) + alerts_unscorable(relationship)
    for alert in raised:
        send_alert.delay(alert.pk)
    return len(raised)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def check_stale_indicators() -> int:
    """Raise an alert for each indicator that has gone stale (daily); forecast again, for
    each day brings a question's close nearer."""
    raised = [alert for r in Relationship.objects.all() for alert in alerts_stale(r)]
    for pk in Relationship.objects.values_list("pk", flat=True):
        forecast_questions.delay(pk)
    for alert in raised:
        send_alert.delay(alert.pk)
    return len(raised)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, urllib.error.URLError),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def send_alert(alert_id: int) -> None:
    """E-mail and post one alert, each once; mail and webhook faults are retried."""
    alert_send(alert_id)


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    time_limit=imports.TIME_LIMIT,
    soft_time_limit=imports.TIME_LIMIT - 60,
)
def import_observations(import_id: int) -> str:
    """Check an uploaded file of observations, or import it once confirmed."""
    try:
        return imports.import_run(import_id)
    except SoftTimeLimitExceeded:
        imports.import_timed_out(import_id)
        return f"import {import_id}: stopped at the time limit"


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_FAULTS,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def import_overdue() -> int:
    """Ask again for every import still running long after any job could (every minute)."""
    overdue = imports.overdue_imports()
    for pk in overdue:
        import_observations.delay(pk)
    if overdue:
        logger.warning("re-enqueued %d overdue import(s): %s", len(overdue), overdue)
    return len(overdue)


@shared_task(acks_late=True)  # no retries: the page asks again, and says if the job failed
def compute_view(relationship_id: int, as_of: str | None, min_grade: str, asked: str) -> str:
    """Score a view "as known on" a date or above a grade, for the page that asked."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return view_compute(relationship_id, day, parse_min_grade(min_grade), asked)
