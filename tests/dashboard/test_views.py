"""Dashboard pages: what they show, partial swaps, bad parameters, the inline form, budgets."""

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.clock import NOW, TODAY
from tests.dashboard.conftest import BANDS, build
from tests.factories import IndicatorFactory, RelationshipFactory, SourceFactory
from tracker.models import Indicator, Observation, Snapshot
from tracker.observations import services
from tracker.scoring.estimative import likelihood
from tracker.scoring.method import METHOD_VERSION, momentum_label
from tracker.selectors.sensitivity import verdict_sensitivity
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")
ODDS = re.compile(r'<span class="odds-name">([^<]+)</span>.*?<span class="odds-p">([^<]+)</span>')
FIGURE = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
FIGURE_URL = re.compile(r'data-figure-url="([^"]+)"')


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def table_rows(html: str, css_class: str) -> list[list[str]]:
    """The text of each body row's cells of the table of that class."""
    table = html[html.index(f'<table class="{css_class}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def figures(html: str) -> dict[str, dict]:
    """The page's figures: in the page, or fetched from the URLs its charts name."""
    found = {name: json.loads(body) for name, body in FIGURE.findall(html)}
    for url in set(FIGURE_URL.findall(html)):
        response = Client().get(unescape(url))
        assert response.status_code == 200, (url, response.content)
        found |= response.json()
    return found


def test_overview_answers_the_question(client, small):
    relationship, _ = small
    latest = Snapshot.objects.filter(relationship=relationship).latest("date")
    page = client.get(HOME).content.decode()
    assert relationship.question in page
    assert f"<strong>{latest.index:.1f}</strong>" in page
    label = momentum_label(latest.momentum)
    assert f"Momentum {latest.momentum:.1f} over 90 days: <strong>{label}</strong>" in page
    # Every scenario's stored odds, as whole percentages (Django's widthratio rounds).
    shown = dict(ODDS.findall(page))
    names = dict(relationship.scenarios.values_list("name", "slug"))
    assert shown == {name: f"{round(latest.odds[slug] * 100)}%" for name, slug in names.items()}
    assert "Evidence on 5 of 5 indicators (100% of the catalogue" in page
    assert set(figures(page)) == {"figure-index", "figure-odds", "figure-categories"}
    # Latest evidence first: Indicator 0's report 30 days ago; nothing is stale.
    evidence = page[page.index('<table class="evidence"') :]
    body = evidence[evidence.index("<tbody>") :]
    first_row = body[: body.index("</tr>")]
    assert (TODAY - dt.timedelta(days=30)).strftime("%-d %b %Y") in first_row
    assert "Indicator 0" in first_row
    assert "None: every indicator has recent evidence." in page


def test_the_card_states_the_judgement_in_words_with_its_confidence_and_grounds(client, small):
    relationship, _ = small
    latest = Snapshot.objects.filter(relationship=relationship).latest("date")
    page = client.get(HOME).content.decode()
    card = page.split('id="verdict"')[1].split("</section>")[0]
    slug, probability = max(latest.odds.items(), key=lambda kv: kv[1])
    term, span = likelihood(probability)
    name = relationship.scenarios.get(slug=slug).name
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", card))
    assert f"That it is in the “{name}” band: {term} ({span} in the words of ICD 203; " in text
    assert re.search(r"(Low|Moderate|High) confidence", text)
    # Newest report 30 days ago (Indicator 0); none stale; freshness and sources.
    newest = (TODAY - dt.timedelta(days=30)).strftime("%-d %b %Y")
    assert f"Newest evidence {newest} · 0 of 5 indicators stale" in text
    assert f"evidence {round(latest.freshness * 100)}% fresh · 10 independent originators" in text
    assert "Most in support of" in text and "Most against" in text


def test_the_card_says_in_one_line_how_robust_its_band_is(client, small):
    relationship, indicators = small
    latest = Snapshot.objects.filter(relationship=relationship).latest("date")
    page = client.get(HOME).content.decode()
    card = page.split('id="verdict"')[1].split("</section>")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", card))
    found = verdict_sensitivity(relationship, latest.date)
    names = dict(relationship.scenarios.values_list("slug", "name"))
    assert found.published.band == latest.band  # the line is about the card's own band
    assert found.line(names) in text
    assert re.search(r"(Robust: the band holds under every variant tried|Sensitive to )", text)
    # As known on a day, the line is about that day's verdict, from what was known then.
    from tests.factories import ObservationFactory

    for n, indicator in enumerate(indicators):
        occurred = TODAY - dt.timedelta(days=60 + n)
        ObservationFactory(
            indicator=indicator,
            occurred_on=occurred,
            recorded_at=dt.datetime.combine(occurred, dt.time(12), tzinfo=dt.UTC),
        )
    snapshots_refresh(relationship, end=TODAY)
    day = TODAY - dt.timedelta(days=20)
    then = client.get(HOME, {"as_of": day.isoformat()}).content.decode()
    line = verdict_sensitivity(relationship, day, as_of=day).line(names)
    assert line in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", then))


def test_below_half_the_catalogue_the_card_gives_no_band(client):
    relationship, indicators = build(4, observations_each=1)
    for indicator in indicators[1:]:  # keep the first indicator's evidence only
        indicator.observations.update(status=Observation.Status.RETRACTED, retracted_at=NOW)
    snapshots_refresh(relationship, end=TODAY)
    page = client.get(f"/r/{relationship.slug}/").content.decode()
    card = page.split('id="verdict"')[1].split("</section>")[0]
    assert 'class="verdict band-none"' in page
    assert '<p class="band">Insufficient evidence</p>' in card
    assert "a verdict needs 50%" in card
    assert not any(f'<p class="band">{name}</p>' in card for _, name, *_ in BANDS)
    assert "Most in support" not in card  # no band, so nothing supports it
    assert "Robust" not in card and "Sensitive to" not in card  # nor any band to test


def test_figures_stay_small(client):
    build(6, observations_each=3)
    page = client.get(HOME).content.decode()
    for name, figure in figures(page).items():
        points = sum(len(trace.get("x") or []) for trace in figure["data"])
        assert points <= 5000, name
        assert len(json.dumps(figure)) <= 250_000, name


def test_htmx_gets_only_the_content_partial(client, small):
    response = client.get(HOME, {"period": "1y"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="content"')
    assert "<html" not in html
    assert "figure-index" in html
    assert response["HX-Push-Url"] == f"{HOME}?period=1y"  # the address bar follows the view
    # ...but a history restore gets the whole page back.
    restore = client.get(HOME, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_the_same_url_without_javascript_renders_the_same_content(client, small):
    full = client.get(HOME, {"period": "1y", "category": "cat-1"}).content.decode()
    partial = client.get(
        HOME, {"period": "1y", "category": "cat-1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.strip() in full


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"period": "2y"}, "period"), ({"as_of": "soon"}, "as_of"), ({"min_grade": "Q"}, "min_grade")],
)
def test_bad_parameters_answer_400_naming_them(client, small, query, parameter):
    response = client.get(HOME, query)
    assert response.status_code == 400
    assert f"<code>{parameter}</code>" in response.content.decode()


def test_as_known_on_and_minimum_grade_change_the_view(client, small):
    page = client.get(HOME, {"as_of": TODAY.isoformat()}).content.decode()
    assert "as known on 25 Nov 2026" in page
    # The factories record everything today: a week ago, nothing was known.
    before = client.get(HOME, {"as_of": "2026-11-18"}).content.decode()
    assert "No assessment yet" in before and "known on 18 Nov 2026" in before
    strict = client.get(HOME, {"min_grade": "A1"}).content.decode()
    assert "No assessment yet" in strict  # the factories grade everything B2


def test_a_view_too_large_to_score_in_the_request_polls_until_its_job_is_done(
    client, small, monkeypatch
):
    """However many requests ask (or an attacker sends), a large view is scored by one job,
    never inside the request; the page says so and asks again until it is there."""
    from tracker import tasks
    from tracker.selectors import series

    asked = []
    monkeypatch.setattr(series, "INLINE_OBSERVATIONS", 0)
    monkeypatch.setattr(series, "enqueue_now", lambda task, *args: asked.append(args))
    for _ in range(3):
        page = client.get(HOME, {"min_grade": "B2"}, headers={"HX-Request": "true"})
        assert page.status_code == 200
    text = page.content.decode()
    assert "Computing this view" in text and "grade B2 or better" in text
    assert 'data-hx-trigger="every 2s"' in text and 'data-hx-get="/?min_grade=B2"' in text
    assert len(asked) == 1

    tasks.compute_view(*asked[0])
    done = client.get(HOME, {"min_grade": "B2"}, headers={"HX-Request": "true"}).content.decode()
    assert "Computing this view" not in done, done
    assert "every 2s" not in done
    assert "grade B2 or better" in done and 'id="verdict"' in done


def test_category_filter_draws_the_sub_index(client, small):
    page = client.get(HOME, {"category": "cat-1"}).content.decode()
    index = figures(page)["figure-index"]
    assert [t["name"] for t in index["data"] if t.get("mode") != "markers"][-1] == "Category 1"


def test_no_asset_from_another_origin(client, small):
    page = client.get(HOME).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    # Only evidence links (sources' URLs) leave the site; no script or stylesheet does.
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    styles = re.findall(r'<link[^>]+href="([^"]+)"', page)
    assert all(s.startswith("/static/") for s in scripts + styles), scripts + styles
    assert all("example.org" in s for s in external)


def test_static_assets_come_from_the_installed_packages():
    import plotly

    from dashboard.staticfinders import PlotlyFinder

    found = finders.find("plotly/plotly.min.js")
    assert found == str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js")
    # collectstatic takes exactly that file from the package, nothing else of its data.
    listed = [(path, storage.prefix) for path, storage in PlotlyFinder().list([])]
    assert listed == [("plotly.min.js", "plotly")]
    assert finders.find("django_htmx/htmx-2.min.js")


def test_private_dashboard_asks_for_login(client, small, settings):
    settings.DASHBOARD_PUBLIC = False
    response = client.get(HOME)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


class TestIndicatorPage:
    def test_shows_the_series_evidence_and_history(self, client, small):
        _, indicators = small
        stage = indicators[2]
        page = client.get(reverse("dashboard:indicator", args=[stage.slug])).content.decode()
        assert stage.seed_quote in page
        assert "figure-indicator" in page
        figure = figures(page)["figure-indicator"]
        assert figure["layout"]["yaxis"]["ticktext"] == [
            "Reported interest",
            "Contract",
            "Delivered",
        ]
        # Newest first: when, reading, summary, source, grade, status.
        sources = stage.observations.order_by("-occurred_on").values_list("source__name", flat=True)
        observed = [(TODAY - dt.timedelta(days=d)).strftime("%-d %b %Y") for d in (32, 132)]
        assert table_rows(page, "evidence") == [
            [day, "Reported interest", "Something happened.", source, "B2", "Accepted"]
            for day, source in zip(observed, sources, strict=True)
        ]
        # Each observation's creation, stamped by the (frozen) clock, by no one in particular;
        # the latest change first (the older report was entered second).
        created = NOW.strftime("%-d %b %Y %H:%M")
        assert table_rows(page, "history") == [
            [created, "—", "Created", f"{day}: Something happened."] for day in observed[::-1]
        ]
        assert "Record an observation" not in page  # anonymous: no form

    def test_reader_sees_no_form(self, reader_client, small):
        _, indicators = small
        page = reader_client.get(reverse("dashboard:indicator", args=[indicators[0].slug]))
        assert "Record an observation" not in page.content.decode()

    def test_analyst_sees_only_the_measure_of_the_kind(self, analyst_client, small):
        _, indicators = small
        page = analyst_client.get(reverse("dashboard:indicator", args=[indicators[1].slug]))
        form = page.context["form"]
        assert "value" in form.fields
        assert "magnitude" not in form.fields and "stage" not in form.fields


def inline_data(**overrides):
    data = {
        "occurred_on": (TODAY.replace(day=1)).isoformat(),
        "precision": "day",
        "magnitude": "3",
        "summary": "Another delivery was reported.",
        "source": "",
        "url": "https://example.org/new",
        "quote": "",
        "reliability": "",
        "credibility": "2",
    }
    return data | overrides


class TestInlineForm:
    @pytest.mark.django_db(transaction=True)  # the refresh runs on commit, as in production
    def test_analyst_records_inline_and_the_verdict_updates(self, client, analyst):
        relationship, indicators = build(5)
        client.force_login(analyst)
        event = indicators[0]
        source = event.observations.first().source
        before = Snapshot.objects.get(relationship=relationship, date=TODAY).index
        response = client.post(
            reverse("dashboard:observation-add", args=[event.slug]),
            inline_data(source=source.pk, magnitude="5"),
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="content"')
        # The message rides out of band into the page's message region, which the poller
        # that redraws #content afterwards never touches: it stays until dismissed.
        region = html[html.index('<div id="messages"') :]
        assert 'data-hx-swap-oob="true"' in region.split(">")[0]
        assert "Observation recorded." in region and "data-dismiss" in region
        assert "Observation recorded." not in html[: html.index('<div id="messages"')]
        assert Observation.objects.filter(summary="Another delivery was reported.").exists()
        after = Snapshot.objects.get(relationship=relationship, date=TODAY).index
        assert after > before
        assert f"{after:.1f}" in html

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"magnitude": ""}, "magnitude", "enter its magnitude"),
            ({"occurred_on": "2999-01-01"}, "occurred_on", "future"),
            ({"credibility": "9"}, "credibility", "valid choice"),
            ({"url": "nope"}, "url", "valid URL"),
        ],
    )
    def test_invalid_input_is_named_and_nothing_is_written(
        self, analyst_client, small, overrides, field, message
    ):
        _, indicators = small
        event = indicators[0]
        source = event.observations.first().source
        count = Observation.objects.count()
        response = analyst_client.post(
            reverse("dashboard:observation-add", args=[event.slug]),
            inline_data(source=source.pk, **overrides),
        )
        assert response.status_code == 422
        assert message in " ".join(response.context["form"].errors[field])
        assert f'id="error-{field}"' in response.content.decode()
        assert Observation.objects.count() == count

    def _correction(self, observation, **overrides):
        return inline_data(
            source=observation.source.pk,
            occurred_on=observation.occurred_on.isoformat(),
            magnitude="4.5",
            summary=observation.summary,
            url=observation.url,
            reliability=observation.reliability,
            credibility=str(observation.credibility),
            **overrides,
        )

    def test_correction_asks_why_and_keeps_history(self, analyst_client, small):
        _, indicators = small
        observation = indicators[0].observations.first()
        url = reverse("dashboard:observation-edit", args=[indicators[0].slug, observation.pk])
        form = analyst_client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "Save the correction" in form
        assert (
            'name="reason"' in form.split('id="observation-form"')[1].split('name="occurred_on"')[0]
        )
        # Without a reason nothing changes, and the reason field says so.
        refused = analyst_client.post(url, self._correction(observation))
        assert refused.status_code == 422 and 'id="error-reason"' in refused.content.decode()
        observation.refresh_from_db()
        assert observation.magnitude != 4.5 and observation.history.count() == 1
        response = analyst_client.post(
            url, self._correction(observation, reason="The source gave the wrong size.")
        )
        assert response.status_code == 302
        observation.refresh_from_db()
        assert observation.magnitude == 4.5
        assert observation.history.count() == 2
        reason = observation.history.order_by("history_id").last().history_change_reason
        assert reason == "Corrected: The source gave the wrong size."
        page = analyst_client.get(response["Location"]).content.decode()
        assert "Observation corrected." in page  # the message survives the redirect
        assert "Corrected: The source gave the wrong size." in page  # in the history table

    def test_retract_and_reinstate_from_the_page_with_a_reason(self, analyst_client, small):
        _, indicators = small
        indicator = indicators[0]
        observation = indicator.observations.first()
        retract = reverse("dashboard:observation-retract", args=[indicator.slug, observation.pk])
        reinstate = reverse(
            "dashboard:observation-reinstate", args=[indicator.slug, observation.pk]
        )
        page = analyst_client.get(reverse("dashboard:indicator", args=[indicator.slug]))
        assert f'href="{retract}"' in page.content.decode()
        # Not yet retracted: nothing to reinstate.
        assert analyst_client.get(reinstate).status_code == 404
        form = analyst_client.get(retract, headers={"HX-Request": "true"}).content.decode()
        assert "Retract the observation of" in form and 'name="reason"' in form
        refused = analyst_client.post(retract, {"reason": "  "}, headers={"HX-Request": "true"})
        assert 'id="error-reason"' in refused.content.decode()
        observation.refresh_from_db()
        assert not observation.is_retracted
        done = analyst_client.post(
            retract,
            {"reason": "A duplicate of the Reuters report."},
            headers={"HX-Request": "true"},
        ).content.decode()
        observation.refresh_from_db()
        assert observation.is_retracted
        assert observation.retraction_reason == "A duplicate of the Reuters report."
        assert "Observation retracted" in done.split('<div id="messages"')[1]
        assert f'href="{reinstate}"' in done  # the row now offers to reinstate it
        assert analyst_client.get(retract).status_code == 404  # retracted already
        analyst_client.post(reinstate, {"reason": "It was not a duplicate."})
        observation.refresh_from_db()
        assert not observation.is_retracted
        reasons = list(
            observation.history.order_by("history_id").values_list(
                "history_change_reason", flat=True
            )
        )
        assert reasons[-2:] == [
            "Retracted: A duplicate of the Reuters report.",
            "Reinstated: It was not a duplicate.",
        ]
        assert Observation.objects.filter(pk=observation.pk).exists()  # never deleted

    def test_readers_cannot_retract_or_reinstate(self, reader_client, small):
        _, indicators = small
        observation = indicators[0].observations.first()
        for name in ("dashboard:observation-retract", "dashboard:observation-reinstate"):
            url = reverse(name, args=[indicators[0].slug, observation.pk])
            assert reader_client.post(url, {"reason": "mine"}).status_code == 403
            anonymous = Client().post(url, {"reason": "mine"})
            assert anonymous.status_code == 302
        observation.refresh_from_db()
        assert not observation.is_retracted
        page = reader_client.get(reverse("dashboard:indicator", args=[indicators[0].slug]))
        assert "Retract" not in page.content.decode()

    def test_readers_and_anonymous_cannot_write(self, reader_client, small):
        _, indicators = small
        url = reverse("dashboard:observation-add", args=[indicators[0].slug])
        assert reader_client.post(url, inline_data()).status_code == 403
        anonymous = Client().post(url, inline_data())
        assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]

    def test_writes_need_csrf(self, analyst, small):
        _, indicators = small
        client = Client(enforce_csrf_checks=True)
        client.force_login(analyst)
        url = reverse("dashboard:observation-add", args=[indicators[0].slug])
        source = indicators[0].observations.first().source
        count = Observation.objects.count()
        assert client.post(url, inline_data(source=source.pk)).status_code == 403
        assert Observation.objects.count() == count


