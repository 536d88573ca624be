"""The overview's assessment is rendered once per data version and view (dashboard.fragments):
what a warm page costs, and that no change to what it shows is ever served stale."""

import datetime as dt
import gzip
import json
import re
from html import unescape

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dashboard.warming import warm_pages
from tests.clock import NOW, TODAY
from tests.factories import ObservationFactory, SourceFactory, UserFactory
from tracker import tasks
from tracker.models import Indicator, Source
from tracker.series.refresh import snapshots_refresh

HOME = reverse("dashboard:home")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def test_a_warm_overview_asks_the_database_only_what_changes_without_the_data(
    client, small, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(38):  # cold: the budget of test_views
        cold = client.get(HOME, **HTMX).content
    # Warm, the whole page from the cache (dashboard.pages): whether several relationships
    # are watched (the home page is then the comparison), and which is shown with the
    # page's version for the key, alerts, forecasts and sources' health included (2).
    with django_assert_num_queries(2):
        warm = client.get(HOME, **HTMX).content
    assert warm == cold


def test_a_new_report_shows_at_once_without_clearing_the_cache(client, small):
    relationship, indicators = small
    assert "A report from this morning" not in client.get(HOME).content.decode()
    ObservationFactory(
        indicator=indicators[0],
        occurred_on=TODAY - dt.timedelta(days=1),
        summary="A report from this morning",
    )
    snapshots_refresh(relationship, end=TODAY)
    assert "A report from this morning" in client.get(HOME).content.decode()


def test_a_renamed_source_shows_its_new_name_at_once(client, small):
    relationship, indicators = small
    source = indicators[0].observations.latest("occurred_on").source
    assert source.name in client.get(HOME).content.decode()
    source.name = "Renamed Wire"
    source.save()  # a correction through the model: it leaves a history row
    assert "Renamed Wire" in client.get(HOME).content.decode()


def test_an_indicator_goes_stale_at_midnight_with_no_change_to_the_data(client, small):
    relationship, indicators = small
    last = indicators[0].observations.latest("occurred_on").occurred_on
    # Due today, stale tomorrow. A queryset update leaves no history: the data version holds.
    Indicator.objects.filter(pk=indicators[0].pk).update(cadence_days=(TODAY - last).days)

    def stale_names():
        page = client.get(HOME).content.decode()
        return page.split("<h2>Stale indicators</h2>")[1].split("</ul>")[0]

    assert indicators[0].name not in stale_names()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert indicators[0].name in stale_names()


def test_what_is_per_user_never_enters_the_cache(client, small):
    relationship, indicators = small
    failing = SourceFactory(
        name="Broken Feed", adapter="rss", feed_url="https://example.org/feed", enabled=True
    )
    Source.objects.filter(pk=failing.pk).update(failures=3, last_error="HTTP 500 from host")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    assert "HTTP 500 from host" in staff.get(HOME).content.decode()
    page = client.get(HOME).content.decode()  # the same view, now warm, for anyone
    assert "Broken Feed" in page and "HTTP 500 from host" not in page
    # Nor the CSRF token: the cached parts are rendered without the request.
    entries = [entry for entry in _cached_entries() if "parts" in entry]
    assert entries
    for entry in entries:
        assert "csrf" not in str(entry).lower() and "HTTP 500" not in str(entry)


def _cached_entries() -> list[dict]:
    """The pages' cached parts (the tests' cache is in memory; its keys carry a version)."""
    keys = [key.split(":", 2)[2] for key in cache._cache]  # noqa: SLF001
    found = [cache.get(key) for key in keys if key.startswith("entente:page:")]
    return [entry for entry in found if isinstance(entry, dict)]  # not the pages' counters


def test_a_recompute_leaves_the_default_overview_rendered(small, django_assert_num_queries):
    relationship, indicators = small
    ObservationFactory(indicator=indicators[0], occurred_on=TODAY - dt.timedelta(days=2))
    tasks.recompute_snapshots(relationship.pk)  # the job, as a worker runs it
    entries = _cached_entries()
    assert sum(bool(entry.get("parts")) for entry in entries) == 2  # the two addresses
    assert sum("gzip" in entry for entry in entries) == 1  # and the figures they draw
    # Its parts are ready, nothing left to score: the page around them is rendered once
    # (the frame, alerts, forecasts, sources: 10), then served whole (2, as warm as above).
    with django_assert_num_queries(10):
        assert Client().get(HOME).status_code == 200
    with django_assert_num_queries(2):
        assert Client().get(HOME).status_code == 200


def test_a_fault_while_warming_never_fails_the_recompute(small, monkeypatch, caplog):
    relationship, _ = small

    def broken(*args, **kwargs):
        raise RuntimeError("template went missing")

    monkeypatch.setattr("dashboard.views.overview_assessed", broken)
    report = tasks.recompute_snapshots(relationship.pk)
    assert relationship.slug in report
    assert "template went missing" in caplog.text


def test_warming_renders_the_home_page_only_for_the_one_relationship_watched(small):
    relationship, _ = small
    paths = warm_pages(None, relationship=relationship)
    assert paths == [reverse("dashboard:relationship", args=[relationship.slug]), HOME]


def _figures_url(client, path=HOME, **query):
    page = client.get(path, query).content.decode()
    return unescape(re.search(r'data-figure-url="([^"]+)"', page)[1])


def test_the_figures_come_once_per_version_gzipped_and_kept_by_the_browser(
    client, small, django_assert_max_num_queries
):
    relationship, indicators = small
    url = _figures_url(client)
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    figures = json.loads(gzip.decompress(first.content))  # gzipped once, not twice
    assert set(figures) == {"figure-index", "figure-odds", "figure-categories"}
    assert "immutable" in first["Cache-Control"] and "private" in first["Cache-Control"]
    with django_assert_max_num_queries(2):  # the relationship and the data version
        assert client.get(url, HTTP_ACCEPT_ENCODING="gzip").content == first.content
    assert json.loads(client.get(url).content) == figures  # plain for a client without gzip
    # A new report: the page names a new version, and the old URL is no longer immutable.
    ObservationFactory(indicator=indicators[0], occurred_on=TODAY - dt.timedelta(days=1))
    snapshots_refresh(relationship, end=TODAY)
    assert _figures_url(client) != url
    assert "no-cache" in client.get(url)["Cache-Control"]


def test_the_figures_follow_the_view_and_refuse_a_bad_one(client, small):
    url = _figures_url(client, category="cat-1")
    index = client.get(url).json()["figure-index"]
    assert [t["name"] for t in index["data"] if t.get("mode") != "markers"][-1] == "Category 1"
    assert "moved_from" not in _figures_url(client, moved_from="2026-10-01")  # draws nothing
    relationship, _ = small
    path = reverse("dashboard:overview-figures", args=[relationship.slug])
    bad = client.get(path, {"as_of": "2026-13-01"})
    assert bad.status_code == 400 and "as_of" in bad.json()["detail"]


def test_the_figures_are_for_readers_when_the_dashboard_is_private(settings, small):
    relationship, _ = small
    settings.DASHBOARD_PUBLIC = False
    path = reverse("dashboard:overview-figures", args=[relationship.slug])
    refused = Client().get(path)
    assert refused.status_code == 302 and reverse("login") in refused["Location"]
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get(path).status_code == 200


def test_a_new_release_renders_anew_what_the_last_one_cached(client, small, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard import fragments

    client.get(HOME)
    with CaptureQueriesContext(connection) as warm:
        client.get(HOME)
    monkeypatch.setattr(fragments, "RELEASE", "a-later-release")
    with CaptureQueriesContext(connection) as after:
        client.get(HOME)
    assert len(after) > len(warm) + 5  # scored and rendered again, not served from the cache


def test_an_indicator_page_draws_its_chart_once_per_version(client, small):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    relationship, indicators = small
    url = reverse("dashboard:indicator", args=[indicators[0].slug])
    figure_url = re.compile(r'data-figure-url="([^"]+)"')
    with CaptureQueriesContext(connection) as cold:
        first = unescape(figure_url.search(client.get(url).content.decode())[1])
        drawn = client.get(first).content.decode()
    with CaptureQueriesContext(connection) as warm:
        assert unescape(figure_url.search(client.get(url).content.decode())[1]) == first
        assert client.get(first).content.decode() == drawn
    readings = [q["sql"] for q in warm if "tracker_readingseries" in q["sql"]]
    assert readings == [] and len(warm) < len(cold)
    ObservationFactory(
        indicator=indicators[0], occurred_on=TODAY - dt.timedelta(days=3), source__name="Fresh"
    )
    snapshots_refresh(relationship, end=TODAY)
    now = unescape(figure_url.search(client.get(url).content.decode())[1])
    assert now != first  # the URL names the new version
    chart = client.get(now).json()["figure-indicator"]
    assert "Fresh" in json.dumps(chart) and "Fresh" not in drawn
    assert client.get(first).headers["Cache-Control"] == "private, no-cache"  # old: revalidated
