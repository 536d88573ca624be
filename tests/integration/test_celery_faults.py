"""The Celery jobs against real faults: real workers, a killed worker, a restarted Redis.

Each test starts `celery -A config worker` processes on the test database, publishes from
this process through a real broker (eager mode off), and asserts what the jobs left in the
database. Slow by nature (a worker takes a few seconds to start): about a minute in all.
"""

import datetime as dt
import os
import re
import signal
import time

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
    SourceFactory,
)
from tests.integration.conftest import shared_redis_url
from tests.integration.support import (
    SAMPLES,
    FeedServer,
    group_members,
    wait_until,
    worker_env,
)
from tracker.models import Signal, Snapshot, Source
from tracker.sources.adapters import ADAPTERS
from tracker.tasks import recompute_snapshots, refresh_source, refresh_sources

pytestmark = pytest.mark.django_db(transaction=True)

RSS = (SAMPLES / "rss_sample.xml").read_bytes()
# The sample repeats one guid: a refresh stores one signal per distinct item.
DISTINCT_ITEMS = len({item.external_id for item in ADAPTERS["rss"].parse(RSS, url="").signals})
JOB = 30  # seconds a job may take to show its effect in the database, worker started


@pytest.fixture
def feed():
    with FeedServer(RSS) as server:
        yield server


def rss_source(url: str, *, enabled: bool = True, name: str | None = None) -> Source:
    extra = {"name": name} if name else {}
    return SourceFactory(adapter=Source.Adapter.RSS, enabled=enabled, feed_url=url, **extra)


def small_catalogue():
    """A relationship with scenarios, one indicator and one observation ten days ago."""
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    ObservationFactory(indicator=IndicatorFactory(relationship=relationship))
    return relationship


def refreshed(source: Source, fetches: int = 1) -> Source | None:
    """The source once it has been fetched `fetches` times, the last time with success."""
    source = Source.objects.get(pk=source.pk)
    if source.fetch_count >= fetches and source.last_success_at is not None:
        return source
    return None


def signals_of(source: Source) -> list[str]:
    return list(Signal.objects.filter(source=source).values_list("external_id", flat=True))


def finished(worker, task_id: str) -> bool:
    """Whether the worker logged the end of the job `task_id` (however it ended)."""
    return bool(worker.count(rf"\[{task_id}\] (succeeded|raised|retry)"))


def redis_transport(visibility_timeout: int = 3600) -> dict:
    return {"visibility_timeout": visibility_timeout}  # what the settings give a worker


# Short limits for a worker: CELERY_TASK_TIME_LIMIT=8 (soft: 7), visibility timeout 10 s.
SHORT_LIMITS = {"CELERY_VISIBILITY_TIMEOUT": "10", "CELERY_TASK_TIME_LIMIT": "8"}
# The limits a job runs under travel in its message, set from the settings of the process
# that enqueues it (this Celery binds task_time_limit to each task): in a deployment every
# process reads the same environment, so the test process enqueues with the same limits.
SHORT_LIMITS_IN_MESSAGE = {"time_limit": 8, "soft_time_limit": 7}


def test_worker_runs_refresh_and_recompute_end_to_end(shared_redis, use_broker, start_worker, feed):
    source = rss_source(feed.url("/feed"))
    relationship = small_catalogue()
    observed_on = relationship.indicators.get().observations.get().occurred_on
    use_broker(shared_redis_url(), redis_transport())
    worker = start_worker(worker_env(REDIS_URL=shared_redis_url()))

    today_before = timezone.now().date()  # the worker's "today" lies between these two
    refresh_sources.delay()  # enqueues refresh_source for each enabled source
    recompute_snapshots.delay(relationship.pk)

    wait_until(
        lambda: refreshed(source) and Snapshot.objects.filter(relationship=relationship).exists(),
        JOB,
        "the source is refreshed and the relationship has snapshots",
        diagnostics=worker.tail,
    )
    source.refresh_from_db()
    ids = signals_of(source)
    assert len(ids) == len(set(ids)) == DISTINCT_ITEMS
    assert (source.fetch_count, source.signal_count, source.last_error) == (1, DISTINCT_ITEMS, "")
    assert source.etag == feed.etag
    first_success = source.last_success_at
    # One snapshot a day, from the observation (ten days ago) to the worker's today.
    days = sorted(Snapshot.objects.filter(relationship=relationship).values_list("date", flat=True))
    assert today_before <= days[-1] <= timezone.now().date()
    assert days[0] == observed_on
    assert len(days) == (days[-1] - days[0]).days + 1
    assert feed.statuses() == [200]

    refresh_sources.delay()  # the same refresh again: a conditional GET, nothing new

    source = wait_until(
        lambda: refreshed(source, fetches=2), JOB, "the second refresh", diagnostics=worker.tail
    )
    assert feed.statuses() == [200, 304]
    assert [r.if_none_match for r in feed.requests] == ["", feed.etag]
    assert len(signals_of(source)) == DISTINCT_ITEMS
    assert (source.fetch_count, source.signal_count, source.failures) == (2, DISTINCT_ITEMS, 0)
    assert source.last_success_at > first_success
    assert worker.count(r"Task tracker\.tasks\.refresh_source\[\S+\] succeeded") == 2


