"""The jobs' reliability settings, checked for every task, and their schedules."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.celery import app
from tracker import tasks

OURS = sorted(name for name in app.tasks if name.startswith("tracker."))


def test_every_job_is_registered():
    assert set(OURS) == {
        "tracker.tasks.refresh_sources",
        "tracker.tasks.refresh_source",
        "tracker.tasks.recompute_snapshots",
        "tracker.tasks.recompute_all",
        "tracker.tasks.evaluate_alerts",
        "tracker.tasks.check_stale_indicators",
        "tracker.tasks.send_alert",
    }


@pytest.mark.parametrize("name", OURS)
def test_each_task_is_acked_late_and_ends_before_redelivery(name):
    task = app.tasks[name]
    assert task.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    limit = task.time_limit or app.conf.task_time_limit
    soft = task.soft_time_limit or app.conf.task_soft_time_limit
    visibility = app.conf.broker_transport_options.get(
        "visibility_timeout", settings.CELERY_VISIBILITY_TIMEOUT
    )
    assert limit and soft and soft < limit < visibility


def test_one_job_at_a_time_per_worker_process():
    assert app.conf.worker_prefetch_multiplier == 1


def test_only_network_faults_are_retried():
    assert tasks.refresh_source.max_retries == 5
    assert tasks.send_alert.autoretry_for == (OSError, __import__("urllib.error").error.URLError)
    for name in OURS:
        if name not in {"tracker.tasks.refresh_source", "tracker.tasks.send_alert"}:
            assert not getattr(app.tasks[name], "autoretry_for", ())


@pytest.mark.django_db
def test_schedules_are_created_by_migration_and_editable():
    schedules = {t.name: t for t in PeriodicTask.objects.all()}
    assert schedules["Refresh enabled sources"].interval.every == 1
    assert schedules["Refresh enabled sources"].interval.period == "hours"
    assert schedules["Recompute snapshots"].crontab.hour == "2"
    assert schedules["Check stale indicators"].task == "tracker.tasks.check_stale_indicators"


def test_settings_refuse_a_time_limit_above_the_visibility_timeout():
    from tests.test_project import PRODUCTION, manage

    result = manage(
        "check", **PRODUCTION, CELERY_VISIBILITY_TIMEOUT="60", CELERY_TASK_TIME_LIMIT="120"
    )
    assert result.returncode != 0
    assert "CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT" in result.stderr


class FakeRequest:
    def __init__(self, retries):
        self.retries = retries


@pytest.mark.parametrize("retries", [0, 1, 3, 10])
def test_backoff_grows_with_jitter_and_a_cap(retries, monkeypatch):
    task = tasks.refresh_source
    monkeypatch.setattr(type(task), "request", FakeRequest(retries), raising=False)
    delays = [tasks.backoff(task) for _ in range(50)]
    assert all(0 <= d <= min(30 * 2**retries, 900) for d in delays)
    assert len(set(delays)) > 1  # jitter
    assert tasks.backoff(task, at_least=86_400) == 900  # Retry-After, capped
    assert tasks.backoff(task, at_least=901) == 900
