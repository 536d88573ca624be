"""Writes keep history: record, correct, retract, reinstate; nothing is deleted; each
change refreshes the series from the earliest day it touches, once it commits."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tests.tracker.support import END, catalogue, observe, stored_rows
from tracker.models import Observation, Snapshot
from tracker.observations import services
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_record_defaults_reliability_to_the_source_and_notes_the_analyst(analyst):
    source = SourceFactory(default_reliability="D")
    observation = services.observation_record(
        indicator=IndicatorFactory(),
        occurred_on=dt.date(2024, 9, 10),
        source=source,
        summary="Missiles delivered.",
        credibility=2,
        magnitude=3,
        analyst=analyst,
    )
    assert observation.reliability == "D"
    first = observation.history.get()
    assert first.history_type == "+"
    assert first.history_user == analyst


def test_record_rejects_invalid_input_and_writes_nothing(analyst):
    with pytest.raises(ValidationError) as caught:
        services.observation_record(
            indicator=IndicatorFactory(),
            occurred_on=dt.date(2024, 9, 10),
            source=SourceFactory(),
            summary="",
            credibility=9,
            value=3,
            analyst=analyst,
        )
    assert {"summary", "credibility", "magnitude", "value"} <= set(caught.value.message_dict)
    assert not Observation.objects.exists()
    assert not Observation.history.exists()


def test_backdated_record_dates_its_first_version_when_recorded():
    recorded = dt.datetime(2023, 3, 11, 12, tzinfo=dt.UTC)
    observation = services.observation_record(
        indicator=IndicatorFactory(),
        occurred_on=dt.date(2023, 3, 10),
        source=SourceFactory(),
        summary="Contract finalised.",
        credibility=2,
        magnitude=2,
        recorded_at=recorded,
    )
    assert observation.history.get().history_date == recorded


def test_correction_keeps_the_previous_version(analyst):
    observation = ObservationFactory(magnitude=2, summary="First reading.")
    services.observation_correct(
        observation, by=analyst, reason="Better source", magnitude=4, summary="Second reading."
    )
    observation.refresh_from_db()
    assert (observation.magnitude, observation.summary) == (4, "Second reading.")
    latest, previous = observation.history.all()[:2]
    assert (previous.magnitude, previous.summary) == (2, "First reading.")
    assert latest.history_user == analyst
    assert latest.history_change_reason == "Better source"
    assert latest.diff_against(previous).changed_fields == ["magnitude", "summary"]


def test_correction_validates(analyst):
    observation = ObservationFactory()
    with pytest.raises(ValidationError):
        services.observation_correct(observation, by=analyst, magnitude=-1)
    observation.refresh_from_db()
    assert observation.magnitude == 2
    assert observation.history.count() == 1


def test_provenance_is_not_correctable(analyst):
    with pytest.raises(ValueError, match="recorded_at"):
        services.observation_correct(ObservationFactory(), by=analyst, recorded_at=None)


def test_retract_keeps_the_row_and_says_why(analyst):
    observation = ObservationFactory()
    services.observation_retract(observation, by=analyst, reason="Report withdrawn")
    observation.refresh_from_db()
    assert observation.is_retracted
    assert observation.retracted_at is not None
    assert observation.retraction_reason == "Report withdrawn"
    assert observation.history.first().history_change_reason == "Retracted: Report withdrawn"
    assert Observation.objects.accepted().count() == 0
    assert Observation.objects.count() == 1


def test_retract_needs_a_reason(analyst):
    with pytest.raises(ValidationError):
        services.observation_retract(ObservationFactory(), by=analyst, reason="  ")


def test_retracted_cannot_be_corrected_until_reinstated(analyst):
    observation = ObservationFactory()
    services.observation_retract(observation, by=analyst, reason="Wrong indicator")
    with pytest.raises(ValidationError, match="reinstate"):
        services.observation_correct(observation, by=analyst, magnitude=3)
    services.observation_reinstate(observation, by=analyst, reason="Retracted in error")
    services.observation_correct(observation, by=analyst, magnitude=3)
    assert [h.status for h in observation.history.order_by("history_date")] == [
        "accepted",
        "retracted",
        "accepted",
        "accepted",
    ]


def test_a_retraction_refreshes_on_commit(django_capture_on_commit_callbacks, analyst):
    relationship, indicators = catalogue()
    with time_machine.travel(dt.datetime(2024, 3, 1, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            early = services.observation_record(
                indicator=indicators[0],
                occurred_on=dt.date(2024, 1, 10),
                source=SourceFactory(),
                summary="Drones delivered.",
                credibility=1,
                magnitude=4,
                analyst=analyst,
            )
        peak = Snapshot.objects.get(date=dt.date(2024, 1, 10)).index
        with django_capture_on_commit_callbacks(execute=True):
            services.observation_retract(early, by=analyst, reason="Withdrawn")
    assert not Snapshot.objects.exists()  # no accepted evidence left: no series
    assert peak > 0


def test_a_correction_refreshes_from_the_earlier_of_old_and_new_dates(
    django_capture_on_commit_callbacks, analyst
):
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    late = observe(indicators[0], 60, 1)
    snapshots_refresh(relationship, end=END)
    with (
        time_machine.travel(dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.observation_correct(late, by=analyst, occurred_on=dt.date(2024, 1, 20))
    corrected = stored_rows(relationship)
    snapshots_refresh(relationship, end=END)
    assert stored_rows(relationship) == corrected
