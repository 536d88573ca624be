import importlib
import os

import pytest
import time_machine
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache

from tests.clock import NOW
from tests.factories import UserFactory

CI = os.environ.get("CI", "").lower() == "true"

# One frozen clock for the whole run, collection and migrations included (see tests/clock.py).
FROZEN = time_machine.travel(NOW, tick=False)


def pytest_configure(config):
    FROZEN.start()


def pytest_unconfigure(config):
    FROZEN.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failure: CI must run everything for real."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which counts as a failure: {reason}"


@pytest.fixture
def real_clock():
    """The wall clock, running, for a test about other processes (a Celery worker reads the
    machine's clock, not this process's frozen one)."""
    with time_machine.travel(time_machine.escape_hatch.time.time(), tick=True):
        yield


@pytest.fixture
def loopback_feeds(settings):
    """The tests' feed servers listen on 127.0.0.1, which the fetcher refuses unless an
    operator allows it (FETCH_ALLOWED_HOSTS): these tests allow it, as an operator would."""
    settings.FETCH_ALLOWED_HOSTS = frozenset({"127.0.0.1"})


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (rolled-back ids can come back in the next test)."""
    cache.clear()


@pytest.fixture
def groups(db):
    """The Analyst and Reader groups, as the data migration makes them (a transactional
    test's flush removes migration data, so recreate it idempotently)."""
    importlib.import_module("tracker.migrations.0002_analyst_and_reader_groups").create_groups(
        django_apps, None
    )
    for name in (
        "0008_group_permissions_for_jobs",
        "0024_question_permissions",
        "0026_family_and_shared_event_permissions",
    ):
        importlib.import_module(f"tracker.migrations.{name}").grant(django_apps, None)


@pytest.fixture
def analyst(groups):
    user = UserFactory(username="ana", is_staff=True)
    user.groups.add(Group.objects.get(name="Analyst"))
    return user


@pytest.fixture
def reader(groups):
    user = UserFactory(username="rea", is_staff=True)
    user.groups.add(Group.objects.get(name="Reader"))
    return user


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client
