"""The forecasts' pages, writes and API: who may read, who may write, what each shows."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory, UserFactory
from tracker.forecasts import service
from tracker.models import AnalystForecast, Question

TODAY = NOW.date()


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


@pytest.fixture
def asked(small):
    """Two questions on the small relationship: one resolved yes by an event, one open."""
    relationship, _ = small
    event = IndicatorFactory(relationship=relationship, slug="drills", name="Drills")
    ObservationFactory(indicator=event, occurred_on=dt.date(2026, 3, 1), magnitude=3,
                       recorded_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))  # fmt: skip
    common = {"relationship": relationship, "rule": "event", "indicator": event,
              "criteria": "Yes if a drill is reported."}  # fmt: skip
    done = Question.objects.create(slug="drill-2026", title="A drill by June 2026?",
                                   opens=dt.date(2026, 1, 1), closes=dt.date(2026, 6, 30),
                                   **common)  # fmt: skip
    pending = Question.objects.create(slug="big-drill-2027", title="A big drill by 2027?",
                                      opens=dt.date(2026, 6, 1), closes=dt.date(2027, 12, 31),
                                      min_magnitude=5, **common)  # fmt: skip
    service.forecasts_refresh(relationship, today=TODAY)
    done.refresh_from_db()
    pending.refresh_from_db()
    return relationship, done, pending


def test_the_track_record_page_shows_open_questions_scores_and_calibration(client, asked):
    relationship, done, pending = asked
    page = client.get("/questions/").content.decode()
    assert "A big drill by 2027?" in page and "A drill by June 2026?" in page
    assert 'id="figure-calibration"' in page
    assert "Mean Brier" in page and "No change (1%)" in page
    latest = pending.forecasts.order_by("-date").first()
    assert f"{round(latest.probability * 100)}%" in page
    assert client.get("/questions/?relationship=nope").status_code == 404


def test_a_question_page_shows_its_forecasts_criteria_and_scores(client, asked):
    _, done, _ = asked
    page = client.get(f"/questions/{done.slug}/").content.decode()
    assert "Yes if a drill is reported." in page
    assert "Yes, known 2 Mar 2026 (by its rule)" in page
    assert 'id="figure-question"' in page and "Record my forecast" not in page
    assert "<td>Entente</td>" in page
    assert client.get("/questions/nope/").status_code == 404


def test_the_overview_lists_open_questions_but_not_as_known_on(client, asked):
    relationship, _, pending = asked
    home = client.get(f"/r/{relationship.slug}/").content.decode()
    assert "Open questions" in home and pending.title in home
    past = client.get(f"/r/{relationship.slug}/?as_of=2026-01-01").content.decode()
    assert pending.title not in past


def test_an_indicator_page_lists_its_open_questions(client, asked):
    _, _, pending = asked
    page = client.get(f"/indicators/{pending.indicator.slug}/").content.decode()
    assert "Open questions on this indicator" in page and pending.title in page


def test_an_analyst_records_a_forecast_and_a_reader_may_not(analyst_client, reader, asked):
    _, done, pending = asked
    url = f"/questions/{pending.slug}/forecasts/"
    response = analyst_client.post(url, {"probability": "0.3", "rationale": "Drills slip"})
    assert response.status_code == 302 and response["Location"].endswith("#forecast")
    (mine,) = AnalystForecast.objects.all()
    assert (mine.analyst.username, mine.made_on, mine.probability) == ("ana", TODAY, 0.3)
    page = analyst_client.get(f"/questions/{pending.slug}/").content.decode()
    assert "Your forecast of 30% is recorded." in page and "Drills slip" in page
    bad = analyst_client.post(url, {"probability": "1.5", "rationale": ""})
    assert bad.status_code == 400 and AnalystForecast.objects.count() == 1
    closed = analyst_client.post(f"/questions/{done.slug}/forecasts/",
                                 {"probability": "0.5", "rationale": "late"})  # fmt: skip
    assert closed.status_code == 400 and "takes no more forecasts" in closed.content.decode()
    # Past its closing day but not yet resolved (the rule has not run): refused, not a 500.
    Question.objects.filter(pk=pending.pk).update(closes=TODAY - dt.timedelta(days=1))
    late = analyst_client.post(url, {"probability": "0.5", "rationale": "late"})
    assert late.status_code == 400
    assert f"closed on {(TODAY - dt.timedelta(days=1)).isoformat()}" in late.content.decode()
    reading = Client()
    reading.force_login(reader)
    assert reading.post(url, {"probability": "0.5", "rationale": "x"}).status_code == 403
    assert AnalystForecast.objects.count() == 1


def test_an_analyst_writes_a_question_and_its_rule_is_checked(analyst_client, reader, asked):
    relationship, done, _ = asked
    fields = {"relationship": relationship.pk, "slug": "new-q", "title": "New?",
              "criteria": "Yes if.", "opens": "2026-12-01", "closes": "2027-12-31",
              "rule": "stage", "indicator": done.indicator.pk, "min_magnitude": "1",
              "min_grade": "F6", "days": "1", "alert_move": "0.15"}  # fmt: skip
    refused = analyst_client.post("/questions/new/", fields)
    assert refused.status_code == 400
    assert "A stage rule needs a stage indicator." in refused.content.decode()
    fields["rule"] = "event"
    made = analyst_client.post("/questions/new/", fields)
    assert made.status_code == 302
    question = Question.objects.get(slug="new-q")
    assert question.history.first().history_change_reason == "Written on the dashboard"
    reading = Client()
    reading.force_login(reader)
    assert reading.get("/questions/new/").status_code == 403


def test_the_api_lists_questions_and_their_daily_forecasts(client, asked):
    relationship, done, pending = asked
    rows = {row["slug"]: row for row in client.get("/api/questions/").json()}
    assert rows[done.slug]["resolution"] == "yes" and rows[done.slug]["resolved_by_rule"]
    assert [s["forecaster"] for s in rows[done.slug]["scores"]][:1] == ["Entente"]
    assert (
        rows[pending.slug]["probability"] == pending.forecasts.order_by("date").last().probability
    )
    text = client.get("/api/questions/?format=csv").content.decode()
    header = next(csv.reader(io.StringIO(text)))
    assert {"slug", "scores.Entente.brier", "scores.No change (1%).log"} <= set(header)
    assert client.get("/api/questions/?relationship=nope").status_code == 400
    series = client.get(f"/api/questions/{pending.slug}/forecasts").json()
    assert series[0]["date"] == "2026-06-01" and series[-1]["date"] == TODAY.isoformat()
    days = client.get(f"/api/questions/{pending.slug}/forecasts?format=csv").content.decode()
    assert days.splitlines()[0] == "date,probability,method_version"
    assert client.get("/api/questions/nope/forecasts").status_code == 404


def test_a_private_dashboard_hides_questions_from_visitors(client, asked, settings):
    settings.DASHBOARD_PUBLIC = False
    assert client.get("/questions/").status_code == 302
    assert client.get("/api/questions/").status_code == 401


def test_an_analyst_resolving_by_hand_in_the_admin_gives_a_reason_and_a_source(asked, groups):
    _, _, pending = asked
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    url = f"/admin/tracker/question/{pending.pk}/change/"
    form = {f: getattr(pending, f) or "" for f in ("slug", "title", "criteria", "rule",
            "direction", "min_grade")}  # fmt: skip
    form |= {"relationship": pending.relationship_id, "opens": "2026-06-01",
             "closes": "2027-12-31", "indicator": pending.indicator_id, "min_magnitude": "5",
             "days": "1", "alert_move": "0.15", "resolution": "annulled",
             "resolved_on": "2026-11-25"}  # fmt: skip
    refused = browser.post(url, form)
    assert refused.status_code == 200 and "needs a reason and a source" in refused.content.decode()
    form |= {"resolution_reason": "The drill series was cancelled",
             "resolution_source": "https://example.org/cancelled"}  # fmt: skip
    assert browser.post(url, form).status_code == 302
    pending.refresh_from_db()
    assert (pending.resolution, pending.resolved_by) == ("annulled", admin)
    assert pending.history.first().history_change_reason.startswith("Resolved annulled by hand")
    assert browser.post(f"/admin/tracker/question/{pending.pk}/delete/").status_code == 403


def test_in_the_admin_an_analyst_forecasts_today_only_and_cannot_rewrite_a_question(
    analyst_client, asked
):
    _, done, pending = asked
    add = "/admin/tracker/analystforecast/add/"
    made = analyst_client.post(add, {"question": pending.pk, "probability": "0.4",
                                     "rationale": "Slipping", "made_on": "2022-08-01"})  # fmt: skip
    assert made.status_code == 302
    (mine,) = AnalystForecast.objects.all()
    assert mine.made_on == TODAY  # the posted date is not a field
    late = analyst_client.post(add, {"question": done.pk, "probability": "1",
                                     "rationale": "hindsight"})  # fmt: skip
    assert "takes no more forecasts" in late.content.decode()
    assert AnalystForecast.objects.count() == 1
    change = analyst_client.get(f"/admin/tracker/analystforecast/{mine.pk}/change/")
    assert b'name="probability"' not in change.content  # kept as made
    url = f"/admin/tracker/question/{done.pk}/change/"
    form = {"relationship": done.relationship_id, "slug": done.slug, "title": done.title,
            "criteria": "Yes if anything.", "opens": "2026-01-01", "closes": "2026-06-30",
            "rule": "event", "indicator": done.indicator_id, "min_magnitude": "1",
            "min_grade": "F6", "days": "1", "alert_move": "0.15", "resolution": "yes",
            "resolved_on": "2026-03-02", "direction": ""}  # fmt: skip
    refused = analyst_client.post(url, form)
    assert refused.status_code == 200 and "cannot change" in refused.content.decode()
    done.refresh_from_db()
    assert done.criteria == "Yes if a drill is reported."


def test_the_track_record_columns_stay_put_with_an_analysts_scores(client, asked, analyst):
    _, done, _ = asked
    AnalystForecast.objects.create(question=done, analyst=analyst, made_on=dt.date(2026, 1, 5),
                                   probability=0.9, rationale="Drills are due")  # fmt: skip
    page = client.get("/questions/").content.decode()
    header = page.split('<table class="questions"')[2].split("</thead>")[0]
    assert header.count("</th>") == 7 and "ana" not in header
    assert "<td>ana</td>" in page  # in the means


def test_a_question_page_keeps_the_report_that_answered_it(client, asked):
    _, done, _ = asked
    for n in range(15):  # older reports of the same indicator, before the window
        ObservationFactory(
            indicator=done.indicator, occurred_on=dt.date(2025, 2, 1 + n), magnitude=1,
            recorded_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        )  # fmt: skip
    page = client.get(f"/questions/{done.slug}/").content.decode()
    reports = page.split("The indicator's reports around the window")[1]
    assert reports.count("<tr>") == 1 + 12  # the header and twelve reports
    assert "1 Mar 2026" in reports  # the drill of 1 March 2026 that resolved it