@pytest.mark.parametrize("size", [5, 200])
def test_query_budgets_hold_at_any_size(client, size, django_assert_max_num_queries):
    _, indicators = build(size, observations_each=1)
    # 32: the verdict's grounds take four (newest report, originators, the ranked scores,
    # then their reports: joined before the sort, a million reports took seconds).
    # The card's sensitivity line adds one (its cache key's data version) and, on a cold
    # cache, four more while it scores the variants (the report count, the observations, the
    # indicators and the bands): 36, then 33. The open questions add one (two when there
    # are any: their forecasts): 37, then 34. Whether several relationships are watched (the
    # home page is then the comparison, and the navigation links it) adds one: 38, then 35.
    with django_assert_max_num_queries(38):
        assert client.get(HOME).status_code == 200
    with django_assert_max_num_queries(35):
        assert client.get(HOME, {"category": "cat-2", "period": "1y"}).status_code == 200
    with django_assert_max_num_queries(20):
        url = reverse("dashboard:indicator", args=[indicators[-1].slug])
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("dashboard:methodology")).status_code == 200


def test_methodology_page_renders_the_document_and_the_live_catalogue(client, small):
    _, indicators = small
    page = client.get(reverse("dashboard:methodology")).content.decode()
    # The document's own headings, each with its anchor (the toc extension), in its order.
    document = (Path(__file__).parents[2] / "docs" / "methodology.md").read_text()
    headings = re.findall(r"^## (.+)$", document, re.M)
    rendered = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<h2 id="[^"]+">(.*?)</h2>', page)]
    assert rendered[: len(headings)] == [re.sub(r"[`*]", "", h) for h in headings]
    assert f"Method version <strong>{METHOD_VERSION}</strong>" in page
    # The live catalogue: one row per indicator, with its weight, latest signal and seed.
    rows = {row[1]: row for row in table_rows(page, "catalogue")}
    assert set(rows) == {i.name for i in indicators}
    level = indicators[1]  # a level of 50 between floor 0 and ceiling 100
    assert rows[level.name][4:7] == ["1", "0.50", ""]
    assert rows[level.name][7] == f"¶{level.seed_paragraph}: “{level.seed_quote}”"


