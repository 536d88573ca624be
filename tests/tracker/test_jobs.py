"""Jobs are enqueued by their task's name, after the commit, and a broker fault loses no write."""

import logging

import pytest
from celery import current_app
from celery.signals import task_prerun
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from tests.factories import RelationshipFactory
from tracker.jobs import enqueue_on_commit
from tracker.models import Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def started():
    """The jobs that ran (eagerly, as the test settings run them): name and arguments."""
    ran = []

    def note(sender, args, **_):
        ran.append((sender.name, tuple(args)))

    task_prerun.connect(note, weak=False)
    yield ran
    task_prerun.disconnect(note)


def test_the_job_runs_by_name_once_the_transaction_commits(
    django_capture_on_commit_callbacks, started
):
    relationship = RelationshipFactory()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit("tracker.tasks.recompute_snapshots", relationship.pk, None, None)
        assert started == []  # not before the commit
    assert started[0] == ("tracker.tasks.recompute_snapshots", (relationship.pk, None, None))


def test_a_rolled_back_change_enqueues_nothing(django_capture_on_commit_callbacks, started):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit("tracker.tasks.recompute_all")
        raise RuntimeError("roll back")
    assert callbacks == [] and started == []


def test_a_broker_fault_is_logged_in_one_line_and_the_change_stands(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    task = current_app.tasks["tracker.tasks.recompute_all"]

    def broker_down(*args, **kwargs):
        raise BrokerError("the broker is down")  # what kombu raises for Redis refusing

    monkeypatch.setattr(task, "apply_async", broker_down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        RelationshipFactory(slug="kept")
        enqueue_on_commit("tracker.tasks.recompute_all")
    assert Relationship.objects.filter(slug="kept").exists()
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "could not enqueue tracker.tasks.recompute_all" in record.getMessage()
    assert "the broker is down" in record.getMessage()
