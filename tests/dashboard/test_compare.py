"""The comparison page: several relationships side by side on one scale, with their
families' sub-indices, under the filters they share."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.clock import TODAY
from tests.dashboard.conftest import BANDS
from tests.factories import (
    CategoryFactory,
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
)
from tracker.models import Family
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def watched(slug: str, title: str, *, actor_b: str, families, observed_on: dt.date):
    """A relationship with one observed stage indicator in each of `families`."""
    relationship = RelationshipFactory(slug=slug, title=title, actor_a="Russia", actor_b=actor_b)
    for slug, name, lower, upper in BANDS:
        ScenarioFactory(relationship=relationship, slug=slug, name=name, lower=lower, upper=upper)
    for family in families:
        indicator = IndicatorFactory(
            relationship=relationship, category=family.category, family=family, stage=True
        )
        ObservationFactory(
            indicator=indicator,
            occurred_on=observed_on,
            recorded_at=dt.datetime.combine(observed_on, dt.time(12), tzinfo=dt.UTC),
        )
    snapshots_refresh(relationship, end=TODAY)
    return relationship


@pytest.fixture
def pair():
    category = CategoryFactory(slug="military", name="Military")
    arms = Family.objects.create(
        slug="arms-to-a", name="Arms to {a}", category=category, weight=12, order=1
    )
    treaty = Family.objects.create(
        slug="treaty", name="Treaty with {b}", category=category, weight=15, order=2
    )
    early = TODAY - dt.timedelta(days=400)
    iran = watched(
        "russia-iran", "Russia–Iran", actor_b="Iran", families=[arms, treaty], observed_on=early
    )
    korea = watched(
        "russia-dprk",
        "Russia–North Korea",
        actor_b="North Korea",
        families=[arms],
        observed_on=TODAY,
    )
    return iran, korea


def test_several_relationships_make_the_home_page_the_comparison(client, pair):
    iran, korea = pair
    page = client.get("/").content.decode()
    assert "Relationships compared" in page
    for relationship in pair:
        assert reverse("dashboard:relationship", args=[relationship.slug]) in page
        assert f'id="relationship-{relationship.slug}"' in page
    assert 'data-figure="figure-compare"' in page and 'data-figure="figure-families"' in page
    assert reverse("dashboard:compare") in page  # the navigation offers it
    # The families' table: the shared first actor is named, the partner is not (they differ).
    assert "Arms to Russia" in page and "Treaty with the partner" in page
    rows = dict(re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', page, re.S))
    assert rows["Treaty with the partner"].count("no evidence") == 1  # North Korea's
    assert rows["Arms to Russia"].count("no evidence") == 0


def test_as_known_on_applies_to_every_relationship_and_follows_the_links(client, pair):
    iran, korea = pair
    day = (TODAY - dt.timedelta(days=30)).isoformat()
    page = client.get(reverse("dashboard:compare"), {"as_of": day}).content.decode()
    # North Korea's only report came later: as known then, it has no evidence at all.
    korea_card = page.split(f'id="relationship-{korea.slug}"')[1].split("</article>")[0]
    assert "No evidence" in korea_card
    iran_card = page.split(f'id="relationship-{iran.slug}"')[1].split("</article>")[0]
    assert f"as known on {(TODAY - dt.timedelta(days=30)):%-d %b %Y}" in iran_card
    assert f"{reverse('dashboard:relationship', args=[iran.slug])}?as_of={day}" in page


def test_a_bad_filter_is_a_400_naming_it(client, pair):
    response = client.get(reverse("dashboard:compare"), {"as_of": "2024-13-01"})
    assert response.status_code == 400
    assert "as_of" in response.content.decode()
