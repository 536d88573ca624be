"""The read-only API: shapes, CSV, 400 naming the parameter, the OpenAPI schema, access."""

import csv
import datetime as dt
import io
import math

import pytest
from django.test import Client

from tests.clock import TODAY
from tests.factories import IndicatorFactory, ObservationFactory, RelationshipFactory
from tracker.models import Observation, Snapshot
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def test_relationships(client, small):
    relationship, _ = small
    assert client.get("/api/relationships/").json() == [
        {
            "slug": relationship.slug,
            "title": relationship.title,
            "question": relationship.question,
            "actors": [relationship.actor_a, relationship.actor_b],
        }
    ]


def test_index_series_and_latest(client, small):
    relationship, _ = small
    body = client.get(f"/api/relationships/{relationship.slug}/index", {"from": "2026-11-01"})
    data = body.json()
    latest = Snapshot.objects.get(relationship=relationship, date=TODAY)
    assert data["relationship"] == relationship.slug
    assert data["method_version"] == latest.method_version
    assert data["latest"]["date"] == TODAY.isoformat()
    assert data["latest"]["index"] == pytest.approx(latest.index, abs=1e-4)
    assert data["latest"]["band"] == latest.band
    assert sum(data["latest"]["odds"].values()) == pytest.approx(1, abs=1e-5)
    assert [p["date"] for p in data["series"]][0] == "2026-11-01"
    assert len(data["series"]) == 25


def test_index_response_matches_its_schema(client, small):
    from dashboard.api import IndexOut

    relationship, _ = small
    data = client.get(f"/api/relationships/{relationship.slug}/index").json()
    IndexOut.model_validate(data)  # raises if the shape drifts from the documented schema


def test_index_as_columns_is_the_same_series_one_list_per_field(client, small):
    from dashboard.api import IndexColumnsOut

    relationship, _ = small
    url = f"/api/relationships/{relationship.slug}/index"
    rows = client.get(url, {"from": "2026-10-01"}).json()
    compact = client.get(url, {"from": "2026-10-01", "shape": "columns"}).json()
    IndexColumnsOut.model_validate(compact)
    columns = compact["columns"]
    assert compact["latest"] == rows["latest"]
    odds = columns.pop("odds")
    as_rows = [
        {field: values[n] for field, values in columns.items()}
        | {"odds": {slug: values[n] for slug, values in odds.items()}}
        for n in range(len(columns["date"]))
    ]
    assert as_rows == rows["series"]
    assert len(client.get(url, {"shape": "columns"}).content) < len(client.get(url).content) / 2


def test_index_columns_are_json_only(client, small):
    relationship, _ = small
    url = f"/api/relationships/{relationship.slug}/index"
    response = client.get(url, {"shape": "columns", "format": "csv"})
    assert response.status_code == 400 and "shape" in response.json()["detail"]


def test_the_schema_documents_both_shapes_of_the_index(client):
    schema = client.get("/api/openapi.json").json()
    answer = schema["paths"]["/api/relationships/{slug}/index"]["get"]["responses"]["200"]
    shapes = answer["content"]["application/json"]["schema"]
    named = {ref["$ref"].rsplit("/", 1)[1] for ref in shapes.get("anyOf", shapes.get("oneOf"))}
    assert named == {"IndexOut", "IndexColumnsOut"}


def test_the_index_is_answered_once_per_data_version(client, small, django_assert_max_num_queries):
    relationship, indicators = small
    url = f"/api/relationships/{relationship.slug}/index"
    first = client.get(url).content
    # Again: the relationship, the data version, and nothing of the series.
    with django_assert_max_num_queries(2):
        assert client.get(url).content == first
    ObservationFactory(indicator=indicators[0], occurred_on=TODAY)
    snapshots_refresh(relationship, end=TODAY)
    assert client.get(url).content != first


def test_index_as_known_on_and_by_grade(client, small):
    relationship, _ = small
    url = f"/api/relationships/{relationship.slug}/index"
    assert client.get(url, {"as_of": "2026-11-18"}).json()["series"] == []
    assert client.get(url, {"min_grade": "a1"}).json()["latest"] is None
    assert client.get(url, {"min_grade": "B2"}).json()["latest"] is not None