def test_methodology_page_shows_the_verdict_under_each_parameter_variant(
    client, small, django_assert_max_num_queries
):
    relationship, _ = small
    # On a cold cache the page scores the variants itself: six queries more than the ten.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("dashboard:methodology")).content.decode()
    latest = Snapshot.objects.filter(relationship=relationship).latest("date")
    found = verdict_sensitivity(relationship, latest.date)
    names = dict(relationship.scenarios.values_list("slug", "name"))
    section = page.split('id="live-sensitivity"')[1].split("</section>")[0]
    assert found.line(names) in section
    rows = table_rows(page, "sensitivity")
    assert len(rows) == len(found.outcomes)
    assert rows[0][:5] == [
        "published",
        "as published",
        f"{latest.index:.1f}",
        f"{latest.low:.1f}–{latest.high:.1f}",
        names[latest.band],
    ]
    assert {row[0] for row in rows[1:]} == {f.family for f in found.families}
    chart = figures(page)["figure-sensitivity"]["data"][0]
    assert chart["y"] == [o.label for o in found.outcomes]


def test_poller_waits_for_the_worker_then_swaps_in_the_new_series(client, small, monkeypatch):
    relationship, indicators = small
    url = reverse("dashboard:indicator-refreshed", args=[indicators[0].slug])
    version = Snapshot.objects.filter(relationship=relationship).latest("pk").pk
    now = int(__import__("time").time())
    # Not recomputed yet: nothing to swap.
    assert client.get(url, {"after": version, "since": now}).status_code == 204
    # Recomputed (the stored series was rewritten): the page part comes back.
    Snapshot.objects.filter(pk=version).update(id=version + 10_000)
    fresh = client.get(url, {"after": version, "since": now})
    assert fresh.status_code == 200 and 'id="content"' in fresh.content.decode()
    # A worker that never comes: after a minute the poller is told so and stops.
    Snapshot.objects.filter(pk=version + 10_000).update(id=version)
    late = client.get(url, {"after": version, "since": now - 61}, headers={"HX-Request": "true"})
    assert "is the worker running?" in late.content.decode().split('<div id="messages"')[1]
    assert client.get(url, {"after": "x", "since": now}).status_code == 400


def test_a_failing_sources_network_detail_is_for_staff_only(reader_client, small):
    SourceFactory(name="Mirror", adapter="rss", enabled=True, failures=2,
                  last_error="Cannot connect to 10.0.0.7:5432: connection refused")  # fmt: skip
    anonymous = Client().get(HOME).content.decode()
    assert "<strong>Mirror</strong> (2 failed refreshes)" in anonymous
    assert "10.0.0.7" not in anonymous
    assert "10.0.0.7:5432" in reader_client.get(HOME).content.decode()


def test_a_feed_read_with_a_warning_is_named_and_its_detail_is_for_staff(reader_client, small):
    SourceFactory(name="Cut feed", adapter="rss", enabled=True,
                  last_warning="The feed is damaged: no element found: line 40")  # fmt: skip
    SourceFactory(name="Whole feed", adapter="rss", enabled=True)
    anonymous = Client().get(HOME).content.decode()
    assert "Read with a warning: <strong>Cut feed</strong></p>" in anonymous
    assert "Whole feed" not in anonymous and "line 40" not in anonymous
    assert "(The feed is damaged: no element found: line 40)" in (
        reader_client.get(HOME).content.decode()
    )


def test_every_page_carries_a_content_security_policy_that_runs_no_inline_script(client, small):
    response = client.get(HOME)
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no inline script, nor a nonce to allow one
    assert (policy["default-src"], policy["object-src"], policy["frame-ancestors"]) == (
        "'self'",
        "'none'",
        "'none'",
    )
    page = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts
    for tag in scripts:  # each is a file of this site, or a data block
        assert re.search(r'\bsrc="/static/', tag) or 'type="application/json"' in tag, tag


