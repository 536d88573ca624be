"""Triage: accept into an observation (same validation, pre-filled from what the item says),
dismiss, undo; decisions are recorded and counted; every control works without htmx."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    SourceFactory,
    StageFactory,
    UserFactory,
)
from tracker.models import Observation, Signal, Source
from tracker.sources.triage import signal_accept, signal_dismiss

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def feed():
    return SourceFactory(
        name="Demo feed",
        adapter="rss",
        homepage="https://example.org/entente-demo",
        default_reliability="F",
    )


@pytest.fixture
def outlet():
    return SourceFactory(
        name="Al-Monitor", homepage="https://al-monitor.com/", default_reliability="C"
    )


@pytest.fixture
def signal(feed, outlet):
    """A feed's item crediting a known outlet, suggesting an event indicator."""
    indicator = IndicatorFactory(
        slug="missile-transfers",
        name="Iranian missiles for Russia",
        unit="event intensity (1 minor – 5 exceptional)",
    )
    signal = Signal.objects.create(
        source=feed,
        external_id="guid-1",
        title="US confirms Russia received ballistic missiles from Iran",
        url="https://al-monitor.com/originals/2024/09/us-confirms",
        excerpt="Al-Monitor: US confirms Russia received ballistic missiles from Iran",
        proposal={"outlet": "Al-Monitor"},
        published_at="2024-09-11T09:00:00Z",
    )
    signal.suggested.add(indicator)
    return signal


