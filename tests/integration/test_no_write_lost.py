"""Every write is scored exactly once in the end, whatever the jobs meet: Redis stopped while
the write commits, the worker killed in the middle of the recompute, a worker that cannot
reach the database. Real workers on a private Redis, the sweep sent as beat would send it.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tests.factories import IndicatorFactory, RelationshipFactory, ScenarioFactory, SourceFactory
from tests.integration.support import database_url, free_port, wait_until, worker_env
from tracker.models import Observation, ObservationScore, PendingRecompute, Relationship
from tracker.observations import services
from tracker.tasks import recompute_overdue

pytestmark = pytest.mark.django_db(transaction=True)

JOB = 45  # seconds for a job's effect to show, worker started


def catalogue():
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    return relationship, IndicatorFactory(relationship=relationship)


def record(indicator, summary="Drones delivered."):
    """A write through the services, committed (its recompute is enqueued on commit)."""
    return services.observation_record(
        indicator=indicator,
        occurred_on=timezone.now().date() - dt.timedelta(days=5),
        source=SourceFactory(),
        summary=summary,
        credibility=2,
        magnitude=3,
    )


def scored_once(observation) -> bool:
    """The write counts in the stored series, once, and nothing is left pending."""
    return (
        ObservationScore.objects.filter(observation=observation).count() == 1
        and not PendingRecompute.objects.exists()
    )


def sweeper_env(redis):
    """A worker whose sweep treats anything pending as overdue (beat's minute, compressed)."""
    return worker_env(REDIS_URL=redis.url, RECOMPUTE_OVERDUE_SECONDS="0")


def test_a_write_while_redis_is_down_answers_once_and_is_scored_when_it_is_back(
    private_redis, use_broker, start_worker, analyst
):
    relationship, indicator = catalogue()
    use_broker(private_redis.url, {"visibility_timeout": 3600})
    private_redis.shutdown()

    client = Client()
    client.force_login(analyst)
    response = client.post(
        f"/indicators/{indicator.slug}/observations/",
        {
            "occurred_on": (timezone.now().date() - dt.timedelta(days=5)).isoformat(),
            "precision": "day",
            "magnitude": "3",
            "summary": "Written while Redis was down.",
            "source": SourceFactory().pk,
            "credibility": "2",
        },
    )
    assert response.status_code == 302  # the write stands, answered once
    [observation] = Observation.objects.all()
    assert PendingRecompute.objects.filter(relationship=relationship).exists()

    private_redis.start()
    worker = start_worker(sweeper_env(private_redis))
    recompute_overdue.delay()  # what beat sends every minute
    wait_until(
        lambda: scored_once(observation),
        JOB,
        "the sweep has the write scored",
        diagnostics=worker.tail,
    )
    assert Observation.objects.count() == 1
    assert worker.count(r"re-enqueued 1 overdue recompute") == 1


def test_a_worker_killed_mid_recompute_loses_nothing(private_redis, use_broker, start_worker):
    relationship, indicator = catalogue()
    use_broker(private_redis.url, {"visibility_timeout": 3600})  # an hour, as deployed
    observation = record(indicator)  # enqueued; no worker yet

    # Hold the relationship's lock, so that the recompute is caught in the middle.
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                Relationship.objects.select_for_update().get(pk=relationship.pk)
                Relationship.objects.filter(pk=relationship.pk).update(title=relationship.title)
                held.set()
                release.wait(JOB)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert held.wait(10), "the test could not take the relationship's lock"
        first = start_worker(sweeper_env(private_redis))
        first.wait_for_log(r"recompute_pending\[\S+\] received", JOB, "the recompute starts")
        first.kill()  # mid-job: no ack; Redis keeps the message for the visibility timeout
    finally:
        release.set()
        holder.join(10)
    assert not scored_once(observation)

    second = start_worker(sweeper_env(private_redis))
    recompute_overdue.delay()  # the sweep does not wait the hour
    wait_until(
        lambda: scored_once(observation),
        JOB,
        "the second worker has the write scored",
        diagnostics=second.tail,
    )
    assert Observation.objects.count() == 1


def test_a_worker_without_its_database_retries_and_a_healthy_one_scores_the_write(
    private_redis, use_broker, start_worker
):
    relationship, indicator = catalogue()
    use_broker(private_redis.url, {"visibility_timeout": 3600})
    observation = record(indicator)  # enqueued; no worker yet

    if connection.vendor == "sqlite":
        unreachable = "sqlite:////nonexistent-folder/entente.sqlite3"
    else:
        unreachable = database_url().replace(
            f":{connection.settings_dict['PORT'] or 5432}/", f":{free_port()}/"
        )
    cut_off = start_worker(sweeper_env(private_redis) | {"DATABASE_URL": unreachable})
    cut_off.wait_for_log(
        r"recompute_pending\[\S+\] retry: Retry in",
        JOB,
        "the job meets the database fault and is retried, not acknowledged away",
    )
    cut_off.stop()
    assert not scored_once(observation)

    healthy = start_worker(sweeper_env(private_redis))
    recompute_overdue.delay()
    wait_until(
        lambda: scored_once(observation),
        JOB,
        "the healthy worker has the write scored",
        diagnostics=healthy.tail,
    )
    assert Observation.objects.count() == 1