def test_a_server_error_shows_no_traceback_or_server_path(small, monkeypatch, settings):
    """With DEBUG off (as in production), a failing view answers a plain page."""
    from dashboard import views

    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/app/tracker/models.py")

    monkeypatch.setattr(views, "overview_context", broken)
    response = Client(raise_request_exception=False).get(HOME)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "Traceback" not in page and "secret detail" not in page and ".py" not in page


def test_as_known_on_lists_no_evidence_recorded_later(client, small):
    """The issue's reproduction: /?as_of= listed in Latest evidence a report recorded after
    the day (and its stale list counted to today)."""
    from tests.factories import ObservationFactory

    relationship, indicators = small
    month_ago = NOW - dt.timedelta(days=30)
    ObservationFactory(
        indicator=indicators[0],
        occurred_on=TODAY - dt.timedelta(days=40),
        recorded_at=month_ago,
        summary="Known a month ago",
    )
    ObservationFactory(
        indicator=indicators[0],
        occurred_on=TODAY - dt.timedelta(days=35),
        summary="Recorded only today",
    )
    as_of = (TODAY - dt.timedelta(days=20)).isoformat()

    def evidence_table(query):
        page = client.get(f"/r/{relationship.slug}/", query).content.decode()
        return page.split('<table class="evidence"')[1].split("</table>")[0]

    then = evidence_table({"as_of": as_of})
    assert "Known a month ago" in then
    assert "Recorded only today" not in then
    assert "Recorded only today" in evidence_table({})


