"""Project-wide checks: migrations match the models; production settings are safe."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def manage(*args, **env):
    """Run manage.py in a clean process with exactly the given settings environment."""
    return python("manage.py", *args, **env)


def python(*args, **env):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "entente.example.org",
    "DATABASE_URL": "sqlite:////tmp/entente-check.sqlite3",
}


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_web_server_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = python("-c", "import config.wsgi", **env)  # what gunicorn and runserver load
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr
    assert python("-c", "import config.wsgi", **PRODUCTION).returncode == 0


def test_offline_commands_need_no_production_settings():
    result = manage("makemigrations", "--check", "--dry-run")  # no environment at all
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_bad_value_fails_with_its_name():
    result = manage("check", **PRODUCTION, DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


@pytest.mark.django_db
def test_healthz_answers_the_proxy_in_production_shape(client, settings):
    settings.ALLOWED_HOSTS = ["entente.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(
        "/healthz", HTTP_HOST="entente.example.org", HTTP_X_FORWARDED_PROTO="https"
    )
    assert (response.status_code, response.content) == (200, b"ok")
    assert client.get("/healthz", HTTP_HOST="entente.example.org").status_code == 301


def test_env_example_lists_every_setting_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+|_bool|_int)\(\s*"([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - listed == set(), "settings missing from .env.example"
    assert listed - read == set(), ".env.example lists settings nothing reads"


def test_every_process_knows_the_jobs_it_may_enqueue_by_name():
    """The domain enqueues by task name (tracker.jobs): a web process that never imported
    tracker.tasks must know them too, or every write's recompute would be lost."""
    result = python(
        "-c",
        "import django; django.setup(); from celery import current_app; "
        "print(sorted(n for n in current_app.tasks if n.startswith('tracker.')))",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert "'tracker.tasks.recompute_snapshots'" in result.stdout


def test_no_import_cycle_between_the_projects_modules():
    """The layers contract (pyproject, make lint) orders the packages; this checks that no
    circle closes inside one either, lazy imports included."""
    import grimp

    graph = grimp.build_graph("config", "dashboard", "tracker")
    modules = {m for m in graph.modules if ".migrations" not in m}
    cycles = [
        (a, b)
        for a in modules
        for b in graph.find_modules_directly_imported_by(a) & modules
        if a != b and graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []
