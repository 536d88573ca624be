"""Decisions on signals: one per signal, recorded with who and when, in its history; undone
with a reason, retracting what was recorded; the outlet an item credits, found or proposed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.models import Observation, Signal, Source
from tracker.sources.triage import (
    NewSource,
    signal_accept,
    signal_dismiss,
    signal_outlet,
    signal_recorded_by_job,
    signal_undo,
)

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


def test_the_outlet_is_the_known_source_the_item_credits_by_name(signal):
    monitor = SourceFactory(name="Al-Monitor", homepage="https://al-monitor.com/")
    signal.proposal = {"outlet": "al-monitor"}  # case as the feed wrote it
    assert signal_outlet(signal).source == monitor


def test_the_outlet_is_found_by_the_links_host_without_www_or_with_a_subdomain(signal):
    espreso = SourceFactory(name="Espreso TV", homepage="https://www.espreso.tv/")
    for url in ("https://espreso.tv/a", "https://global.espreso.tv/a", "https://www.espreso.tv/"):
        signal.url = url
        assert signal_outlet(signal).source == espreso, url
    signal.url = "https://notespreso.tv/a"  # another site whose name ends the same way
    assert signal_outlet(signal).source == signal.source


def test_several_sources_on_one_site_are_not_guessed_between(signal):
    SourceFactory(name="BSS (AFP)", homepage="https://bssnews.net/")
    SourceFactory(name="BSS", homepage="https://bssnews.net/")
    signal.url = "https://bssnews.net/international/208860"
    outlet = signal_outlet(signal)
    assert outlet.source is None and "Several known sources are on bssnews.net" in outlet.note
    signal.proposal = {"outlet": "BSS (AFP)"}  # a name settles it
    assert signal_outlet(signal).source.name == "BSS (AFP)"


def test_an_unknown_credited_outlet_is_proposed_as_a_new_source(signal):
    signal.proposal = {"outlet": "Dagens"}
    signal.url = "https://www.dagens.com/world/a"
    outlet = signal_outlet(signal)
    assert outlet.source is None
    assert outlet.proposed == NewSource("Dagens", homepage="https://www.dagens.com/")
    assert outlet.proposed.default_reliability == "F"


def test_accepting_with_a_new_source_adds_it_in_the_same_transaction(signal, analyst):
    proposed = NewSource("Dagens", homepage="https://www.dagens.com/")
    with pytest.raises(ValidationError):
        signal_accept(
            signal,
            by=analyst,
            new_source=proposed,
            indicator=IndicatorFactory(),
            occurred_on=dt.date(2999, 1, 1),  # refused: no source is left behind
            summary="x",
            credibility=3,
            magnitude=2.0,
        )
    assert not Source.objects.filter(name="Dagens").exists()
    observation = signal_accept(
        signal,
        by=analyst,
        new_source=proposed,
        indicator=IndicatorFactory(),
        occurred_on=dt.date(2026, 11, 20),
        summary="x",
        credibility=3,
        magnitude=2.0,
    )
    assert observation.source.name == "Dagens" and observation.reliability == "F"
    assert observation.source.history.get().history_change_reason == "Added in triage"


def test_undoing_an_acceptance_retracts_the_observation_and_keeps_the_history(signal, analyst):
    observation = accept(signal, analyst)
    signal_undo(signal, by=analyst, reason="Wrong indicator")
    signal.refresh_from_db()
    assert (signal.state, signal.observation, signal.decided_by, signal.decided_at) == (
        "new",
        None,
        None,
        None,
    )
    observation.refresh_from_db()
    assert observation.status == "retracted" and observation.retracted_at == NOW
    assert observation.retraction_reason == "Triage undone: Wrong indicator"
    assert observation.history.first().history_user == analyst
    undone, accepted = signal.history.all()[:2]
    assert undone.history_change_reason == "Undone (accepted): Wrong indicator"
    assert (accepted.state, accepted.observation_id) == ("accepted", observation.pk)
    accept(signal, analyst)  # decided afresh, as any new signal
    assert Observation.objects.count() == 2


def test_undoing_an_acceptance_needs_a_reason(signal, analyst):
    accept(signal, analyst)
    with pytest.raises(ValidationError, match="Say why"):
        signal_undo(signal, by=analyst, reason="  ")
    signal.refresh_from_db()
    assert signal.state == "accepted" and signal.observation.status == "accepted"


def test_undoing_a_dismissal_or_nothing(signal, analyst):
    with pytest.raises(ValidationError, match="not decided"):
        signal_undo(signal, by=analyst)
    signal_dismiss(signal, by=analyst)
    signal_undo(signal, by=analyst)
    signal.refresh_from_db()
    assert (signal.state, signal.decided_at) == ("new", None)


def test_an_observation_several_signals_made_is_not_undone_from_one(signal, analyst):
    observation = ObservationFactory()
    other = Signal.objects.create(source=signal.source, external_id="guid-2", title="Another")
    signal_recorded_by_job(signal, observation)
    signal_recorded_by_job(other, observation)
    with pytest.raises(ValidationError, match="also records 1 other signal"):
        signal_undo(signal, by=analyst, reason="Wrong")
    observation.refresh_from_db()
    assert observation.status == "accepted"
    assert Signal.objects.get(pk=signal.pk).state == "accepted"


def test_only_who_may_retract_undoes_an_acceptance(signal, analyst):
    """Checked under the signal's lock: a triager without the right to retract cannot undo
    an acceptance, even one made after they looked at the queue."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    triager = UserFactory()
    triager.user_permissions.add(Permission.objects.get(codename="change_signal"))
    observation = accept(signal, analyst)
    with pytest.raises(PermissionDenied):
        signal_undo(signal, by=triager, reason="Mine now")
    observation.refresh_from_db()
    signal.refresh_from_db()
    assert observation.status == "accepted" and signal.state == "accepted"