def test_as_known_on_every_panel_shows_only_what_was_recorded_by_then(client, small):
    """Walk every panel of the overview with as_of: a report, a source and an alert that
    came after the day show nowhere; without as_of they show."""
    from tests.factories import ObservationFactory
    from tracker.models import Alert

    relationship, indicators = small
    day = TODAY - dt.timedelta(days=20)
    for n, indicator in enumerate(indicators):  # what was known by the day: one report each
        occurred = TODAY - dt.timedelta(days=60 + n)
        ObservationFactory(
            indicator=indicator,
            occurred_on=occurred,
            recorded_at=dt.datetime.combine(occurred, dt.time(12), tzinfo=dt.UTC),
        )
    later = NOW - dt.timedelta(days=5)
    late_source = SourceFactory(name="Late Gazette")
    ObservationFactory(
        indicator=indicators[0],
        occurred_on=TODAY - dt.timedelta(days=25),  # dated before the day, recorded after it
        recorded_at=later,
        magnitude=5,
        reliability="A",
        credibility=1,
        source=late_source,
        summary="Learned only later",
    )
    Alert.objects.create(
        relationship=relationship, kind="band", key="late", title="Late alert", message="x",
        created_at=later,
    )  # fmt: skip
    snapshots_refresh(relationship, end=TODAY)
    url = f"/r/{relationship.slug}/"
    query = {"as_of": day.isoformat(), "moved_from": (day - dt.timedelta(days=60)).isoformat()}
    then = client.get(url, query).content.decode()
    now = client.get(url, {"moved_from": query["moved_from"]}).content.decode()
    for marker in ("Learned only later", "Late Gazette", "Late alert"):
        assert marker in now, marker
        assert marker not in then, marker
    panels = {
        "card": lambda page: page.split('id="verdict"')[1].split("</section>")[0],
        "moved": lambda page: page.split("What moved the assessment</h2>")[1].split("</section>")[
            0
        ],
        "chart notes": lambda page: figures(page)["figure-index"],
    }
    assert "Learned only later" in json.dumps(panels["chart notes"](now))
    assert "Learned only later" not in json.dumps(panels["chart notes"](then))
    assert "Learned only later" in panels["moved"](now)  # the strongest report of the period
    assert f"as known on {day:%-d %b %Y}" in panels["moved"](then)
    # The card counts the originators known then: the five early reports' own; today also the
    # fixture's ten (recorded today) and the late one.
    sources = re.compile(r"(\d+) independent originators")
    assert int(sources.search(panels["card"](then))[1]) == 5
    assert int(sources.search(panels["card"](now))[1]) == 16