def test_csv_exports(client, small):
    relationship, indicators = small
    response = client.get(f"/api/relationships/{relationship.slug}/index", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[-1]["date"] == TODAY.isoformat()
    assert "odds.strategic-convenience" in rows[0]
    observations = client.get(
        "/api/observations/", {"indicator": indicators[0].slug, "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(observations.content.decode())))
    assert len(rows) == indicators[0].observations.count()
    assert {"id", "occurred_on", "reliability", "credibility", "status"} <= set(rows[0])


def test_indicators_with_latest_signal_and_staleness(client, small):
    relationship, indicators = small
    # Beside the five fresh ones (last seen 30-34 days ago, cadence 180): one last seen 400
    # days ago, and one never observed.
    old = IndicatorFactory(relationship=relationship, level=True, slug="old", cadence_days=180)
    ObservationFactory(indicator=old, occurred_on=TODAY - dt.timedelta(days=400), value=80.0)
    IndicatorFactory(relationship=relationship, slug="never")
    snapshots_refresh(relationship, end=TODAY)

    data = {row["slug"]: row for row in client.get("/api/indicators/").json()}
    expected_stale = {i.slug: False for i in indicators} | {"old": True, "never": True}
    assert {slug: row["stale"] for slug, row in data.items()} == expected_stale

    def event(*days_ago):  # two B2 events of magnitude 2, half-life 365 d, saturation 4,
        # each counting with its claim's chance of truth (credibility 2: 0.675)
        return 1 - math.exp(-sum(2 * 0.675 * 2 ** (-d / 365) for d in days_ago) / 4)

    expected_signal = {
        indicators[0].slug: event(30, 130),
        indicators[1].slug: 0.5,  # a level of 50 between floor 0 and ceiling 100
        indicators[2].slug: 0.2,  # the first step of the ladder
        indicators[3].slug: event(33, 133),  # the signal, before its polarity turns it
        indicators[4].slug: 0.5,
        "old": 0.8,  # a level holds until the next reading
        "never": 0.0,  # no evidence: no signal
    }
    signals = {slug: row["latest_signal"] for slug, row in data.items()}
    assert signals == pytest.approx(expected_signal, abs=1e-4)


def test_observations_filters_and_paging(client, small):
    _, indicators = small
    everything = client.get("/api/observations/").json()
    assert len(everything) == Observation.objects.count()
    first_two = client.get("/api/observations/", {"limit": 2}).json()
    assert first_two == everything[:2]
    since = everything[-1]["occurred_on"]
    assert all(
        o["occurred_on"] >= since for o in client.get("/api/observations/", {"since": since}).json()
    )


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/relationships/russia-iran/index", {"from": "yesterday"}, "from"),
        ("/api/relationships/russia-iran/index", {"to": "2025-13-01"}, "to"),
        ("/api/relationships/russia-iran/index", {"as_of": "2999-01-01"}, "as_of"),
        ("/api/relationships/russia-iran/index", {"min_grade": "Z"}, "min_grade"),
        ("/api/relationships/russia-iran/index", {"from": "2025-02-01", "to": "2025-01"}, "to"),
        ("/api/observations/", {"since": "2025-02-01", "until": "2025-01-01"}, "since"),
        ("/api/relationships/russia-iran/index", {"format": "xml"}, "format"),
        ("/api/indicators/", {"relationship": "nope"}, "relationship"),
        ("/api/observations/", {"indicator": "nope"}, "indicator"),
        ("/api/observations/", {"since": "soon"}, "since"),
        ("/api/observations/", {"until": "0"}, "until"),  # not 1970-01-01, a Unix time
        ("/api/relationships/russia-iran/index", {"as_of": "2025-01-01T00:00"}, "as_of"),
        ("/api/observations/", {"limit": "0"}, "limit"),
        ("/api/observations/", {"limit": "100000"}, "limit"),
    ],
)
def test_bad_parameters_answer_400_naming_them(client, small, url, params, parameter):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{parameter}:")


def test_unknown_relationship_is_404(client, small):
    assert client.get("/api/relationships/nope/index").status_code == 404


def test_openapi_schema_lists_every_endpoint(client):
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/relationships/",
        "/api/relationships/{slug}/index",
        "/api/relationships/{slug}/indicators",
        "/api/relationships/{slug}/observations",
        "/api/relationships/{slug}/questions",
        "/api/indicators/",
        "/api/observations/",
        "/api/questions/",
        "/api/questions/{slug}/forecasts",
    }
    parameters = {p["name"] for p in schema["paths"]["/api/observations/"]["get"]["parameters"]}
    assert {"relationship", "indicator", "since", "until", "format"} <= parameters


