"""Whole pages from the cache (dashboard.pages): each reader gets their own page, a signed-in
one with a token of their own, an anonymous one the same compressed bytes as every other,
and nothing a page shows is served stale when it changes."""

import gzip
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import pages
from tests.clock import NOW
from tracker.models import Alert, Indicator, Observation, Relationship, Source
from tracker.selectors.series import series_version, version_by_slug

HOME = reverse("dashboard:home")
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def test_a_cached_page_has_a_fresh_token_that_works(analyst, small):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    url = reverse("dashboard:indicator", args=[small[1][0].slug])
    first, second = client.get(url), client.get(url)  # the second from the cache
    tokens = [TOKEN.search(r.content.decode())[1] for r in (first, second)]
    assert tokens[0] != tokens[1]  # masked anew for each answer (BREACH)
    for response in (first, second):
        page = response.content.decode()
        assert "\\x00" not in page and "\x00" not in page
    # The cached page's token is one the site accepts: a write with it goes through.
    observation = small[1][0].observations.first()
    retract = reverse("dashboard:observation-retract", args=[small[1][0].slug, observation.pk])
    answer = client.post(retract, {"reason": "A test of the token."}, HTTP_X_CSRFTOKEN=tokens[1])
    assert answer.status_code == 302
    observation.refresh_from_db()
    assert observation.status == Observation.Status.RETRACTED


def test_an_anonymous_page_is_the_same_bytes_for_everyone_and_holds_no_token(small):
    url = reverse("dashboard:indicator", args=[small[1][0].slug])
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, br")  # rendered and stored
    with CaptureQueriesContext(connection) as asked:
        second = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, br")  # another reader
    assert len(asked) == 1  # the page's version, with the indicator's lookup
    assert first["Content-Encoding"] == "br"  # the first answer, compressed on its way out
    assert second["Content-Encoding"] == "gzip"  # the stored bytes, compressed once
    page = gzip.decompress(second.content)
    assert page == gzip.decompress(Client().get(url, HTTP_ACCEPT_ENCODING="gzip").content)
    assert b"csrf" not in page.lower() and b"nonce" not in page
    assert page == Client().get(url).content  # unpacked for a client that takes no gzip
    assert b"Log in" in page


def test_a_page_holding_a_token_it_was_not_given_is_not_stored(small):
    built = []

    def build(extra):
        built.append(extra)  # a part that asked for its own token, not the one given
        return HttpResponse('<input name="csrfmiddlewaretoken" value="its-own">')

    request = RequestFactory().get("/somewhere")
    request.user = AnonymousUser()
    for _ in range(2):
        pages.cached_page(request, "v1", build, params=frozenset())
    assert len(built) == 2


def test_the_version_read_with_the_lookup_is_the_pages_and_the_series(small):
    relationship, indicators = small
    series = series_version(relationship)
    page = version_by_slug(Relationship, None, page=True)[1]
    assert version_by_slug(Relationship, relationship.slug, page=True) == (relationship.pk, page)
    assert version_by_slug(Relationship, None, page=False) == (relationship.pk, series)
    assert version_by_slug(Indicator, indicators[0].slug, page=True) == (relationship.pk, page)
    assert version_by_slug(Indicator, "no-such-indicator", page=False) is None
    Alert.objects.create(
        relationship=relationship, kind="band", key="v", title="t", message="m", created_at=NOW
    )  # beside the series: a new page version, the same series
    assert version_by_slug(Relationship, relationship.slug, page=False)[1] == series
    assert version_by_slug(Relationship, relationship.slug, page=True)[1] != page
    indicators[0].observations.first().save()  # a new history row: a new version
    assert version_by_slug(Indicator, indicators[0].slug, page=False)[1] != series


def test_the_version_every_warm_page_asks_is_planned_once_per_connection(small):
    """On PostgreSQL the page version's statement is prepared (planning its eighteen
    subqueries was most of a warm page's time there), and still moves with the data."""
    relationship, indicators = small
    url = reverse("dashboard:relationship", args=[relationship.slug])
    versions = set()
    for _ in range(6):
        assert Client().get(url).status_code == 200
        versions.add(version_by_slug(Relationship, relationship.slug, page=True))
    assert len(versions) == 1
    indicators[0].observations.first().save()
    assert version_by_slug(Relationship, relationship.slug, page=True) not in versions
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE %s",
                ["%tracker_historicalsharedevent%"],
            )
            runs = [n for (n,) in cursor.fetchall()]
        assert runs and max(runs) >= 8  # its 13 runs less those before it was prepared