def test_the_methodology_pages_live_sections_are_per_relationship(client, small):
    relationship, indicators = small
    other = IndicatorFactory(relationship=RelationshipFactory(slug="china-russia"))
    page = client.get(reverse("dashboard:methodology")).content.decode()
    assert indicators[0].name in page and other.name not in page  # the first watched
    assert 'href="?relationship=china-russia#live-sensitivity"' in page
    page = client.get(reverse("dashboard:methodology"), {"relationship": "china-russia"})
    html = page.content.decode()
    assert other.name in html and indicators[0].name not in html
    assert f'href="?relationship={relationship.slug}#live-sensitivity"' in html
    assert client.get(reverse("dashboard:methodology"), {"relationship": "nope"}).status_code == 404


def test_a_reinstatement_the_catalogue_no_longer_allows_is_refused_not_a_crash(
    analyst_client, small
):
    """The indicator's kind changed since the retraction: the observation no longer fits it,
    and the page says so instead of answering 500."""
    indicator = small[1][0]  # an event
    observation = indicator.observations.first()
    services.observation_retract(observation, by=None, reason="A duplicate.")
    Indicator.objects.filter(pk=indicator.pk).update(kind="level", floor=0, ceiling=100)
    url = reverse("dashboard:observation-reinstate", args=[indicator.slug, observation.pk])
    answer = analyst_client.post(url, {"reason": "Not a duplicate."})
    assert answer.status_code == 422
    assert "error" in answer.content.decode().split('id="observation-decision"')[1]
    observation.refresh_from_db()
    assert observation.is_retracted


