"""Load with faults: the production shape on loopback, measured by wrk.

gunicorn as the Dockerfile runs it (DEBUG off, behind a TLS proxy as wrk's header says),
PostgreSQL, a Redis of the benchmark's own (cache and broker), one Celery worker with beat,
at BENCH_LOAD_SIZE observations (default 1M). For the overview, an indicator page and the
API: requests per second, p50/p95/p99 and the errors served. Then the same again while Redis
is shut down and started, and while the worker is killed (SIGKILL) and another started,
with an analyst's writes while each fault lasts and none after it, so that what the fault
leaves behind only the sweep or a redelivered message can finish: then every write must be
scored (its score stored, nothing left pending). The sweep's grace is 10 s for the run
(RECOMPUTE_OVERDUE_SECONDS; 120 s by default) and beat runs it every minute.

The process helpers (a private redis-server, a worker) are the integration tests' own.
"""

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from bench import scoring_bench
from tests.deployment import Dockerfile
from tests.integration.support import (
    PrivateRedis,
    free_port,
    start_worker,
    wait_until,
    worker_env,
)
from tracker.clock import today_utc
from tracker.models import ObservationScore, PendingRecompute, Source
from tracker.observations import services
from tracker.series.refresh import snapshots_refresh

CONNECTIONS, THREADS, SECONDS = 8, 2, 15
FAULT_AFTER = 4  # seconds into a faulty run before the fault, and its length
WRITE_EVERY = 0.5  # seconds between an analyst's writes during the faulty runs
HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of gunicorn sets it

# wrk's summary as one line: its own latency percentiles (µs) and error counts.
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run(size: int, redis_port: int) -> None:
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"the load run needs {tool} (apt-get install {tool.split('-')[0]})")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("the load run is on PostgreSQL: set BENCH_DATABASE_URL")
    work = Path(tempfile.mkdtemp(prefix="entente-load-"))
    rng = random.Random(scoring_bench.SEED)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    relationship = scoring_bench.build_catalogue(rng)
    scoring_bench.add_observations(relationship, size, rng)
    started = time.perf_counter()
    snapshots_refresh(relationship)
    print(f"\nLoad with faults at {size:,} observations (series built in "
          f"{time.perf_counter() - started:.0f} s); wrk, {CONNECTIONS} connections, "
          f"{SECONDS} s a run, on loopback")  # fmt: skip

    redis = PrivateRedis(shutil.which("redis-server"), work)
    redis.port = redis_port  # the port this process's settings already name
    redis.start()
    env = worker_env(
        DEBUG="false",
        SECRET_KEY="benchmark-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        TRUST_X_FORWARDED_PROTO="true",
        DASHBOARD_PUBLIC="true",
        REDIS_URL=redis.url,
        STATIC_ROOT=settings.STATIC_ROOT,
        LOG_LEVEL="WARNING",
        RECOMPUTE_OVERDUE_SECONDS="10",  # the sweep's grace, short for the run
    )
    port = free_port()
    web = _start_gunicorn(env, port, work)
    worker = start_worker(env, "load-1", work, beat=True)
    workers = [worker]
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base + "/healthz"), 60, "gunicorn answers /healthz")
        worker.wait_ready(60)
        indicator = relationship.indicators.filter(kind="event").order_by("pk").first()
        pages = [
            ("bare view (/healthz)", "/healthz"),
            ("overview", f"/r/{relationship.slug}/"),
            ("indicator page", f"/indicators/{indicator.slug}/"),
            ("API index series", f"/api/relationships/{relationship.slug}/index"),
        ]
        for _, path in pages:
            _answers(base + path)  # warm: the cache filled once, as after any change
        # Views scored on demand, flooded from cold (the 30-second requests): a job
        # scores each once while the pages answer that it is computing.
        pages += [
            ("overview ?min_grade=B2 (cold)", f"/r/{relationship.slug}/?min_grade=B2"),
            (
                "API ?min_grade=C3 (cold)",
                f"/api/relationships/{relationship.slug}/index?min_grade=C3",
            ),
        ]
        print(f"  {'':<34}{'req/s':>8}{'p50':>10}{'p95':>10}{'p99':>10}{'errors':>8}")
        for name, path in pages:
            print(_line(name, _wrk(base + path, work)))

        overview = base + pages[1][1]

        def redis_restart(stop_writing):
            redis.shutdown()
            time.sleep(FAULT_AFTER)  # the outage: Redis is down this long
            stop_writing()  # every write made while it was down: their jobs were never sent
            redis.start()

        def worker_kill(stop_writing):
            workers[-1].kill()  # a job in hand is left unacknowledged
            time.sleep(FAULT_AFTER)  # no worker at all this long
            stop_writing()
            workers.append(start_worker(env, f"load-{len(workers) + 1}", work, beat=True))

        faults = [("while Redis restarts", redis_restart), ("while the worker dies", worker_kill)]
        lines, recoveries = [], []
        for name, fault in faults:
            writes: list[int] = []
            swept = _count(workers, "re-enqueued")
            result = _with_fault(overview, work, fault, indicator, writes)
            lines.append(_line(f"overview {name}", result))
            started = time.perf_counter()
            wait_until(
                lambda writes=writes: _all_scored(writes),
                600,
                f"every one of the {len(writes)} writes {name} is scored",
                interval=1,
                diagnostics=workers[-1].tail,
            )
            lost = len(writes) - ObservationScore.objects.filter(observation__in=writes).count()
            recoveries.append(
                f"  {name}: {len(writes)} writes, {len(writes) - lost} scored, {lost} lost; "
                f"all scored {time.perf_counter() - started:.0f} s after the run, the sweep "
                f"re-enqueued {_count(workers, 're-enqueued') - swept} time(s)"
            )
        print("\n".join(lines))
        print("\n".join(recoveries))
        views = _count(workers, r"Task tracker\.tasks\.compute_view\[\S+\] succeeded in [0-9.]+s")
        took = [
            float(seconds)
            for each in workers
            for seconds in re.findall(r"compute_view\[\S+\] succeeded in ([0-9.]+)s", each.log())
        ]
        print(
            f"  the cold views took {views} compute_view job(s) in all"
            + (f", {max(took):.0f} s at the longest" if took else "")
        )
    finally:
        web.terminate()
        web.wait(timeout=30)
        for each in workers:
            each.stop()
        redis.stop()


