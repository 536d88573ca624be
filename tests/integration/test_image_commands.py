"""The image's commands, run as the containers run them, outside Docker.

Read from the files that give them (tests/deployment.py), never re-typed: the Dockerfile's
RUN `manage.py collectstatic` and its CMD (gunicorn), docker-compose.yml's migrate, worker
and beat commands and web's healthcheck. Each runs in a copy of the build context (what
`COPY . .` copies, .dockerignore applied; WORKDIR is its root) with the environment its
container gets: the Dockerfile's ENV; at build time nothing else, at run time the `.env` a
deployer copies from .env.example (with the SECRET_KEY it asks for) and the service's
`environment`, where the compose network's hosts become this machine's: `db` a PostgreSQL
database of this test's own (created and dropped here), `redis` a private redis-server, and
gunicorn's bind address 127.0.0.1 on a free port.

The image installs the project with `pip install -e .` from /app; here the venv's editable
install names the work tree, so PYTHONPATH points every process at the copy instead.
`useradd` and USER are not replayed (they need root); nothing else is left out.

Slow by nature (migrations, then gunicorn, a worker and beat starting): about 20 s alone.
"""

import contextlib
import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import environ
import psycopg
import pytest
from psycopg import sql

from tests.deployment import (
    Dockerfile,
    compose,
    compose_command,
    copy_build_context,
    service_environment,
)
from tests.integration import support
from tests.integration.conftest import _show_log
from tests.postgres import DEFAULT_URL

START = 90  # seconds a process may take to be ready on a loaded 2-core machine
STOP = 20  # seconds a process may take to exit after SIGTERM (Docker's default is 10)


def program(words: list[str]) -> list[str]:
    """The command with its program from this venv, as the image's PATH finds its own."""
    name, *args = words
    path = Path(sys.executable) if name == "python" else Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} (from {words}) is not installed in {path.parent}"
    return [str(path), *args]


@pytest.fixture
def database():
    """A fresh PostgreSQL database on the test server, for this test alone; dropped after.

    Skipped, with the reason, when the server is not there (a failure under CI=true).
    """
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_URL)
    server = environ.Env.db_url_config(url)
    options = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    try:
        admin = psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **options)
    except psycopg.OperationalError as error:
        pytest.skip(f"needs the PostgreSQL server at {url}: {str(error).strip()}")
    name = f"entente_image_{uuid.uuid4().hex[:12]}"  # both suite runs may run this at once
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            auth = quote(options["user"] or "", safe="")
            if options["password"]:
                auth += ":" + quote(options["password"], safe="")
            yield f"postgres://{auth}@{options['host']}:{options['port']}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def processes(request):
    """start(name, words, env, cwd) -> a process leading its own group; all stopped after."""
    started: list[support.Worker] = []

    def start(name: str, words: list[str], env: dict[str, str], cwd: Path) -> support.Worker:
        log_path = cwd.parent / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                program(words),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = support.Worker(name=name, process=process, log_path=log_path)
        started.append(running)
        _show_log(request, f"{name} log", running.tail)
        return running

    yield start
    for running in started:
        running.stop()