def test_each_reader_gets_a_page_of_their_own(client, analyst, reader, small):
    url = reverse("dashboard:indicator", args=[small[1][0].slug])
    pages = {}
    for user in (None, analyst, reader, analyst):
        visitor = Client()
        if user:
            visitor.force_login(user)
        pages[user.username if user else "anonymous"] = visitor.get(url).content.decode()
    assert "Log in" in pages["anonymous"] and "Log out" not in pages["anonymous"]
    assert f"Log out {analyst.username}" in pages[analyst.username]
    assert f"Log out {reader.username}" in pages[reader.username]
    assert 'id="observation-form"' in pages[analyst.username]
    assert 'id="observation-form"' not in pages[reader.username]
    assert "Triage" not in pages[reader.username]


def test_alerts_and_sources_health_show_at_once(client, small):
    relationship, indicators = small
    assert "A band change to see" not in client.get(HOME).content.decode()
    Alert.objects.create(
        relationship=relationship, kind="band", key="t", title="A band change to see",
        message="Seen at once.", created_at=NOW,
    )  # fmt: skip
    assert "A band change to see" in client.get(HOME).content.decode()
    source = indicators[0].observations.first().source
    Source.objects.filter(pk=source.pk).update(
        enabled=True, adapter="rss", failures=3, last_error="timeout"
    )
    assert (
        f"<strong>{source.name}</strong> (3 failed refreshes" in client.get(HOME).content.decode()
    )


def test_a_waiting_message_is_shown_and_the_page_not_stored(analyst_client, small):
    indicator = small[1][0]
    url = reverse("dashboard:indicator", args=[indicator.slug])
    analyst_client.get(url)  # stored without a message
    observation = indicator.observations.first()
    retract = reverse("dashboard:observation-retract", args=[indicator.slug, observation.pk])
    analyst_client.post(retract, {"reason": "Shown once."})
    shown = analyst_client.get(url).content.decode()
    assert "Observation retracted" in shown
    assert "Observation retracted" not in analyst_client.get(url).content.decode()


def test_only_a_views_own_parameters_are_stored(client, small, django_assert_num_queries):
    url = reverse("dashboard:indicator", args=[small[1][0].slug])
    client.get(url, {"period": "1y", "page": "1"})
    with django_assert_num_queries(1):  # the page's version with the lookup: from the cache
        client.get(url, {"period": "1y", "page": "1"})
    # A made-up parameter or an overlong value: rendered again each time, never kept.
    for query in ({"period": "1y", "utm": "x"}, {"page": "9" * 100}):
        client.get(url, query)
        with CaptureQueriesContext(connection) as again:
            assert client.get(url, query).status_code == 200
        assert len(again) > 1, query


def test_pages_kept_per_reader_and_version_are_bounded(client, small, monkeypatch):
    monkeypatch.setattr("dashboard.pages.PAGES_PER_VERSION", 2)
    url = reverse("dashboard:indicator", args=[small[1][0].slug])
    for page in ("1", "2", "3"):
        client.get(url, {"page": page})
    for page, kept in (("1", True), ("2", True), ("3", False)):
        with CaptureQueriesContext(connection) as asked:
            client.get(url, {"page": page})
        assert (len(asked) == 1) is kept, page  # kept: the version (with the lookup) only


def test_a_shared_events_new_title_shows_at_once(analyst_client, small):
    from tracker.models import SharedEvent

    indicator = small[1][0]
    event = SharedEvent.objects.create(
        slug="drill", title="A drill of three navies", occurred_on=NOW.date()
    )
    indicator.observations.update(shared_event=event)  # no history: the version holds
    url = reverse("dashboard:indicator", args=[indicator.slug])
    assert "A drill of three navies" in analyst_client.get(url).content.decode()
    event.title = "A drill of three navies, renamed"
    event.save()
    assert "A drill of three navies, renamed" in analyst_client.get(url).content.decode()


def test_a_warm_view_of_a_category_asks_one_query_and_a_refused_one_is_never_kept(client, small):
    relationship, indicators = small
    category = indicators[0].category
    url = reverse("dashboard:relationship", args=[relationship.slug])
    assert client.get(url, {"category": category.slug, "period": "1y"}).status_code == 200
    with CaptureQueriesContext(connection) as asked:  # the filters are read only to render
        assert client.get(url, {"category": category.slug, "period": "1y"}).status_code == 200
    assert len(asked) == 1
    for _ in range(2):
        assert client.get(url, {"category": "no-such-category"}).status_code == 400
    old = category.slug
    category.slug = "renamed"
    category.save()  # a new version: the page kept for the old slug is not served
    assert client.get(url, {"category": old, "period": "1y"}).status_code == 400
