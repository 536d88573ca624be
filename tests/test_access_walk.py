"""Nobody writes where they may only read: every URL of the site, admin included, as each role.

The walk resolves every URL pattern to a real address (a row of each model, a version of its
history), asks it with GET, then POSTs back each form the page offers (every admin action
too), as it stands. Each request runs in a savepoint that is rolled back, so every request
meets the same data, and the database is fingerprinted around it: a reader or an anonymous
visitor must change nothing anywhere; an analyst may change only what the analyst's pages
are for. A new URL whose parameters the walk cannot fill fails the test, so that it is
walked too.
"""

import copy
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import (
    CategoryFactory,
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
    SourceFactory,
)
from tracker.models import Alert, Indicator, Observation, ObservationImport, Signal, Tripwire
from tracker.observations import services

pytestmark = pytest.mark.django_db

# Rows that any request may write: sessions (logging in and out), the admin's own log.
UNWATCHED = {
    "django_session",
    "django_admin_log",
    # django-axes counts logins: any visitor's attempt is recorded, by design.
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
}
WATCHED = sorted(
    {model._meta.db_table for model in apps.get_models(include_auto_created=True)} - UNWATCHED
)

# What each analyst page may write, by URL name; anything else an analyst changes is a bug.
# A change to an observation also records the recompute it needs (tracker.series.schedule).
# Naming no originator takes the publisher as its own (tracker.models.Originator.for_source);
# the observation's admin page also keeps its further publishers (citations).
OBSERVATIONS = {
    *("tracker_observation", "tracker_historicalobservation", "tracker_pendingrecompute"),
    *("tracker_originator", "tracker_historicaloriginator"),
    *("tracker_citation", "tracker_historicalcitation"),
}
ORIGINATORS = {"tracker_originator", "tracker_historicaloriginator"}
ANALYST_WRITES = {
    "admin:tracker_observation_add": OBSERVATIONS,
    "admin:tracker_observation_change": OBSERVATIONS,
    "admin:tracker_observation_changelist": OBSERVATIONS,  # retract, reinstate
    "admin:tracker_observation_import_confirm": {"tracker_observationimport"},
    "admin:tracker_source_add": {"tracker_source", "tracker_historicalsource"},
    "admin:tracker_source_change": {"tracker_source", "tracker_historicalsource"},
    "admin:tracker_originator_add": ORIGINATORS,
    "admin:tracker_originator_change": ORIGINATORS,
    "admin:tracker_tripwire_add": {"tracker_tripwire", "tracker_historicaltripwire"},
    "admin:tracker_tripwire_change": {"tracker_tripwire", "tracker_historicaltripwire"},
    "dashboard:observation-add": OBSERVATIONS,
    "dashboard:observation-edit": OBSERVATIONS,
    "dashboard:triage-accept": {
        *OBSERVATIONS,
        "tracker_signal",
        "tracker_historicalsignal",
        "tracker_historicalsignal_suggested",
    },
    "dashboard:triage-dismiss": {
        "tracker_signal",
        "tracker_historicalsignal",
        "tracker_historicalsignal_suggested",
    },
}


def routes(patterns, prefix=""):
    """Every pattern's route, includes walked."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


class World:
    """One row of everything, so that every URL has something to show or change."""

    def __init__(self, analyst):
        self.relationship = RelationshipFactory()
        scenario = ScenarioFactory(relationship=self.relationship, slug="c", lower=0, upper=100)
        category = CategoryFactory()
        self.indicator = IndicatorFactory(relationship=self.relationship, category=category)
        IndicatorFactory(relationship=self.relationship, category=category, stage=True)
        self.source = SourceFactory(adapter="rss", feed_url="https://example.org/feed")
        self.observation = ObservationFactory(indicator=self.indicator, source=self.source)
        retracted = ObservationFactory(indicator=self.indicator, source=self.source)
        services.observation_retract(retracted, by=analyst, reason="A duplicate")
        self.signal = Signal.objects.create(
            source=self.source, external_id="guid-1", title="Iran ships drones", url=""
        )
        self.signal.suggested.add(self.indicator)
        Tripwire.objects.create(indicator=self.indicator, threshold=0.5, scenario=scenario)
        Alert.objects.create(
            relationship=self.relationship, kind="band", key="band:1", title="t", message="m"
        )
        self.upload = ObservationImport.objects.create(
            filename="f.csv", content="", uploaded_by=analyst, status="ready"
        )

    def model_row(self, route):
        """The model an admin route is about, and a row of it."""
        app_label, model_name = re.match(r"admin/(\w+)/(\w+)/", route).groups()
        model = apps.get_model(app_label, model_name)
        return model, model._default_manager.order_by("pk").first()

    def fill(self, route):
        """A real address for the route, or an error naming what the walk cannot fill."""

        def value(name, route=route):
            if route.startswith("admin/r/") and name == "object_id":  # "view on site"
                return str(self.observation.pk)
            if name in {"object_id", "id", "version_id"}:
                model, row = self.model_row(route)
                if row is None:
                    return "1"  # no row of this model: the page must say so, not fail
                if name == "version_id":
                    return str(row.history.order_by("history_id").first().history_id)
                return str(row.pk)
            if name == "content_type_id":
                from django.contrib.contenttypes.models import ContentType

                return str(ContentType.objects.get_for_model(Observation).pk)
            if name == "app_label":
                return "tracker"
            if name == "url":
                return "no-such-page/"
            if name == "slug":
                return (
                    self.relationship.slug
                    if "relationships" in route or route.startswith("r/")
                    else self.indicator.slug
                )
            if name == "pk" and route.startswith("admin/tracker/observation/import/"):
                return str(self.upload.pk)
            if name == "pk":
                return str(self.signal.pk if route.startswith("triage") else self.observation.pk)
            raise AssertionError(f"the walk cannot fill <{name}> in {route!r}: teach it")

        # Path converters (<int:pk>), named regex groups, then positional ones (history).
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m[1]), route)
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m[1]), route)
        positional = iter(["object_id", "version_id"])
        route = re.sub(r"\(\[\^/\]\+\)", lambda m: value(next(positional)), route)
        return "/" + route.replace("^", "").replace("$", "")


class Forms(HTMLParser):
    """The POST forms of a page, as the browser would send them unchanged, and the admin's
    actions (each one becomes a form of its own, applied to every row listed)."""

    def __init__(self):
        super().__init__()
        self.forms, self.form, self.select, self.textarea = [], None, None, None
        self.actions, self.selected = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.form = {"action": a.get("action") or "", "data": []}
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"file", "submit", "image"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                if name == "_selected_action":
                    self.selected.append(a.get("value", ""))
                return
            self.form["data"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = {"name": name, "value": None, "first": None}
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in a:
                self.select["value"] = value
            if self.select["name"] == "action" and value:
                self.actions.append(value)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None and self.form is not None:
            chosen = (
                self.select["value"] if self.select["value"] is not None else self.select["first"]
            )
            if chosen is not None and self.select["name"] != "action":
                self.form["data"].append((self.select["name"], chosen))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form["data"].append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None

    def posts(self, url):
        """(address, data) for each form, and for each admin action on every listed row."""
        for form in self.forms:
            data = {}
            for name, value in form["data"]:
                data.setdefault(name, []).append(value)
            target = form["action"] or url
            if self.actions and "action" not in data:
                for action in self.actions:
                    yield target, {**data, "action": [action], "_selected_action": self.selected}
            yield target, data


def fingerprint():
    """A digest of every watched table's rows (raw SQL: the walk takes hundreds of them)."""
    quote = connection.ops.quote_name
    digests = {}
    with connection.cursor() as cursor:
        for table in WATCHED:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            digests[table] = hashlib.sha256(
                repr(sorted(map(repr, cursor.fetchall()))).encode()
            ).digest()
    return digests