def run(words: list[str], env: dict[str, str], cwd: Path, timeout: float = 300):
    result = subprocess.run(
        program(words), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"`{' '.join(words)}` exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )
    return result


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def accepts_connections(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def stop_cleanly(running: support.Worker) -> None:
    """SIGTERM, as `docker compose stop` sends it: the process exits 0, in time."""
    os.killpg(running.pgid, signal.SIGTERM)
    try:
        code = running.process.wait(timeout=STOP)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"{running.name} still runs {STOP} s after SIGTERM\n{running.tail()}"
        ) from None
    assert code == 0, f"{running.name} exited with {code} on SIGTERM\n{running.tail()}"


def test_the_images_commands_build_migrate_serve_and_run_jobs(
    tmp_path, database, private_redis, processes
):
    dockerfile = Dockerfile.read()
    config = compose()[0]
    app = copy_build_context(tmp_path / "app")
    home = tmp_path / "home"
    home.mkdir()
    image_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",  # as python:3.11-slim sets it
        "PYTHONPATH": str(app),  # the image's editable install of /app (see the docstring)
        **dockerfile.env(),
        **support.clock_env(),
    }
    check = run(["python", "-c", "import config; print(config.__file__)"], image_env, app)
    assert check.stdout.strip() == str(app / "config" / "__init__.py")

    # Build: RUN, with nothing but the Dockerfile's ENV (.env is not in the context).
    runs = dockerfile.run_commands()
    install, *others = [c for c in runs if c[:2] == ["pip", "install"]] or [[]]
    assert install[-2:] == ["-e", "."] and not others, (
        f"this test stands in for an editable install of the context (PYTHONPATH), not {runs}"
    )
    django_commands = [c for c in runs if c[:2] == ["python", "manage.py"]]
    assert ["python", "manage.py", "collectstatic", "--no-input"] in django_commands
    assert not (app / ".env").exists()
    for command in django_commands:
        run(command, image_env, app)
    manifest = app / "staticfiles" / "staticfiles.json"  # STATIC_ROOT's default: /app/staticfiles
    assert manifest.is_file(), "collectstatic left no manifest for whitenoise"

    # Run: each service's environment, with the compose network's hosts made this machine's.
    def env_of(service: str) -> dict[str, str]:
        env = {**image_env, **service_environment(config, service)}
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"], service
        env.update(DATABASE_URL=database, REDIS_URL=private_redis.url)
        env["SECRET_KEY"] = env.get("SECRET_KEY") or secrets.token_urlsafe(50)
        assert env.get("DEBUG", "false") == "false" and env["ALLOWED_HOSTS"], service
        return env

    run(compose_command(config["services"]["migrate"]), env_of("migrate"), app)
    web_env = env_of("web")
    deploy_check = ["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    report = run(deploy_check, web_env, app)
    assert "no issues" in report.stdout

    # Beat's proof of life is a job sent: make the minutely sweep due now, as after downtime.
    with psycopg.connect(database, autocommit=True) as connection:
        swept = connection.execute(
            "UPDATE django_celery_beat_periodictask SET last_run_at = now() - interval '1 day'"
            " WHERE task = 'tracker.tasks.recompute_overdue' AND enabled"
        ).rowcount
    assert swept == 1, "the migrations no longer create the enabled minutely sweep"

    port = support.free_port()
    gunicorn = dockerfile.cmd()
    bind = gunicorn.index("--bind") + 1
    assert gunicorn[bind].startswith("0.0.0.0:"), gunicorn
    gunicorn[bind] = f"127.0.0.1:{port}"
    web = processes("web", gunicorn, web_env, app)
    services = config["services"]
    worker = processes("worker", compose_command(services["worker"]), env_of("worker"), app)
    beat = processes("beat", compose_command(services["beat"]), env_of("beat"), app)

    # web: the healthcheck's own command, against the port it was moved to.
    support.wait_until(
        lambda: web._alive_or_fail() and accepts_connections(port),
        START,
        f"gunicorn accepts connections on 127.0.0.1:{port}",
        diagnostics=web.tail,
    )
    kind, python, dash_c, code = config["services"]["web"]["healthcheck"]["test"]
    assert (kind, python, dash_c) == ("CMD", "python", "-c")
    assert code.count("127.0.0.1:8000") == 1, code
    healthcheck = [python, dash_c, code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")]
    run(healthcheck, web_env, app, timeout=START)

    # A page with static files through the proxy's headers, and one of its hashed files.
    host = web_env["ALLOWED_HOSTS"].split(",")[0]
    proxied = {"Host": host, "X-Forwarded-Proto": "https"}
    status, _, body = get(port, "/accounts/login/", proxied)
    assert status == 200, f"/accounts/login/ answered {status}: {body[:2000]!r}"
    hashed = re.findall(rb'/static/[^"\']+\.[0-9a-f]{12}\.(?:css|js)', body)
    assert hashed, "the login page names no hashed static file"
    status, _, static = get(port, hashed[0].decode(), proxied)
    assert status == 200 and static, f"{hashed[0]!r} answers {status}, {len(static)} bytes"
    # Compressed: that file as whitenoise's Brotli copy, the page as the client takes it.
    # (Header names are case-insensitive, and the two set theirs differently.)
    status, headers, _ = get(port, hashed[0].decode(), {**proxied, "Accept-Encoding": "br"})
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding")
    assert (status, encoding) == (200, "br"), headers
    status, headers, zipped = get(port, "/accounts/login/", {**proxied, "Accept-Encoding": "gzip"})
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding")
    assert (status, encoding) == (200, "gzip"), headers
    assert b'name="password"' in gzip.decompress(zipped)
    status, headers, _ = get(port, "/healthz", {"Host": host})  # no proxy: to https
    assert (status, headers.get("Location")) == (301, f"https://{host}/healthz")

    # worker and beat: ready, then the due sweep sent by beat and run by the worker.
    worker.wait_for_log(r"\bcelery@\S+ ready\.", START, "the worker is ready")
    beat.wait_for_log(r"beat: Starting\.\.\.", START, "beat starts")
    beat.wait_for_log(
        r"Sending due task .*\(tracker\.tasks\.recompute_overdue\)",
        START,
        "beat sends the due sweep from the database schedule",
    )
    worker.wait_for_log(
        r"Task tracker\.tasks\.recompute_overdue\[[0-9a-f-]+\] succeeded",
        START,
        "the worker runs the sweep beat sent",
    )

    for running in (web, worker, beat):
        stop_cleanly(running)
