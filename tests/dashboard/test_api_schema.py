"""The API against its own OpenAPI schema (schemathesis): every operation, generated input
valid and invalid, every check. No server error, and every answer (status, media type, body,
headers) is one the schema documents."""

import datetime as dt
import io
import tomllib

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi import unregister_string_format

from config.wsgi import application
from tests.clock import TODAY
from tracker.dates import EARLIEST, latest

pytestmark = pytest.mark.django_db

CATALOGUE = tomllib.loads(
    (django_settings.BASE_DIR / "fixtures" / "russia-iran" / "catalogue.toml").read_text()
)
RELATIONSHIP = CATALOGUE["relationship"]["slug"]

# Random slugs and grades name nothing, and dates from 0001 to 9999 are nearly all refused
# (Entente takes 1900 to a year ahead): fuzz with real ones too, so that the series, the
# filters and the CSV exports are computed, not only refused.
REAL = 0.5
DATES = st.one_of(
    st.dates(dt.date(2019, 1, 1), TODAY),  # the demo's years
    st.dates(EARLIEST, latest(TODAY)),
    st.dates(),
).map(dt.date.isoformat)
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {
            "relationships": {"values": [RELATIONSHIP]},
            "indicators": {"values": [i["slug"] for i in CATALOGUE["indicators"]]},
            "grades": {"values": ["A", "b", "B2", "c3", "F6"]},
        },
        "parameters": {
            "path.slug": {"dictionary": "relationships", "probability": REAL},
            "query.relationship": {"dictionary": "relationships", "probability": REAL},
            "query.indicator": {"dictionary": "indicators", "probability": REAL},
            # Less often: most drawn strings are no grade, which must answer 400, not 500.
            "query.min_grade": {"dictionary": "grades", "probability": 0.2},
        },
        "operations": [
            {
                # These refuse, with a 400 naming the parameter, schema-valid input breaking a
                # rule no JSON schema states: an unknown slug, a date outside 1900 to a year
                # ahead, a range that ends before it starts, an as_of in the future, a grade
                # that is not one (or a question's slug, which answers 404). Only
                # /relationships/ accepts whatever its schema allows.
                "include-path": [
                    "/api/relationships/{slug}/index",
                    "/api/relationships/{slug}/indicators",
                    "/api/relationships/{slug}/observations",
                    "/api/relationships/{slug}/questions",
                    "/api/indicators/",
                    "/api/observations/",
                    "/api/questions/",
                    "/api/questions/{slug}/forecasts",
                ],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404"],
                    }
                },
            }
        ],
    }
)

# The schema as the app serves it (in-process WSGI, no network), to a public dashboard. Loaded
# here, not from a fixture: schemathesis.pytest.from_fixture needs pytest's Node._nodeid,
# which pytest 9.2 removed.
with override_settings(DASHBOARD_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def dates():
    """Dates for `format: date` drawn as DATES says, for this module only."""
    schemathesis.openapi.format("date", DATES)
    yield
    unregister_string_format("date")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with its series, loaded once for the operations and rolled back after them
    (each test's own transaction nests inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddemo", users=False, stdout=io.StringIO())
        call_command("recompute", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def public(demo, settings):
    settings.DASHBOARD_PUBLIC = True


@pytest.fixture(autouse=True)
def one_connection():
    """The requests share the test's connection, whose transaction holds the demo: keep
    Django from closing it after each request, as its own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


IDENTITY = {"Accept-Encoding": "identity"}


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same cases every run, on every machine
    suppress_health_check=[HealthCheck.too_slow],  # a shared machine is slow at times
)
def test_the_api_answers_as_its_schema_says(case):
    # With no `checks=`, every check schemathesis has runs (those CONFIG does not switch off,
    # and it switches off none): server errors, status codes, media types, bodies and headers
    # against the schema, valid input accepted, invalid input refused, other methods refused.
    # Schemathesis's WSGI transport asks for gzip and does not undo it: ask for none (the
    # compression is tested in tests/dashboard/test_compression.py).
    case.call_and_validate(headers=IDENTITY)


@pytest.mark.parametrize("path", sorted(schema.raw_schema["paths"]))
def test_a_private_api_refuses_anonymous_callers_as_documented(settings, path):
    settings.DASHBOARD_PUBLIC = False
    slug = {"slug": RELATIONSHIP} if "{slug}" in path else None
    case = schema[path]["GET"].Case(path_parameters=slug)
    response = case.call_and_validate(headers=IDENTITY)
    assert response.status_code == 401