def changed_tables(before, after):
    return {table for table in after if before.get(table) != after[table]}


@pytest.fixture
def clients(analyst, reader):
    anonymous, as_reader, as_analyst = Client(), Client(), Client()
    as_reader.force_login(reader)
    as_analyst.force_login(analyst)
    return {"anonymous": anonymous, "reader": as_reader, "analyst": as_analyst}


def test_no_role_writes_where_it_may_not(clients, analyst, settings):
    settings.DASHBOARD_PUBLIC = True  # the strictest case: anonymous visitors read the site
    world = World(analyst)
    walked, wrong = 0, []
    for route in routes(get_resolver().url_patterns):
        url = world.fill(route)
        for role, client in clients.items():
            with transaction.atomic():
                before = fingerprint()
                page = client.get(url)
                assert page.status_code < 500, f"{role} GET {url}: {page.status_code}"
                if tables := changed_tables(before, fingerprint()):
                    wrong.append(f"{role} GET {url} wrote {sorted(tables)}")
                transaction.set_rollback(True)
            forms = Forms()
            if page.status_code == 200 and "html" in page.get("Content-Type", ""):
                forms.feed(page.content.decode())
            posts = list(forms.posts(url)) or [(url, {})]
            for target, data in posts:
                # A logout (or login) replaces the client's session cookie; the savepoint
                # restores the session row, the saved cookie the client's hold on it.
                cookies = copy.deepcopy(client.cookies)
                with transaction.atomic():
                    before = fingerprint()
                    response = client.post(target, data)
                    walked += 1
                    assert response.status_code < 500, (
                        f"{role} POST {target}: {response.status_code}"
                    )
                    tables = changed_tables(before, fingerprint())
                    posted_to = resolve(target.split("?")[0]).view_name  # a form may post elsewhere
                    allowed = ANALYST_WRITES.get(posted_to, set()) if role == "analyst" else set()
                    if tables - allowed:
                        wrong.append(
                            f"{role} POST {target} ({posted_to}, {data.get('action', [''])[0]}) "
                            f"wrote {sorted(tables - allowed)}"
                        )
                    transaction.set_rollback(True)
                client.cookies = cookies
    assert wrong == []
    assert walked > 300  # every route, for every role, was asked
    # ...and the roles were still themselves at the end.
    assert clients["reader"].get("/admin/tracker/observation/").status_code == 200
    assert clients["anonymous"].get("/admin/tracker/observation/").status_code == 302


def test_the_walk_sees_a_write_when_one_happens(clients, analyst):
    """The fingerprint is not blind: an analyst's correction through the admin shows."""
    world = World(analyst)
    before = fingerprint()
    url = f"/admin/tracker/observation/{world.observation.pk}/change/"
    forms = Forms()
    forms.feed(clients["analyst"].get(url).content.decode())
    [(target, data)] = [(t, d) for t, d in forms.posts(url) if "summary" in d]
    data["summary"] = ["Corrected summary."]
    clients["analyst"].post(target, data)
    # The observation has its originator already: a correction writes the observation only.
    assert changed_tables(before, fingerprint()) == {
        "tracker_observation",
        "tracker_historicalobservation",
        "tracker_pendingrecompute",
    }
    assert Indicator.objects.count() == 2