class _Form(HTMLParser):
    """What a browser would submit from the first triage form in a page that posts: each
    named control's current value (checked boxes, selected options, textareas' text)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.shown: list[str] = []
        self._select = self._textarea = None
        self._in = self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self._done:
            self._in = a.get("method") == "post" and "/triage/" in a.get("action", "")
        if self._done or not self._in:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "checkbox"}:
            self.data[name] = a.get("value", "")
        if tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = a.get("value", "on")
        if tag in {"input", "select", "textarea"} and name:
            self.shown.append(name)
        if tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        if tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        if tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag == "form" and self._in:
            self._in, self._done = False, True

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def form_of(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


def options(html: str, name: str) -> list[str]:
    """The option labels of the select named `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} select"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group())


def accept_url(signal):
    return reverse("dashboard:triage-accept", args=[signal.pk])


def in_row(signal):
    """The accept form as the queue's row asks for it with htmx."""
    return accept_url(signal) + "?in_row=1"


def test_queue_lists_new_signals_with_suggestions(analyst_client, signal):
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    assert signal.title in page and "Iranian missiles for Russia" in page
    assert "Al-Monitor, via Demo feed" in page  # who published it, and who found it


def test_with_several_relationships_a_suggestion_names_its_relationship(analyst_client, signal):
    other = IndicatorFactory(
        relationship=RelationshipFactory(slug="china-russia", title="China–Russia"),
        name="Joint exercises",
    )
    signal.suggested.add(other)
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    assert '<span class="muted">China–Russia:</span> Joint exercises' in page
    mine = signal.suggested.get(slug="missile-transfers").relationship.title
    assert f'<span class="muted">{mine}:</span> Iranian missiles for Russia' in page


def test_the_queue_links_to_the_overview(analyst_client, signal):
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    overview = reverse("dashboard:relationship", args=["russia-iran"])
    assert f'<a href="{overview}">Overview</a>' in page


def test_the_queue_reads_in_a_bounded_number_of_queries(
    analyst_client, signal, feed, django_assert_max_num_queries
):
    for n in range(30):
        other = Signal.objects.create(source=feed, external_id=f"guid-x{n}", title=f"Item {n}")
        other.suggested.add(signal.suggested.get())
    with django_assert_max_num_queries(15):
        analyst_client.get(reverse("dashboard:triage"))


def test_accept_prefills_the_outlet_the_item_credits_not_the_feed(analyst_client, signal, outlet):
    html = analyst_client.get(in_row(signal), headers=HTMX).content.decode()
    form = form_of(html)
    assert form.data["source"] == str(outlet.pk)
    assert form.data["indicator"] == str(signal.suggested.get().pk)
    assert form.data["summary"] == signal.title
    assert form.data["quote"] == ""  # a headline is not the source's own words
    assert form.data["occurred_on"] == "2024-09-11"


def test_an_outlet_is_found_by_the_host_of_the_items_link(analyst_client, signal, feed):
    espreso = SourceFactory(name="Espreso TV", homepage="https://espreso.tv/")
    signal.proposal = {}  # the item names no one: its link says where it was published
    signal.url = "https://global.espreso.tv/military-news-putin"
    signal.save()
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    assert form.data["source"] == str(espreso.pk)


def test_an_item_naming_no_one_on_an_unknown_site_is_the_feeds_own(analyst_client, signal, feed):
    signal.proposal = {}
    signal.url = "https://unknown.example.net/a"
    signal.save()
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    assert form.data["source"] == str(feed.pk)


def test_an_unknown_outlet_is_proposed_and_added_on_accepting(analyst_client, analyst, signal):
    signal.proposal = {"outlet": "Dagens"}
    signal.url = "https://www.dagens.com/world/russia-leaves-ally"
    signal.save()
    html = analyst_client.get(in_row(signal), headers=HTMX).content.decode()
    form = form_of(html)
    assert "A publisher not yet in the sources" in html
    assert form.data["source"] == ""
    assert form.data["new_source"] == "on"  # proposed: the analyst confirms by submitting
    assert form.data["new_source_name"] == "Dagens"
    assert form.data["new_source_homepage"] == "https://www.dagens.com/"
    assert form.data["new_source_reliability"] == "F"
    response = analyst_client.post(accept_url(signal), form.data, headers=HTMX)
    assert response.status_code == 200
    dagens = Source.objects.get(name="Dagens")
    assert (dagens.kind, dagens.default_reliability) == ("news", "F")
    assert dagens.history.get().history_user == analyst
    signal.refresh_from_db()
    assert signal.state == "accepted" and signal.observation.source == dagens
    assert signal.observation.reliability == "F"


def test_an_unticked_proposal_needs_a_known_source(analyst_client, signal):
    signal.proposal = {"outlet": "Dagens"}
    signal.url = "https://www.dagens.com/world/a"
    signal.save()
    data = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode()).data
    del data["new_source"]
    response = analyst_client.post(accept_url(signal), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<a href="#s{signal.pk}-source">Source</a>: Choose the publisher' in html
    assert not Source.objects.filter(name="Dagens").exists()
    assert not Observation.objects.exists()


def test_adding_a_source_needs_the_permission(client, signal):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="change_signal"))
    user.user_permissions.add(Permission.objects.get(codename="add_observation"))
    client.force_login(user)
    signal.proposal = {"outlet": "Dagens"}
    signal.url = "https://www.dagens.com/world/a"
    signal.save()
    data = form_of(client.get(in_row(signal), headers=HTMX).content.decode()).data
    assert client.post(accept_url(signal), data).status_code == 403
    assert not Source.objects.filter(name="Dagens").exists()


def test_an_event_indicator_asks_for_its_magnitude_only(analyst_client, signal):
    html = analyst_client.get(in_row(signal), headers=HTMX).content.decode()
    form = form_of(html)
    assert "magnitude" in form.shown
    assert "value" not in form.shown and "stage" not in form.shown
    assert "In its unit: event intensity (1 minor – 5 exceptional)." in html


def test_a_level_indicator_asks_for_its_value_only(analyst_client, signal):
    level = IndicatorFactory(level=True, slug="bilateral-trade", name="Trade", unit="US$ bn")
    signal.suggested.set([level])
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    assert "value" in form.shown
    assert "magnitude" not in form.shown and "stage" not in form.shown


def test_a_stage_indicator_offers_its_own_ladder_only(analyst_client, signal):
    ladder = IndicatorFactory(stage=True, slug="treaty-ladder", name="Treaty")
    StageFactory(name="Someone else's rung")  # another indicator's ladder
    signal.suggested.set([ladder])
    html = analyst_client.get(in_row(signal), headers=HTMX).content.decode()
    form = form_of(html)
    assert "stage" in form.shown
    assert "magnitude" not in form.shown and "value" not in form.shown
    labels = options(html, "stage")
    assert labels[1:] == [
        "Treaty: Reported interest (0.2)",
        "Treaty: Contract (0.6)",
        "Treaty: Delivered (1)",
    ]


def test_a_stage_is_prefilled_with_the_rung_the_ladder_stands_on(analyst_client, signal):
    ladder = IndicatorFactory(stage=True, slug="treaty-ladder", name="Treaty")
    contract = ladder.stages.get(name="Contract")
    ObservationFactory(indicator=ladder, stage=contract)
    signal.suggested.set([ladder])
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    assert form.data["stage"] == str(contract.pk)


def test_the_prefilled_form_records_on_the_first_submit(analyst_client, analyst, signal, outlet):
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    response = analyst_client.post(accept_url(signal), form.data, headers=HTMX)
    assert response.status_code == 200
    assert "Accepted by" in response.content.decode()
    assert response["HX-Retarget"] == f"#signal-{signal.pk}"  # the whole row, not the form
    signal.refresh_from_db()
    assert signal.state == "accepted" and signal.decided_by == analyst
    observation = signal.observation
    assert (observation.source, observation.reliability) == (outlet, "C")  # its usual grade
    assert (observation.magnitude, observation.credibility, observation.quote) == (2.0, 3, "")
    assert signal.history.first().history_change_reason == "Accepted"


def test_a_level_without_its_value_names_the_field(analyst_client, signal):
    level = IndicatorFactory(level=True, slug="bilateral-trade", name="Trade", unit="US$ bn")
    signal.suggested.set([level])
    data = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode()).data
    response = analyst_client.post(accept_url(signal), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<a href="#s{signal.pk}-value">Value</a>: “Trade” is a level indicator' in html
    assert f'id="s{signal.pk}-value_error"' in html
    assert not Observation.objects.exists()


def test_accept_validates_like_the_admin(analyst_client, signal):
    data = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode()).data
    response = analyst_client.post(accept_url(signal), data | {"occurred_on": "2999-01-01"})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="s{signal.pk}-occurred_on_error"' in html and "future" in html
    assert not Observation.objects.exists()
    signal.refresh_from_db()
    assert signal.state == "new"


def test_choosing_another_indicator_shows_its_fields_and_keeps_the_entries(analyst_client, signal):
    ladder = IndicatorFactory(stage=True, slug="treaty-ladder", name="Treaty")
    data = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode()).data
    data |= {"indicator": str(ladder.pk), "summary": "My own words", "refresh": "1"}
    response = analyst_client.post(accept_url(signal), data, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="accept-{signal.pk}"')  # the form, in place
    form = form_of(html)
    assert "stage" in form.shown and "magnitude" not in form.shown
    assert form.data["summary"] == "My own words"
    assert "Not recorded yet" not in html  # nothing was submitted
    assert not Observation.objects.exists()


def test_without_javascript_accept_is_a_whole_page_and_returns_to_the_queue(analyst_client, signal):
    queue = reverse("dashboard:triage") + "?state=new&page=1"
    html = analyst_client.get(accept_url(signal) + "?state=new&page=1").content.decode()
    assert html.startswith("<!doctype html>") and "app.css" in html
    assert "<h1>Accept a signal</h1>" in html
    form = form_of(html)
    assert "data-hx-post" not in re.search(r"<form method=\"post\" novalidate[^>]*>", html).group()
    assert form.data["back"] == "state=new&page=1"
    # The indicator's fields without htmx: the "Show its fields" button.
    ladder = IndicatorFactory(stage=True, slug="treaty-ladder", name="Treaty")
    refreshed = analyst_client.post(
        accept_url(signal), form.data | {"indicator": str(ladder.pk), "refresh": "1"}
    )
    assert refreshed.status_code == 200 and "<h1>Accept a signal</h1>" in refreshed.text
    assert "stage" in form_of(refreshed.text).shown
    # Errors: the whole page again.
    bad = analyst_client.post(accept_url(signal), form.data | {"magnitude": ""})
    assert bad.status_code == 422 and "<h1>Accept a signal</h1>" in bad.text
    assert f'<a href="#s{signal.pk}-magnitude">Magnitude</a>' in bad.text
    # Success: back to the queue as it was, saying what was done.
    done = analyst_client.post(accept_url(signal), form.data, follow=True)
    assert done.redirect_chain == [(queue, 302)]
    assert "is recorded as an observation" in done.text


def test_accepting_a_decided_signal_changes_nothing(analyst_client, analyst, signal):
    signal_dismiss(signal, by=analyst)
    response = analyst_client.get(accept_url(signal), follow=True)
    assert "already dismissed" in response.text
    assert Signal.objects.get().state == "dismissed"


def test_dismiss_once(analyst_client, analyst, signal):
    url = reverse("dashboard:triage-dismiss", args=[signal.pk])
    response = analyst_client.post(url, headers=HTMX)
    assert "Dismissed by" in response.content.decode()
    versions = signal.history.count()
    analyst_client.post(url)
    signal.refresh_from_db()
    assert (signal.state, signal.decided_by) == ("dismissed", analyst)
    assert signal.history.count() == versions  # the second click changed nothing


def counts(html: str) -> dict[str, int]:
    nav = re.search(r'<nav id="triage-counts".*?</nav>', html, re.S)
    assert nav, "no counts"
    found = re.findall(
        r'data-state="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>', nav.group()
    )
    return {state: int(n) for state, n in found}


def test_a_decision_updates_the_counts_beside_the_queue(analyst_client, signal, feed):
    Signal.objects.create(source=feed, external_id="guid-2", title="Another")
    page = analyst_client.get(reverse("dashboard:triage")).content.decode()
    assert counts(page) == {"new": 2, "accepted": 0, "dismissed": 0}
    url = reverse("dashboard:triage-dismiss", args=[signal.pk])
    html = analyst_client.post(url, {"back": "state=new"}, headers=HTMX).content.decode()
    # The row, then the counts swapped out of band (in a <template>, which a table row's
    # response may hold).
    oob = re.search(r"<template>\s*(<nav id=\"triage-counts\"[^>]*>)", html)
    assert oob and 'data-hx-swap-oob="true"' in oob.group(1)
    assert counts(html) == {"new": 1, "accepted": 0, "dismissed": 1}
    assert 'data-state="new" aria-current="page"' in html  # still the queue shown


def test_undoing_an_acceptance_retracts_its_observation(analyst_client, analyst, signal):
    form = form_of(analyst_client.get(in_row(signal), headers=HTMX).content.decode())
    analyst_client.post(accept_url(signal), form.data, headers=HTMX)
    observation = Signal.objects.get().observation
    url = reverse("dashboard:triage-undo", args=[signal.pk])
    html = analyst_client.post(url, {"reason": "Wrong indicator"}, headers=HTMX).text
    assert "Accept…" in html  # the row is back in the queue
    assert counts(html) == {"new": 1, "accepted": 0, "dismissed": 0}
    signal.refresh_from_db()
    assert (signal.state, signal.observation, signal.decided_by) == ("new", None, None)
    observation.refresh_from_db()  # kept, retracted, saying why
    assert observation.status == "retracted"
    assert observation.retraction_reason == "Triage undone: Wrong indicator"
    reasons = list(signal.history.values_list("history_change_reason", flat=True))
    assert reasons[:2] == ["Undone (accepted): Wrong indicator", "Accepted"]
    assert signal.history.filter(observation=observation).exists()  # what it was, kept


def test_undoing_an_acceptance_needs_a_reason(analyst_client, analyst, signal, outlet):
    signal_accept(
        signal,
        by=analyst,
        indicator=signal.suggested.get(),
        occurred_on="2024-09-11",
        source=outlet,
        summary="x",
        credibility=3,
        magnitude=2.0,
    )
    url = reverse("dashboard:triage-undo", args=[signal.pk])
    html = analyst_client.post(url, {"reason": " "}, headers=HTMX).text
    assert 'class="error" role="alert">Say why' in html
    assert Signal.objects.get().state == "accepted"
    assert Observation.objects.get().status == "accepted"
    # Without htmx: the queue, saying so.
    page = analyst_client.post(url, {"reason": ""}, follow=True)
    assert page.redirect_chain[-1][1] == 302 and "Say why" in page.text


def test_undoing_a_dismissal_returns_it_to_the_queue(analyst_client, analyst, signal):
    signal_dismiss(signal, by=analyst)
    versions = signal.history.count()
    url = reverse("dashboard:triage-undo", args=[signal.pk])
    response = analyst_client.post(url, {"back": "state=dismissed"}, follow=True)
    assert response.redirect_chain == [(reverse("dashboard:triage") + "?state=dismissed", 302)]
    assert "Back in the queue" in response.text
    signal.refresh_from_db()
    assert (signal.state, signal.decided_at) == ("new", None)
    assert signal.history.count() == versions + 1  # the dismissal kept, the undoing added
    assert signal.history.first().history_change_reason == "Undone"


def test_undoing_needs_the_right_to_retract(client, analyst, signal, outlet):
    signal_accept(
        signal,
        by=analyst,
        indicator=signal.suggested.get(),
        occurred_on="2024-09-11",
        source=outlet,
        summary="x",
        credibility=3,
        magnitude=2.0,
    )
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="change_signal"))
    client.force_login(user)
    url = reverse("dashboard:triage-undo", args=[signal.pk])
    assert client.post(url, {"reason": "no"}).status_code == 403
    assert Observation.objects.get().status == "accepted"


def test_readers_cannot_triage(reader_client, signal):
    assert reader_client.get(reverse("dashboard:triage")).status_code == 403
    assert reader_client.get(accept_url(signal)).status_code == 403
    for name in ("triage-accept", "triage-dismiss", "triage-undo"):
        response = reader_client.post(reverse(f"dashboard:{name}", args=[signal.pk]))
        assert response.status_code == 403, name
    signal.refresh_from_db()
    assert signal.state == "new"


def test_htmx_attributes_carry_the_data_prefix(analyst_client, analyst, signal, feed):
    other = Signal.objects.create(source=feed, external_id="guid-2", title="Another")
    signal_dismiss(other, by=analyst)
    pages = [
        analyst_client.get(reverse("dashboard:triage")).text,
        analyst_client.get(reverse("dashboard:triage") + "?state=dismissed").text,
        analyst_client.get(accept_url(signal)).text,
        analyst_client.get(accept_url(signal) + "?in_row=1", headers=HTMX).text,
    ]
    for html in pages:
        assert "data-hx-" in html
        assert not re.search(r"\shx-[a-z]", html)
