"""Real processes for the integration tests: Celery workers, a loopback feed, a private Redis.

Nothing here fakes Celery: a worker is `celery -A config worker` in its own session (so that
a test can kill its whole process group), configured by environment variables exactly as in
production, and pointed at the test database that the test process uses.
"""

import contextlib
import dataclasses
import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")
SAMPLES = BASE_DIR / "tests" / "data" / "ingest"


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    message: str,
    *,
    interval: float = 0.2,
    ignoring: tuple[type[BaseException], ...] = (),
    diagnostics: Callable[[], str] | None = None,
):
    """Poll `predicate` until it returns something true (returned) or `timeout` s pass.

    Exceptions of the `ignoring` types count as "not yet" (e.g. Redis still loading its
    file); any other propagates at once. On timeout, fail saying what was awaited, with
    the last ignored error and `diagnostics()` (e.g. a worker's log).
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = predicate()
        except ignoring as error:
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    detail = f"\nlast error: {last_error!r}" if last_error else ""
    if diagnostics is not None:
        detail += "\n" + diagnostics()
    raise AssertionError(f"timed out after {timeout:g} s waiting until {message}{detail}")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL naming the database this test process uses now (the TEST one)."""
    db = connection.settings_dict
    engine, name = db["ENGINE"], str(db["NAME"])
    if engine == "django.db.backends.sqlite3":
        if not Path(name).is_absolute():
            raise RuntimeError(f"a worker cannot open the SQLite test database {name!r}")
        return f"sqlite:///{name}"  # an absolute path: sqlite:////abs/path
    if engine == "django.db.backends.postgresql":
        user = quote(db["USER"] or "", safe="")
        password = quote(db["PASSWORD"] or "", safe="")
        auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
        host = db["HOST"] or "localhost"
        port = db["PORT"] or 5432
        return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no DATABASE_URL for the engine {engine}")


# libfaketime's variables (`faketime -f '+365d' make test`): a worker shares the test's clock.
CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_SHARED", "DONT_FAKE_MONOTONIC")


def clock_env() -> dict[str, str]:
    return {name: os.environ[name] for name in CLOCK_VARIABLES if name in os.environ}


def service_env() -> dict[str, str]:
    """The environment for a service (redis-server): the machine's clock, as the machine's
    own services have (libfaketime also breaks redis-server's allocator)."""
    return {name: value for name, value in os.environ.items() if name not in CLOCK_VARIABLES}