def test_a_reason_longer_than_its_history_entry_holds_is_refused(analyst_client, small):
    indicator = small[1][0]
    observation = indicator.observations.first()
    url = reverse("dashboard:observation-retract", args=[indicator.slug, observation.pk])
    answer = analyst_client.post(url, {"reason": "x" * 89})
    assert answer.status_code == 422 and 'id="error-reason"' in answer.content.decode()
    observation.refresh_from_db()
    assert not observation.is_retracted


def test_an_admin_poll_leaves_waiting_messages_for_the_next_page(analyst_client, analyst, small):
    """The workbench's htmx polls have no message region: a message waiting then is not
    swallowed by them, but shown on the next dashboard page."""
    from tracker.models import ObservationImport

    indicator = small[1][0]
    observation = indicator.observations.first()
    retract = reverse("dashboard:observation-retract", args=[indicator.slug, observation.pk])
    analyst_client.post(retract, {"reason": "Shown later."})  # a redirect: the message waits
    job = ObservationImport.objects.create(
        filename="f.csv", content="x", uploaded_by=analyst, rows=1
    )
    progress = reverse("admin:tracker_observation_import_progress", args=[job.pk])
    poll = analyst_client.get(progress, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Observation retracted" not in poll.content.decode()
    page = analyst_client.get(reverse("dashboard:indicator", args=[indicator.slug]))
    assert "Observation retracted" in page.content.decode()
