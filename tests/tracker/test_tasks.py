"""The jobs' reliability settings, checked for every task, their retries and schedules."""

import datetime as dt
import json
import urllib.error
from collections import Counter

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.celery import app
from tests.clock import TODAY
from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
    SourceFactory,
)
from tests.integration.support import FeedServer, free_port
from tracker import tasks
from tracker.models import Alert, Snapshot, Source
from tracker.sources.base import FetchError

OURS = sorted(name for name in app.tasks if name.startswith("tracker."))


def catalogue(indicators: int):
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    return relationship, [IndicatorFactory(relationship=relationship) for _ in range(indicators)]


@pytest.mark.django_db
def test_each_schedule_runs_its_job_by_name():
    """Beat sends a schedule's task by the name stored in the database: each name must be a
    registered task that accepts the stored arguments and does its job."""
    relationship, [fresh, stale] = catalogue(2)  # cadence 180 days
    ObservationFactory(indicator=fresh, occurred_on=TODAY - dt.timedelta(days=10))
    ObservationFactory(indicator=stale, occurred_on=TODAY - dt.timedelta(days=400))
    results = {
        schedule.name: app.tasks[schedule.task].apply(
            args=json.loads(schedule.args), kwargs=json.loads(schedule.kwargs)
        )
        for schedule in PeriodicTask.objects.filter(task__startswith="tracker.")
    }
    assert {name: result.state for name, result in results.items()} == {
        "Refresh enabled sources": "SUCCESS",
        "Recompute snapshots": "SUCCESS",
        "Check stale indicators": "SUCCESS",
        "Finish overdue recomputes": "SUCCESS",
        "Finish overdue imports": "SUCCESS",
    }
    assert results["Refresh enabled sources"].result == 0  # no source is enabled
    assert results["Recompute snapshots"].result == 1  # one relationship rebuilt...
    assert Snapshot.objects.filter(relationship=relationship, date=TODAY).exists()
    assert results["Check stale indicators"].result == 1  # ...one indicator gone quiet
    assert results["Finish overdue recomputes"].result == 0  # nothing was left pending
    assert results["Finish overdue imports"].result == 0
    last = TODAY - dt.timedelta(days=400)
    assert Alert.objects.get(kind=Alert.Kind.STALE).key == f"stale:{stale.pk}:{last}"


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


@pytest.fixture
def attempts():
    """How many times each job started. Eager mode runs a retry at once, in the same call,
    when failures are returned rather than raised (Celery re-applies with the default)."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    started = Counter()

    def note(sender, **_):
        started[sender.name] += 1

    task_prerun.connect(note, weak=False)
    yield started
    task_prerun.disconnect(note)
    app.conf.task_eager_propagates = propagates


@pytest.mark.django_db
def test_a_network_fault_is_retried_until_max_retries_then_raised(attempts, loopback_feeds):
    answers = {"/feed/down": (503, {})}
    with FeedServer(b"", answers=answers) as feed:
        source = SourceFactory(adapter=Source.Adapter.RSS, feed_url=feed.url("/feed/down"))
        result = tasks.refresh_source.apply((source.pk,))
        assert feed.statuses() == [503] * 6  # the first attempt and five retries
    assert result.state == "FAILURE"
    assert isinstance(result.result, FetchError) and "HTTP 503" in str(result.result)
    assert attempts["tracker.tasks.refresh_source"] == 6
    source.refresh_from_db()
    assert (source.failures, source.last_success_at) == (6, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((404, {}), "HTTP 404"),  # gone for good
        (None, "not well-formed"),  # the server answers, the body is not a feed
    ],
)
def test_bad_input_and_refusals_are_recorded_not_retried(attempts, answer, error, loopback_feeds):
    answers = {"/feed/x": answer} if answer else {}
    with FeedServer(b"<rss><channel><item>", answers=answers) as feed:
        source = SourceFactory(adapter=Source.Adapter.RSS, feed_url=feed.url("/feed/x"))
        result = tasks.refresh_source.apply((source.pk,))
        assert len(feed.statuses()) == 1
    assert result.state == "SUCCESS"
    assert attempts["tracker.tasks.refresh_source"] == 1
    source.refresh_from_db()
    assert source.failures == 1
    assert error in source.last_error


@pytest.mark.django_db
def test_an_alert_whose_webhook_is_unreachable_is_retried_and_stays_unsent(attempts, settings):
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens
    relationship = RelationshipFactory()
    alert = Alert.objects.create(
        relationship=relationship, kind=Alert.Kind.BAND, key="band:1", title="t", message="m"
    )
    result = tasks.send_alert.apply((alert.pk,))
    assert (result.state, type(result.result)) == ("FAILURE", urllib.error.URLError)
    assert attempts["tracker.tasks.send_alert"] == 6
    alert.refresh_from_db()
    assert alert.posted_at is None  # the claim is released: a later run may send it


@pytest.mark.django_db
def test_schedules_are_created_by_migration_and_editable():
    schedules = {t.name: t for t in PeriodicTask.objects.all()}
    assert schedules["Refresh enabled sources"].interval.every == 1
    assert schedules["Refresh enabled sources"].interval.period == "hours"
    assert schedules["Recompute snapshots"].crontab.hour == "2"
    assert schedules["Check stale indicators"].task == "tracker.tasks.check_stale_indicators"
    sweep = schedules["Finish overdue recomputes"]
    assert (sweep.task, sweep.interval.every, sweep.interval.period) == (
        "tracker.tasks.recompute_overdue",
        1,
        "minutes",
    )


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