def test_every_list_is_also_under_its_relationship(client, small):
    """Two relationships: each one's indicators, observations and questions under its own
    path (and with ?relationship=), none of the other's; an unknown slug is 404."""
    relationship, indicators = small
    other = IndicatorFactory(relationship=RelationshipFactory(slug="china-russia"))
    theirs = ObservationFactory(indicator=other)
    listed = client.get(f"/api/relationships/{relationship.slug}/indicators").json()
    assert {i["slug"] for i in listed} == {i.slug for i in indicators}
    assert {i["relationship"] for i in listed} == {relationship.slug}
    mine = client.get(f"/api/relationships/{relationship.slug}/observations").json()
    assert mine and theirs.pk not in {o["id"] for o in mine}
    assert mine == client.get("/api/observations/", {"relationship": relationship.slug}).json()
    only = client.get("/api/relationships/china-russia/observations").json()
    assert [(o["id"], o["relationship"]) for o in only] == [(theirs.pk, "china-russia")]
    csv_export = client.get("/api/relationships/china-russia/observations", {"format": "csv"})
    assert "china-russia-observations" in csv_export["Content-Disposition"]
    assert client.get("/api/relationships/china-russia/questions").json() == []
    for path in ("indicators", "observations", "questions", "index"):
        assert client.get(f"/api/relationships/nope/{path}").status_code == 404
    assert client.get("/api/observations/", {"relationship": "nope"}).status_code == 400


def test_openapi_schema_documents_every_answer(client):
    """tests/dashboard/test_api_schema.py holds the API to it; here, what it must say."""
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, operation in paths.items():
        responses = operation["get"]["responses"]
        expected = {"200", "400", "401"} | ({"404"} if "{slug}" in path else set())
        if path == "/api/relationships/{slug}/index":  # scored by a job when too large
            expected |= {"202", "503"}
        assert set(responses) == expected, path
        assert set(responses["200"]["content"]) == {"application/json", "text/csv"}, path
        error = responses["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorOut"}, path
    assert (
        "Retry-After"
        in paths["/api/relationships/{slug}/index"]["get"]["responses"]["202"]["headers"]
    )


def test_private_api_needs_a_login(settings, small, reader):
    settings.DASHBOARD_PUBLIC = False
    assert Client().get("/api/relationships/").status_code == 401
    client = Client()
    client.force_login(reader)
    assert client.get("/api/relationships/").status_code == 200


def test_the_api_is_read_only(client, small):
    assert client.post("/api/relationships/", {}).status_code == 405


def test_csv_exports_defuse_formula_cells(client, small):
    _, indicators = small
    Observation.objects.filter(indicator=indicators[0]).update(
        summary='=HYPERLINK("https://evil.example","click")'
    )
    response = client.get("/api/observations/", {"indicator": indicators[0].slug, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["summary"] for row in rows} == {'\'=HYPERLINK("https://evil.example","click")'}
    index = client.get("/api/relationships/russia-iran/index", {"format": "csv"}).content.decode()
    momentum = [row["momentum"] for row in csv.DictReader(io.StringIO(index))]
    assert all(not m.startswith("'") for m in momentum)  # negative numbers stay numbers


def test_the_schema_is_as_private_as_the_dashboard(settings):
    settings.DASHBOARD_PUBLIC = False
    response = Client().get("/api/openapi.json")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    settings.DASHBOARD_PUBLIC = True
    assert Client().get("/api/openapi.json").json()["info"]["title"] == "Entente API"


def test_a_view_too_large_to_score_in_the_request_answers_202_until_its_job_is_done(
    client, small, monkeypatch
):
    from tracker import tasks
    from tracker.selectors import series

    relationship, _ = small
    asked = []
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 0)
    monkeypatch.setattr(series, "enqueue_now", lambda task, *args: asked.append(args))
    url = f"/api/relationships/{relationship.slug}/index"
    pending = client.get(url, {"min_grade": "B2"})
    assert pending.status_code == 202 and pending["Retry-After"] == "10"
    assert "being computed" in pending.json()["detail"]
    assert client.get(url, {"min_grade": "B2"}).status_code == 202
    assert len(asked) == 1  # one job, however often asked

    tasks.compute_view(*asked[0])
    done = client.get(url, {"min_grade": "B2"})
    assert done.status_code == 200 and done.json()["series"]


def test_a_view_that_cannot_be_computed_now_answers_503_and_the_page_says_so(
    client, small, monkeypatch
):
    from tracker.selectors import series

    relationship, _ = small
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 0)
    monkeypatch.setattr(series, "VIEW_JOB_SLOTS", 0)  # every slot taken by other views
    response = client.get(f"/api/relationships/{relationship.slug}/index", {"as_of": "2026-11-01"})
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "other views are being computed" in response.json()["detail"]
    page = client.get(f"/r/{relationship.slug}/", {"as_of": "2026-11-01"}).content.decode()
    assert "This view cannot be computed just now" in page
    assert "other views are being computed" in page
