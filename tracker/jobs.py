"""Enqueue a job by its task's name once the current transaction commits.

The domain never imports the task layer (`tracker.tasks` imports the domain): a write names
the job it needs, as Zulip's `queue_event_on_commit` names a queue. A rolled-back change
enqueues nothing. If the broker is down when the change commits, the change stands and the
failure is logged in one line; what the change recorded (a pending recompute, an import's
status) is asked for again by the minutely sweep.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: str, *args) -> None:
    """After the commit, send `task` (a registered task's name) with `args`."""

    def enqueue() -> None:
        # The registered task itself, not send_task: it honours eager mode (tests, scripts).
        try:
            current_app.tasks[task].apply_async(args)
        except BrokerError as error:  # the broker is unreachable (not a fault of the job)
            logger.warning(
                "could not enqueue %s%r (%s); the sweep will ask again", task, args, error
            )

    transaction.on_commit(enqueue, robust=True)


def enqueue_now(task: str, *args) -> None:
    """Send `task` now, outside any transaction's fate (a read asking for work)."""
    current_app.tasks[task].apply_async(args)
