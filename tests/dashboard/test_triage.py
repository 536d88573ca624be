"""Triage: accept into an observation (same validation), dismiss; decisions are recorded."""

import pytest
from django.urls import reverse

from tests.factories import IndicatorFactory, RelationshipFactory, SourceFactory
from tracker.models import Observation, Signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def signal():
    indicator = IndicatorFactory(slug="drone-transfers", name="Iranian drones for Russia")
    source = SourceFactory(name="Feed", adapter="rss", default_reliability="C")
    signal = Signal.objects.create(
        source=source,
        external_id="guid-1",
        title="Iran ships more Shahed drones to Russia",
        url="https://example.org/a",
    )
    signal.suggested.add(indicator)
    return signal


def test_queue_lists_new_signals_with_suggestions(analyst_client, signal):
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    assert signal.title in page and "Iranian drones for Russia" in page


def test_with_several_relationships_a_suggestion_names_its_relationship(analyst_client, signal):
    other = IndicatorFactory(
        relationship=RelationshipFactory(slug="china-russia", title="China–Russia"),
        name="Joint exercises",
    )
    signal.suggested.add(other)
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    assert '<span class="muted">China–Russia:</span> Joint exercises' in page
    mine = signal.suggested.get(slug="drone-transfers").relationship.title
    assert f'<span class="muted">{mine}:</span> Iranian drones for Russia' in page


def test_accept_form_is_prefilled_and_records_the_decision(analyst_client, analyst, signal):
    url = reverse("dashboard:triage-accept", args=[signal.pk])
    indicator = signal.suggested.get()
    html = analyst_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'<option value="{indicator.pk}" selected>' in html  # the suggested indicator
    assert f">\n{signal.title}</textarea>" in html  # the summary, pre-filled
    data = {
        "indicator": indicator.pk,
        "occurred_on": "2025-01-10",
        "precision": "day",
        "magnitude": "2",
        "summary": signal.title,
        "source": signal.source.pk,
        "url": signal.url,
        "credibility": "3",
    }
    response = analyst_client.post(url, data, headers={"HX-Request": "true"})
    assert "Accepted by" in response.content.decode()
    signal.refresh_from_db()
    assert signal.state == "accepted" and signal.decided_by == analyst
    assert signal.observation.reliability == "C"  # the source's default grade
    assert signal.history.first().history_change_reason == "Accepted"


def test_accept_validates_like_the_admin(analyst_client, signal):
    url = reverse("dashboard:triage-accept", args=[signal.pk])
    response = analyst_client.post(
        url,
        {"indicator": signal.suggested.get().pk, "occurred_on": "2999-01-01", "summary": "x",
         "source": signal.source.pk, "credibility": "3", "precision": "day"},
    )  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="error-occurred_on"' in html and "future" in html
    assert 'id="error-magnitude"' in html
    assert not Observation.objects.exists()
    signal.refresh_from_db()
    assert signal.state == "new"


def test_dismiss_once(analyst_client, analyst, signal):
    url = reverse("dashboard:triage-dismiss", args=[signal.pk])
    response = analyst_client.post(url, headers={"HX-Request": "true"})
    assert "Dismissed by" in response.content.decode()
    versions = signal.history.count()
    analyst_client.post(url)
    signal.refresh_from_db()
    assert (signal.state, signal.decided_by) == ("dismissed", analyst)
    assert signal.history.count() == versions  # the second click changed nothing


def test_readers_cannot_triage(reader_client, signal):
    assert reader_client.get(reverse("dashboard:triage")).status_code == 403
    response = reader_client.post(reverse("dashboard:triage-dismiss", args=[signal.pk]))
    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.state == "new"