def test_worker_killed_mid_task_loses_and_duplicates_nothing(
    shared_redis, use_broker, start_worker
):
    visibility = 10  # seconds before Redis gives an unacknowledged job to another worker
    env = worker_env(REDIS_URL=shared_redis_url(), **SHORT_LIMITS)
    with FeedServer(RSS, hold_first=True, hold_for=30) as feed:
        source = rss_source(feed.url("/feed"))
        use_broker(shared_redis_url(), redis_transport(visibility))
        first = start_worker(env)

        job = refresh_source.apply_async((source.pk,), **SHORT_LIMITS_IN_MESSAGE)
        assert feed.first_request.wait(JOB), f"the job never fetched the feed\n{first.tail()}"
        first.kill()  # SIGKILL to its whole group, mid-fetch: no ack, no reject, no cleanup

        # The job is neither lost nor done: Redis holds it as delivered but unacknowledged.
        assert refreshed(source) is None
        assert shared_redis.llen("celery") == 0
        unacked = shared_redis.zrange("unacked_index", 0, -1, withscores=True)
        assert len(unacked) == 1, unacked
        delivered_at = unacked[0][1]
        # A worker restores such jobs when it connects, once the visibility timeout has run
        # out (and then every 100 s, kombu's sweep: too slow for a test). So the new worker
        # starts once the timeout is over, as one restarted by a supervisor would.
        wait_until(
            lambda: time.time() > delivered_at + visibility + 0.5,
            visibility + 5,
            "the visibility timeout is over",
        )
        second = start_worker(env)

        source = wait_until(
            lambda: refreshed(source),
            JOB,
            "the job reruns on the new worker",
            diagnostics=second.tail,
        )
        wait_until(
            lambda: shared_redis.zcard("unacked_index") == 0,
            JOB,
            "the rerun job is acknowledged",
            diagnostics=second.tail,
        )
        assert [r.status for r in feed.requests[1:]] == [200]  # one rerun, served normally
        assert len(feed.requests) == 2

    ids = signals_of(source)
    assert len(ids) == len(set(ids)) == DISTINCT_ITEMS
    assert (source.fetch_count, source.signal_count, source.failures) == (1, DISTINCT_ITEMS, 0)
    # The same message, delivered twice, completed once.
    assert first.count(rf"refresh_source\[{job.id}\] received") == 1
    assert first.count(rf"\[{job.id}\] succeeded") == 0
    assert second.count(rf"refresh_source\[{job.id}\] received") == 1
    assert second.count(r"Task tracker\.tasks\.refresh_source\[\S+\] succeeded") == 1
    assert second.count(rf"\[{job.id}\] succeeded") == 1
    assert shared_redis.llen("celery") == 0