def _with_fault(url, work, fault, indicator, writes):
    """wrk on `url` for a run; FAULT_AFTER seconds in, the fault, with an analyst's writes
    only while it lasts: what it leaves behind, the sweep or a redelivery must finish."""
    during = threading.Event()
    source = Source.objects.get()

    def write():
        during.wait()
        while during.is_set():
            try:
                observation = services.observation_record(
                    indicator=indicator,
                    occurred_on=today_utc() - dt.timedelta(days=random.randrange(30)),
                    source=source,
                    summary="A report during a fault.",
                    credibility=2,
                    magnitude=2,
                )
            except Exception as error:  # a write that fails is reported, not counted
                print(f"    a write failed: {error!r}")
            else:
                writes.append(observation.pk)
            time.sleep(WRITE_EVERY)

    writer = threading.Thread(target=write)

    def stop_writing():
        during.clear()
        writer.join()  # the last write, and its attempt to enqueue, are done

    def faulty():
        during.set()
        fault(stop_writing)

    writer.start()
    timer = threading.Timer(FAULT_AFTER, faulty)
    timer.start()
    try:
        return _wrk(url, work, seconds=SECONDS + FAULT_AFTER)
    finally:
        timer.join()


def _count(workers, pattern) -> int:
    return sum(each.count(pattern) for each in workers)


def _all_scored(writes) -> bool:
    scored = ObservationScore.objects.filter(observation__in=writes).count()
    return scored == len(writes) and not PendingRecompute.objects.exists()


def _start_gunicorn(env, port, work):
    """The Dockerfile's CMD, bound to loopback on a free port."""
    command = Dockerfile.read().cmd()
    bind = command.index("--bind")
    command[bind + 1] = f"127.0.0.1:{port}"
    command[0] = str(Path(os.sys.executable).with_name(command[0]))
    log = (work / "gunicorn.log").open("wb")
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _answers(url) -> bool:
    request = urllib.request.Request(url, headers={**HEADERS, "Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status in (200, 202)
    except OSError:
        return False


# As a browser asks (and as the in-process bench does): the sizes and the work are those of
# compressed answers. Without it, an answer kept compressed is unpacked on every request.
ACCEPT_ENCODING = "gzip, deflate, br"


def _wrk(url, work, seconds=SECONDS) -> dict[str, float]:
    script = work / "report.lua"
    script.write_text(REPORT)
    output = subprocess.run(
        ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
         "--timeout", "30s", "-s", str(script), "-H", "X-Forwarded-Proto: https",
         "-H", f"Accept-Encoding: {ACCEPT_ENCODING}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"^RESULT (.*)$", output, re.M)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    requests, duration, p50, p95, p99, *errors = map(int, found[1].split())
    return {
        "rps": requests / (duration / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": sum(errors),
    }


def _line(name, r) -> str:
    return (
        f"  {name:<34}{r['rps']:8.1f}{r['p50']:8.1f}ms{r['p95']:8.1f}ms{r['p99']:8.1f}ms"
        f"{r['errors']:8d}"
    )
