"""The Celery app: refresh, recompute and alert jobs (tasks in tracker/tasks.py).

Broker: Redis when REDIS_URL is set; otherwise kombu's filesystem transport in var/celery,
which needs no server, so `make run` runs web, worker and beat on one machine.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# DjangoTask gives every task delay_on_commit: enqueue only once the transaction commits.
app = Celery("entente", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