def worker_env(**extra: str) -> dict[str, str]:
    """A worker's whole environment: nothing leaks from the test process but PATH and the
    clock.

    DEBUG=true spares a SECRET_KEY; DATABASE_URL is the test database; the caller adds the
    broker (REDIS_URL, or CELERY_DATA_DIR for the embedded broker) and any limits.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",  # the log file is complete when a test reads it
        "FETCH_ALLOWED_HOSTS": "127.0.0.1",  # the tests' feed servers, as an operator allows
        **clock_env(),
    }
    env.update(extra)
    return env


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in the process group `pgid` (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp ...; comm may hold spaces, so split after ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


@dataclasses.dataclass
class Worker:
    """A `celery -A config worker` process, leader of its own process group."""

    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.process.pid  # start_new_session: the worker leads its own group

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 80) -> str:
        text = "\n".join(self.log().splitlines()[-lines:])
        return f"--- last lines of worker {self.name}'s log ({self.log_path}) ---\n{text}"

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def wait_for_log(self, pattern: str, timeout: float, message: str) -> None:
        wait_until(
            lambda: self._alive_or_fail() and re.search(pattern, self.log()),
            timeout,
            message,
            diagnostics=self.tail,
        )

    def wait_ready(self, timeout: float = 45) -> None:
        self.wait_for_log(
            rf"\b{re.escape(self.name)}@\S+ ready\.", timeout, f"worker {self.name} is ready"
        )

    def _alive_or_fail(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"worker {self.name} exited with {self.process.returncode}\n{self.tail()}"
            )
        return True

    def kill(self) -> None:
        """SIGKILL the whole group at once: main process, pool child, beat. No cleanup."""
        os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(
            lambda: not group_members(self.pgid), 10, f"worker {self.name}'s processes are gone"
        )

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL for anything left in the group."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)  # then SIGKILL, below
        if group_members(self.pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        wait_until(
            lambda: not group_members(self.pgid), 10, f"worker {self.name}'s processes are gone"
        )


def start_worker(env: dict[str, str], name: str, log_dir: Path, *, beat: bool = False) -> Worker:
    """Start a worker (not waiting for it): one process, no gossip, mingle nor heartbeat."""
    args = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "1",
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        args.append("-B")  # embedded beat, with the scheduler the settings name
    log_path = log_dir / f"worker-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(name=name, process=process, log_path=log_path)


@dataclasses.dataclass
class Request:
    path: str
    if_none_match: str
    status: int | None = None  # the status answered; None while the request is held


class FeedServer:
    """A loopback HTTP server for one feed body at any path under /feed, with an ETag.

    A conditional GET naming the current ETag is answered 304. With `hold_first`, the first
    request waits (for `release`, at most `hold_for` s) before it is answered: a fetch
    caught mid-flight. `answers` maps a path to a fixed (status, headers) answer instead,
    e.g. {"/feed/busy": (503, {})}.
    """

    def __init__(
        self,
        body: bytes,
        *,
        hold_first: bool = False,
        hold_for: float = 20.0,
        answers: dict[str, tuple[int, dict[str, str]]] | None = None,
    ):
        self.body = body
        self.etag = '"sample-v1"'
        self.hold_first = hold_first
        self.hold_for = hold_for
        self.answers = answers or {}
        self.first_request = threading.Event()
        self.release = threading.Event()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
        self._httpd.feed = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def statuses(self, path: str | None = None) -> list[int | None]:
        with self._lock:
            return [r.status for r in self.requests if path is None or r.path == path]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()  # a held handler returns now rather than after hold_for
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        feed: FeedServer = self.server.feed
        if not self.path.startswith("/feed"):
            self.send_error(404)
            return
        request = Request(path=self.path, if_none_match=self.headers.get("If-None-Match", ""))
        with feed._lock:
            feed.requests.append(request)
            first = len(feed.requests) == 1
        if first and feed.hold_first:
            feed.first_request.set()
            feed.release.wait(feed.hold_for)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # The status is noted before it is sent: once the client has it, so has the test.
            if self.path in feed.answers:
                request.status, headers = feed.answers[self.path]
                self.send_response(request.status)
                for name, value in {"Content-Length": "0", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                return
            if request.if_none_match == feed.etag:
                request.status = 304
                self.send_response(304)
                self.send_header("ETag", feed.etag)
                self.end_headers()
                return
            request.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(feed.body)))
            self.send_header("ETag", feed.etag)
            self.end_headers()
            self.wfile.write(feed.body)


class PrivateRedis:
    """A redis-server of the test's own, on a free port, persisting every write (AOF).

    Restarting it (SHUTDOWN, then the same command on the same directory) restores what
    was queued: the machine's shared Redis is never touched.
    """

    def __init__(self, binary: str, directory: Path):
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.log_path = directory / "redis-server.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, **options):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=5, **options)

    def start(self) -> None:
        # Its own session, so that a Ctrl-C meant for pytest does not stop it under a test.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.directory),
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                ],  # fmt: skip
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=service_env(),
            )
        self.starts += 1
        import redis

        client = self.client()
        try:
            wait_until(
                lambda: self._running() and client.ping(),
                20,
                f"the private redis-server on port {self.port} answers PING",
                ignoring=(redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError),
                diagnostics=self.tail,
            )
        finally:
            client.close()

    def _running(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.process.returncode}")
        return True

    def shutdown(self) -> None:
        """SHUTDOWN, as an operator restarting it would: the AOF is complete on disk."""
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Without retries: redis-py would otherwise retry the closed connection for ~4 s.
        client = self.client(retry=Retry(NoBackoff(), 0))
        try:
            client.shutdown()  # redis-py treats the closed connection as success
        finally:
            client.close()
        self.process.wait(timeout=15)
        assert self.process.returncode == 0, self.tail()

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        try:
            text = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            text = ""
        return f"--- last lines of redis-server's log ({self.log_path}) ---\n{text}"