def test_pool_process_killed_mid_task_is_rerun_at_once(shared_redis, use_broker, start_worker):
    """Only the process running the job dies (say, the OOM killer): the worker itself
    survives and, with reject_on_worker_lost, puts the job back at once, no timeout."""
    with FeedServer(RSS, hold_first=True, hold_for=30) as feed:
        source = rss_source(feed.url("/feed"))
        use_broker(shared_redis_url(), redis_transport())
        worker = start_worker(worker_env(REDIS_URL=shared_redis_url()))

        job = refresh_source.delay(source.pk)
        assert feed.first_request.wait(JOB), f"the job never fetched the feed\n{worker.tail()}"
        [child] = [pid for pid in group_members(worker.pgid) if pid != worker.pgid]
        os.kill(child, signal.SIGKILL)

        source = wait_until(
            lambda: refreshed(source),
            JOB,
            "the job reruns in a new pool process",
            diagnostics=worker.tail,
        )
        wait_until(
            lambda: shared_redis.zcard("unacked_index") == 0 and shared_redis.llen("celery") == 0,
            JOB,
            "the rerun job is acknowledged",
            diagnostics=worker.tail,
        )
        assert [r.status for r in feed.requests[1:]] == [200]
        assert len(feed.requests) == 2

    ids = signals_of(source)
    assert len(ids) == len(set(ids)) == DISTINCT_ITEMS
    assert (source.fetch_count, source.signal_count, source.failures) == (1, DISTINCT_ITEMS, 0)
    assert worker.count(rf"Process 'ForkPoolWorker-\d+' pid:{child} exited with 'signal 9") == 1
    assert worker.count(rf"refresh_source\[{job.id}\] received") == 2  # requeued, at once
    assert worker.count(r"Task tracker\.tasks\.refresh_source\[\S+\] succeeded") == 1
    assert worker.process.poll() is None


def test_redis_restart_with_tasks_queued(private_redis, use_broker, start_worker, feed):
    sources = [rss_source(feed.url(f"/feed/{n}")) for n in range(3)]
    relationship = small_catalogue()
    use_broker(private_redis.url, redis_transport())
    redis = private_redis.client()

    # No worker yet: the jobs wait in Redis.
    for source in sources:
        refresh_source.delay(source.pk)
    recompute_snapshots.delay(relationship.pk)
    queued = len(sources) + 1
    assert redis.llen("celery") == queued

    private_redis.restart()  # SHUTDOWN, then start again on the same append-only file
    assert private_redis.starts == 2
    assert redis.llen("celery") == queued  # the queue came back from the AOF

    worker = start_worker(worker_env(REDIS_URL=private_redis.url))
    wait_until(
        lambda: (
            all(refreshed(s) for s in sources)
            and Snapshot.objects.filter(relationship=relationship).exists()
        ),
        JOB,
        "every queued job has run",
        diagnostics=worker.tail,
    )
    for source in sources:
        assert len(signals_of(source)) == DISTINCT_ITEMS
    assert sorted(r.path for r in feed.requests) == [f"/feed/{n}" for n in range(3)]
    wait_until(
        lambda: redis.llen("celery") == 0 and redis.zcard("unacked_index") == 0,
        JOB,
        "the queue is empty and nothing is left unacknowledged",
        diagnostics=worker.tail,
    )

    # Redis restarts under an idle worker: it reconnects and runs what is enqueued after.
    private_redis.restart()
    late = rss_source(feed.url("/feed/late"))
    refresh_source.delay(late.pk)  # the producer's pooled connection died too: it reconnects
    wait_until(
        lambda: refreshed(late),
        JOB,
        "the job enqueued after the restart runs",
        diagnostics=worker.tail,
    )
    assert len(signals_of(late)) == DISTINCT_ITEMS
    assert worker.process.poll() is None  # the same worker, reconnected, not a new one
    assert worker.count(r"Connection to broker lost") >= 1
    assert worker.count(rf"Connected to redis://\S*127\.0\.0\.1:{private_redis.port}/0") >= 2
    redis.close()


def test_embedded_broker_runs_jobs_without_redis(
    use_broker, start_worker, feed, tmp_path, job_schedules
):
    data = tmp_path / "celery"
    folders = {"queue": data / "queue", "control": data / "control"}
    for folder in folders.values():
        folder.mkdir(parents=True)  # as the settings make them, for the web process
    use_broker(
        "filesystem://localhost/",
        {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        },
    )
    # Refreshed only on request (disabled): its refresh is the one this test enqueues.
    on_request = rss_source(feed.url("/feed/on-request"), enabled=False)
    # Enabled: refreshed by beat's "Refresh enabled sources", last run two hours ago (with
    # no last run, django-celery-beat counts the hour from when the schedule was saved).
    scheduled = rss_source(feed.url("/feed/scheduled"))
    hourly = PeriodicTask.objects.get(name="Refresh enabled sources")
    assert (hourly.task, hourly.enabled) == ("tracker.tasks.refresh_sources", True)
    PeriodicTask.objects.filter(pk=hourly.pk).update(
        last_run_at=timezone.now() - dt.timedelta(hours=2)
    )

    refresh_source.delay(on_request.pk)
    assert len(list(folders["queue"].glob("*.celery.msg"))) == 1  # a message in a file

    worker = start_worker(worker_env(CELERY_DATA_DIR=str(data)), beat=True)

    wait_until(
        lambda: refreshed(on_request) and refreshed(scheduled),
        JOB,
        "the enqueued refresh and beat's refresh have both run",
        diagnostics=worker.tail,
    )
    log = worker.log()
    assert "filesystem://" in log
    assert re.search(r"beat: Starting", log)
    assert re.search(
        r"Scheduler: Sending due task Refresh enabled sources \(tracker\.tasks\.refresh_sources\)",
        log,
    )
    assert re.search(r"Task tracker\.tasks\.refresh_sources\[\S+\] succeeded", log)
    assert len(signals_of(on_request)) == len(signals_of(scheduled)) == DISTINCT_ITEMS
    wait_until(
        lambda: not list(folders["queue"].glob("*.msg")),
        JOB,
        "the queue folder is empty",
        diagnostics=worker.tail,
    )
    worker.stop()  # beat writes its schedule's state back to the database as it stops
    hourly.refresh_from_db()
    assert hourly.last_run_at > timezone.now() - dt.timedelta(minutes=5)
    assert hourly.total_run_count >= 1


