"""Writes need a logged-in analyst; readers and anonymous visitors only read."""

import pytest
from django.urls import reverse

from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.models import Observation

pytestmark = pytest.mark.django_db


def valid_post(indicator, source):
    return {
        "indicator": indicator.pk,
        "occurred_on": "2024-01-01",
        "precision": "day",
        "magnitude": "2",
        "summary": "x",
        "source": source.pk,
        "credibility": "2",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }


def test_anonymous_cannot_write(client):
    response = client.post(
        reverse("admin:tracker_observation_add"), valid_post(IndicatorFactory(), SourceFactory())
    )
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not Observation.objects.exists()


def test_reader_cannot_add_change_or_retract(reader_client):
    observation = ObservationFactory(summary="Original")
    add = reverse("admin:tracker_observation_add")
    assert reader_client.get(add).status_code == 403
    assert (
        reader_client.post(add, valid_post(observation.indicator, observation.source)).status_code
        == 403
    )
    change = reverse("admin:tracker_observation_change", args=[observation.pk])
    data = {**valid_post(observation.indicator, observation.source), "summary": "Changed"}
    reader_client.post(change, data)
    reader_client.post(
        reverse("admin:tracker_observation_changelist"),
        {"action": "retract_selected", "_selected_action": [observation.pk], "reason": "x"},
    )
    observation.refresh_from_db()
    assert (observation.summary, observation.status) == ("Original", "accepted")
    # ...but reads the evidence.
    assert reader_client.get(change).status_code == 200


def test_reader_cannot_edit_sources(reader_client):
    source = SourceFactory(default_reliability="B")
    url = reverse("admin:tracker_source_change", args=[source.pk])
    reader_client.post(url, {"name": source.name, "kind": "news", "default_reliability": "A"})
    source.refresh_from_db()
    assert source.default_reliability == "B"


def test_admin_writes_need_csrf(analyst):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post(
        reverse("admin:tracker_observation_add"), valid_post(IndicatorFactory(), SourceFactory())
    )
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_dashboard_is_private_unless_public(client, settings):
    settings.DASHBOARD_PUBLIC = False
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    settings.DASHBOARD_PUBLIC = True
    assert client.get(reverse("dashboard:home")).status_code == 200
