"""One event bearing on two relationships: recorded once, linked from each side's evidence."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory, RelationshipFactory
from tracker.models import Observation, SharedEvent
from tracker.observations.fixtures import shared_events_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


@pytest.fixture
def drill():
    return SharedEvent.objects.create(
        slug="drill-2019", title="A trilateral drill", occurred_on="2019-12-27"
    )


def indicator_of(slug: str, title: str):
    return IndicatorFactory(relationship=RelationshipFactory(slug=slug, title=title))


def test_each_side_links_to_the_others_reading_of_the_event(client, drill):
    iran = ObservationFactory(
        indicator=indicator_of("russia-iran", "Russia–Iran"), shared_event=drill
    )
    china = ObservationFactory(
        indicator=indicator_of("china-russia", "China–Russia"), shared_event=drill
    )
    for mine, other in ((iran, china), (china, iran)):
        page = client.get(reverse("dashboard:indicator", args=[mine.indicator.slug]))
        html = page.content.decode()
        assert "Shared event: <span" in html and "A trilateral drill" in html
        assert f'href="/indicators/{other.indicator.slug}/"' in html
        assert f'href="/indicators/{mine.indicator.slug}/"' not in html  # not to itself


def test_a_retracted_reading_on_the_other_side_is_not_linked(client, drill):
    iran = ObservationFactory(
        indicator=indicator_of("russia-iran", "Russia–Iran"), shared_event=drill
    )
    china = ObservationFactory(
        indicator=indicator_of("china-russia", "China–Russia"),
        shared_event=drill,
        status=Observation.Status.RETRACTED,
        retraction_reason="Misread",
        retracted_at=NOW,
    )
    html = client.get(reverse("dashboard:indicator", args=[iran.indicator.slug])).content.decode()
    assert "A trilateral drill" in html
    assert f'href="/indicators/{china.indicator.slug}/"' not in html


def test_shared_events_load_creates_then_updates_with_history(tmp_path):
    path = tmp_path / "shared_events.toml"
    path.write_text(
        '[[events]]\nslug = "drill-2019"\ntitle = "A drill"\noccurred_on = 2019-12-27\n',
        encoding="utf-8",
    )
    shared_events_load(path)
    path.write_text(path.read_text(encoding="utf-8").replace("A drill", "A naval drill"))
    report = shared_events_load(path)
    event = SharedEvent.objects.get()
    assert event.title == "A naval drill" and event.history.count() == 2
    assert "title 'A drill' -> 'A naval drill'" in str(report)


def test_the_demo_links_one_event_in_two_relationships():
    call_command("loaddemo", stdout=io.StringIO())
    for event in SharedEvent.objects.all():
        sides = set(event.observations.values_list("indicator__relationship__slug", flat=True))
        assert len(sides) >= 2, event.slug
