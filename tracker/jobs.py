"""Enqueue a job by its task's name once the current transaction commits.

The domain never imports the task layer (`tracker.tasks` imports the domain): a write names
the job it needs, as Zulip's `queue_event_on_commit` names a queue. A rolled-back change
enqueues nothing. If the broker is down when the change commits, the change stands and the
failure is logged; the nightly rebuild brings the series up to date.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: str, *args) -> None:
    """After the commit, send `task` (a registered task's name) with `args`."""

    def enqueue() -> None:
        # The registered task itself, not send_task: it honours eager mode (tests, scripts).
        current_app.tasks[task].apply_async(args)

    transaction.on_commit(enqueue, robust=True)