def test_refresh_cut_by_the_soft_time_limit_is_recorded_on_the_source(
    shared_redis, use_broker, start_worker
):
    """A refresh still running at the soft time limit must leave a trace on its source:
    the settings give the soft limit precisely as "a chance to record why"."""
    with FeedServer(RSS, hold_first=True, hold_for=30) as feed:
        source = rss_source(feed.url("/feed"))
        use_broker(shared_redis_url(), redis_transport(10))
        worker = start_worker(worker_env(REDIS_URL=shared_redis_url(), **SHORT_LIMITS))

        job = refresh_source.apply_async((source.pk,), **SHORT_LIMITS_IN_MESSAGE)
        worker.wait_for_log(
            rf"Soft time limit \(7s\) exceeded for tracker\.tasks\.refresh_source\[{job.id}\]",
            JOB,
            "the soft time limit interrupts the fetch",
        )
        wait_until(lambda: finished(worker, job.id), JOB, "the job ends", diagnostics=worker.tail)
        assert feed.statuses() == [None]  # the one fetch never got its answer

    source.refresh_from_db()
    assert source.failures == 1
    assert "longer than 7 s" in source.last_error
    assert source.last_fetched_at is not None


def test_network_faults_are_retried_with_capped_backoff(shared_redis, use_broker, start_worker):
    """Only network faults are retried, "with exponential backoff and jitter" (README):
    the first retry within retry_backoff (30 s), and none beyond retry_backoff_max (900 s),
    whatever Retry-After says (a longer countdown also outlives the visibility timeout, and
    Redis would then hand the held job to a worker a second time)."""
    answers = {"/feed/down": (503, {}), "/feed/busy": (429, {"Retry-After": "86400"})}
    with FeedServer(RSS, answers=answers) as feed:
        down = rss_source(feed.url("/feed/down"))
        busy = rss_source(feed.url("/feed/busy"))
        use_broker(shared_redis_url(), redis_transport())
        worker = start_worker(worker_env(REDIS_URL=shared_redis_url()))

        jobs = {"down": refresh_source.delay(down.pk), "busy": refresh_source.delay(busy.pk)}
        for name, job in jobs.items():
            worker.wait_for_log(
                rf"\[{job.id}\] retry: Retry in [\d.]+s",
                JOB,
                f"the {name} job's first attempt fails and a retry is scheduled",
            )
        # The down feed's retry may come within a second (full jitter) and run before the
        # worker stops: however many attempts ran, each is one 503 and one recorded failure.
        worker.stop()

    attempts = {"down": feed.statuses("/feed/down"), "busy": feed.statuses("/feed/busy")}
    assert attempts["busy"] == [429]  # its retry waits 900 s: never within this test
    assert attempts["down"] and set(attempts["down"]) == {503}
    for source, name, status in [(down, "down", 503), (busy, "busy", 429)]:
        source.refresh_from_db()
        assert (source.failures, source.last_success_at) == (len(attempts[name]), None)
        assert f"HTTP {status}" in source.last_error
    countdowns = {
        name: float(re.search(rf"\[{job.id}\] retry: Retry in ([\d.]+)s", worker.log())[1])
        for name, job in jobs.items()
    }
    assert countdowns["down"] <= 30  # the first retry: 0–30 s with full jitter
    assert countdowns["busy"] == 900  # Retry-After honoured up to the cap
