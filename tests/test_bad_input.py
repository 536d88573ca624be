"""No input stops a page, the API or a form: generated parameters and form fields (NUL bytes,
unicode digits, huge numbers, far dates, any text) answer with a message naming the field,
never a server error."""

import datetime as dt
import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clock import TODAY
from tests.dashboard.conftest import build
from tests.factories import SourceFactory
from tracker.models import Observation, Signal

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What an attacker or a careless script sends: each kind the issue found, and any text.
KNOWN_BAD = [
    "",
    "\x00",
    "B2\x00",
    "²",
    "٣",
    "２０２４-01-01",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    (TODAY + dt.timedelta(days=400)).isoformat(),
    "9" * 400,
    "9223372036854775808",
    "-1",
    "1e309",
    "NaN",
    "A1",
    "Z9",
    "1y",
    "all",
    "csv",
    "<script>",
]
hostile = st.one_of(
    st.sampled_from(KNOWN_BAD),
    st.text(max_size=30),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str),
)

PAGES = {
    "/": ["period", "category", "min_grade", "as_of", "start", "end", "moved_from", "moved_to"],
    "/indicators/ind-0/": ["period", "start", "end", "page"],
    "/indicators/ind-0/refreshed/": ["after", "since"],
    "/methodology/": ["page"],
    "/api/relationships/": ["format"],
    "/api/relationships/russia-iran/index": ["from", "to", "as_of", "min_grade", "format"],
    "/api/indicators/": ["relationship", "format"],
    "/api/observations/": ["indicator", "since", "until", "limit", "offset", "format"],
    "/triage/": ["state", "source", "page"],
}


# Parameters a page requires, sent right beside the one under test.
BASE = {"/indicators/ind-0/refreshed/": {"after": "1", "since": "1"}}


def query_for(names):
    return st.dictionaries(st.sampled_from(names), hostile, min_size=1, max_size=len(names))


def names_a_parameter(response, sent) -> bool:
    body = response.content.decode(errors="replace")
    named = set(re.findall(r"<code>(\w+)</code>", body)) | set(re.findall(r'"(\w+): ', body))
    named |= set(re.findall(r"^(\w+)(?:, \w+)*: ", body))
    return bool(named & set(sent))


@pytest.fixture
def site(settings, analyst):
    settings.DASHBOARD_PUBLIC = True
    build(3)
    Signal.objects.create(source=SourceFactory(adapter="rss"), external_id="g", title="t", url="")
    client = Client()
    client.force_login(analyst)  # triage too; the pages are the same for readers
    return client


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_known_bad_value_in_each_parameter_is_named_not_a_server_error(site, page):
    for name in PAGES[page]:
        for value in KNOWN_BAD:
            response = site.get(page, BASE.get(page, {}) | {name: value})
            assert response.status_code in {200, 204, 302, 400, 404}, (page, name, value)
            if response.status_code == 400:
                assert names_a_parameter(response, {name: value}), (page, name, value)


@EXAMPLES
@given(page=st.sampled_from(sorted(PAGES)), data=st.data())
def test_no_query_parameter_breaks_a_page_or_the_api(site, page, data):
    query = data.draw(query_for(PAGES[page]))
    response = site.get(page, BASE.get(page, {}) | query)
    assert response.status_code in {200, 204, 302, 400, 404}, (page, query)
    if response.status_code == 400:
        assert names_a_parameter(response, query), (page, query, response.content[:300])


FIELDS = ["occurred_on", "precision", "magnitude", "summary", "url", "quote", "credibility"]


@EXAMPLES
@given(data=st.data())
def test_no_form_input_breaks_the_inline_form_and_a_mistake_writes_nothing(site, data):
    source = Observation.objects.first().source
    form = {
        "occurred_on": "2026-11-01",
        "precision": "day",
        "magnitude": "2",
        "summary": "Reported.",
        "source": str(source.pk),
        "url": "",
        "quote": "",
        "reliability": "",
        "credibility": "2",
    }
    form |= data.draw(st.dictionaries(st.sampled_from(FIELDS + ["source", "reliability"]), hostile))
    count = Observation.objects.count()
    response = site.post("/indicators/ind-0/observations/", form)
    assert response.status_code in {302, 400, 422}, form
    if response.status_code != 302:
        assert Observation.objects.count() == count
    if response.status_code == 422:
        assert re.search(r'id="error-\w+"|class="error"', response.content.decode()), form
