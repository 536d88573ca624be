"""Decisions on signals: one per signal, recorded with who and when, in its history."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.models import Observation, Signal
from tracker.sources.triage import signal_accept, signal_dismiss, signal_recorded_by_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def signal():
    return Signal.objects.create(
        source=SourceFactory(default_reliability="C"),
        external_id="guid-1",
        title="Iran ships more Shahed drones to Russia",
        url="https://example.org/a",
    )


def accept(signal, by):
    return signal_accept(
        signal,
        by=by,
        indicator=IndicatorFactory(),
        occurred_on=dt.date(2026, 11, 20),
        source=signal.source,
        summary=signal.title,
        credibility=3,
        magnitude=2.0,
    )


def test_accepting_records_the_observation_and_the_decision(signal, analyst):
    observation = accept(signal, analyst)
    signal.refresh_from_db()
    assert (signal.state, signal.observation, signal.decided_by) == (
        "accepted",
        observation,
        analyst,
    )
    assert signal.decided_at == NOW
    assert (observation.analyst, observation.reliability) == (analyst, "C")
    assert signal.history.first().history_change_reason == "Accepted"


def test_dismissing_records_the_decision_and_no_observation(signal, analyst):
    signal_dismiss(signal, by=analyst)
    signal.refresh_from_db()
    assert (signal.state, signal.observation, signal.decided_by) == ("dismissed", None, analyst)
    assert not Observation.objects.exists()


def test_one_decision_per_signal(signal, analyst):
    signal_dismiss(signal, by=analyst)
    with pytest.raises(ValidationError, match="already dismissed"):
        accept(signal, analyst)
    with pytest.raises(ValidationError, match="already dismissed"):
        signal_dismiss(signal, by=analyst)
    assert not Observation.objects.exists()


def test_an_invalid_observation_leaves_the_signal_undecided(signal, analyst):
    with pytest.raises(ValidationError):
        signal_accept(
            signal,
            by=analyst,
            indicator=IndicatorFactory(),
            occurred_on=dt.date(2999, 1, 1),  # in the future
            source=signal.source,
            summary="x",
            credibility=3,
            magnitude=2.0,
        )
    signal.refresh_from_db()
    assert (signal.state, signal.decided_by) == ("new", None)


def test_a_job_records_a_structured_item_without_an_analyst(signal):
    observation = ObservationFactory()
    signal_recorded_by_job(signal, observation)
    signal.refresh_from_db()
    assert (signal.state, signal.observation, signal.decided_by) == ("accepted", observation, None)
    assert signal.history.first().history_change_reason == "Recorded by the refresh job"
