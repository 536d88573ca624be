"""Fixtures for the integration tests: brokers, a producer pointed at them, real workers.

A worker is a separate process: it sees only committed data, so every test here is a
transactional one (`django_db(transaction=True)`), and every worker is stopped before the
test's database is flushed (start_worker depends on transactional_db).
"""

import contextlib
import fcntl
import importlib
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import kombu.pools
import pytest
from django.apps import apps as django_apps

from config.celery import app as celery_app
from tests.integration import support

SHARED_REDIS = ("127.0.0.1", 6379)
SHARED_REDIS_DB = 13  # a database of the machine's Redis for these tests alone
# Tests on the shared Redis database take turns, across xdist workers and concurrent runs.
SHARED_REDIS_LOCK = Path(tempfile.gettempdir()) / f"entente-it-redis-db{SHARED_REDIS_DB}.lock"

LOGS = pytest.StashKey[list]()


@pytest.fixture(autouse=True)
def _wall_clock(real_clock):
    """Workers are other processes on the machine's clock: these tests share it."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the logs of the processes it started."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for title, show in item.stash.get(LOGS, []):
            report.sections.append((title, show()))


def _show_log(request, title, show):
    request.node.stash.setdefault(LOGS, []).append((title, show))


@pytest.fixture
def start_worker(transactional_db, tmp_path, request):
    """start_worker(env, name=None, beat=False) -> a ready Worker; all stopped at teardown."""
    workers: list[support.Worker] = []

    def start(env, name=None, *, beat=False):
        name = name or f"it{len(workers) + 1}-{uuid.uuid4().hex[:6]}"
        worker = support.start_worker(env, name, tmp_path, beat=beat)
        workers.append(worker)
        _show_log(request, f"worker {name} log", worker.log)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def use_broker():
    """use_broker(url, transport_options): the test process publishes there, not eagerly.

    Restores the settings' broker and eager mode afterwards, and drops pooled connections
    both ways so that no connection to the test's broker outlives the test.
    """
    conf = celery_app.conf
    saved = {
        key: conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")
    }

    def reset_pools():
        if celery_app._pool is not None:
            with contextlib.suppress(Exception):
                celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        kombu.pools.reset()

    def use(url, transport_options):
        conf.update(
            task_always_eager=False, broker_url=url, broker_transport_options=transport_options
        )
        reset_pools()

    yield use
    conf.update(saved)
    reset_pools()


@pytest.fixture
def shared_redis():
    """Database 13 of the machine's Redis (127.0.0.1:6379), empty before and after.

    Skipped, with the reason, when that Redis is not running (a failure under CI=true).
    """
    import redis

    host, port = SHARED_REDIS
    client = redis.Redis(host=host, port=port, db=SHARED_REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        client.close()
        pytest.skip(
            f"needs the Redis server at {host}:{port} (start it: redis-server, or "
            f"`service redis-server start`); it did not answer: {error}"
        )
    SHARED_REDIS_LOCK.touch(exist_ok=True)
    with SHARED_REDIS_LOCK.open("r+") as lock:
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test run held {SHARED_REDIS_LOCK} for over 300 s")
                time.sleep(0.2)  # another integration test is using the database
        client.flushdb()
        try:
            yield client
        finally:
            client.flushdb()
            client.close()
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared_redis_url() -> str:
    host, port = SHARED_REDIS
    return f"redis://{host}:{port}/{SHARED_REDIS_DB}"


@pytest.fixture
def private_redis(tmp_path, request):
    """A redis-server process of this test's own (see support.PrivateRedis)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs the redis-server program (apt-get install redis-server)")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = support.PrivateRedis(binary, directory)
    _show_log(request, "private redis-server log", server.tail)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def job_schedules(transactional_db):
    """The schedules migrations 0007 and 0015 create (a transactional test's flush removes them)."""
    migration = importlib.import_module("tracker.migrations.0007_job_schedules")
    migration.create_schedules(django_apps, None)
    sweep = importlib.import_module("tracker.migrations.0015_overdue_recompute_schedule")
    sweep.create_schedule(django_apps, None)
