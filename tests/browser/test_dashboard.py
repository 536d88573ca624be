"""The dashboard in real headless Chromium (Playwright), against a live server with the demo.

UPDATE_SCREENSHOT=1 also saves the overview to docs/screenshot.png for the README.
"""

import io
import os
import re
from pathlib import Path

import pytest

from tests.browser.support import (
    OVERVIEW,
    ROOT,
    chart_title,
    charts_drawn,
    log_in,
    settled,
    wait_for_title,
    wait_for_url,
    wait_until,
)
from tracker.models import Relationship

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data


def test_overview_draws_its_charts_without_errors_or_foreign_requests(page, live_server, demo):
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    # The card shows the stored verdict's band (whichever the method gives the demo).
    latest = demo.snapshots.order_by("-date").first()
    band = demo.scenarios.get(slug=latest.band).name
    assert band in page.locator("#verdict .band").inner_text()
    assert page.errors == []
    assert page.foreign == []
    settled(page)
    shot = page.screenshot(full_page=False)
    if os.environ.get("UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "screenshot.png").write_bytes(shot)


def test_a_filter_swaps_the_partial_updates_the_url_and_redraws_and_back_restores(
    page, live_server, demo
):
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    full_title = chart_title(page)
    page.evaluate("document.querySelector('#content').dataset.original = 'yes'")
    page.select_option("select[name=period]", "1y")
    wait_for_url(page, re.compile(r"\?period=1y$"), "the period filter pushes ?period=1y")
    charts_drawn(page, 3)
    # Swapped in place (no reload): the marker on the old element is gone with it, the
    # page's own marker is not.
    assert page.evaluate("document.querySelector('#content').dataset.original") is None
    assert chart_title(page) != full_title
    x_range = page.evaluate(
        "document.querySelector('[data-figure=figure-index]').layout.xaxis.range[0]"
    )
    assert str(x_range) >= "2025"

    page.select_option("select[name=category]", "economic")
    wait_for_url(page, re.compile(r"category=economic"), "the category filter is in the URL")
    wait_for_title(page, containing="Economic and energy")
    charts_drawn(page, 3)

    page.go_back()
    wait_for_url(page, re.compile(r"\?period=1y$"), "Back restores ?period=1y")
    wait_for_title(page, containing="Nov 2025", not_containing="Economic")
    charts_drawn(page, 3)
    page.go_back()
    wait_for_url(page, live_server.url + OVERVIEW, "Back restores the unfiltered overview")
    wait_for_title(page, containing=full_title)
    charts_drawn(page, 3)
    assert page.errors == []


def test_analyst_adds_an_observation_inline_and_the_verdict_updates(
    page, live_server, demo, analyst
):
    log_in(page, live_server, analyst)
    page.goto(live_server.url + "/indicators/drone-transfers/")
    before = page.locator("#verdict-strip").inner_text()
    page.fill("#id_occurred_on", "2026-11-20")
    page.fill("#id_magnitude", "5")
    page.fill("#id_summary", "Ukraine reported a new wave of Iranian-made drones.")
    page.select_option("#id_source", label="Kyiv Independent")
    page.select_option("#id_credibility", "1")
    page.click("#observation-form button[type=submit]")
    page.wait_for_selector("text=Observation recorded.")
    assert page.url.endswith("/indicators/drone-transfers/")  # updated in place
    after = page.locator("#verdict-strip").inner_text()
    assert after != before
    assert "Ukraine reported a new wave" in page.locator("table.evidence").inner_text()
    charts_drawn(page, 1)

    # A mistake is named on its field and nothing is written.
    page.fill("#id_occurred_on", "2999-01-01")
    page.fill("#id_magnitude", "2")
    page.fill("#id_summary", "A report from the future.")
    page.click("#observation-form button[type=submit]")
    page.wait_for_selector("#error-occurred_on")
    assert "future" in page.locator("#error-occurred_on").inner_text()
    assert "A report from the future" not in page.locator("table.evidence").inner_text()
    assert page.errors == []


def test_a_reader_sees_no_form(page, live_server, demo, reader):
    log_in(page, live_server, reader)
    page.goto(live_server.url + "/indicators/su35-deal/")
    charts_drawn(page, 1)
    assert page.locator("#observation-form").count() == 0
    assert "Su-35" in page.locator("h1").inner_text()


def test_the_content_security_policy_holds_in_the_browser(page, live_server, demo):
    """htmx and Plotly run under the policy (the other tests see no console error), and a
    script that data or an injection puts into the page does not."""
    response = page.goto(live_server.url + OVERVIEW)
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert "script-src 'self'" in policy
    charts_drawn(page, 3)
    page.evaluate(
        """() => {
            window.violations = [];
            document.addEventListener('securitypolicyviolation',
                e => window.violations.push(e.violatedDirective));
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.append(script);
            const img = document.createElement('img');
            img.setAttribute('onerror', 'window.injected = true');
            img.src = '/no-such-image';
            document.body.append(img);
        }"""
    )
    wait_until(page, "() => window.violations.length >= 2", "both injections are refused")
    assert page.evaluate("window.injected") is None
    assert all(v.startswith("script-src") for v in page.evaluate("window.violations"))
    page.errors.clear()  # the refusals themselves are logged as errors


def test_an_import_page_follows_its_job_without_a_reload(page, live_server, demo, analyst):
    """While a worker checks the file, the page polls (htmx, under the CSP) and shows the
    rows read; when the check is done it offers the import, with no reload."""
    from tracker.models import ObservationImport
    from tracker.observations import imports

    header = "indicator,occurred_on,magnitude,summary,source,credibility"
    rows = [
        f"drone-transfers,2025-0{1 + n % 9}-1{n % 9},2,Report {n},Kyiv Independent,2"
        for n in range(300)
    ]
    job = ObservationImport.objects.create(
        filename="reports.csv", content="\n".join([header, *rows]), uploaded_by=analyst, rows=300
    )
    log_in(page, live_server, analyst)
    page.goto(live_server.url + f"/admin/tracker/observation/import/{job.pk}/")
    page.evaluate("document.body.dataset.original = 'yes'")
    assert "0 of about 300 rows read" in page.locator("#import-status").inner_text()
    imports._reporter(job.pk)(200)  # as the worker does, every hundred rows
    wait_until(
        page,
        "() => document.querySelector('#import-progress')?.value === 200",
        "the progress bar shows 200 rows read",
    )
    imports.import_run(job.pk)  # the worker finishes the check
    wait_until(
        page,
        "() => document.querySelector('#import-status').innerText.includes('All 300 rows')",
        "the page shows the finished check",
    )
    assert page.evaluate("document.body.dataset.original") == "yes"  # no reload
    assert page.locator("input[value='Import 300 rows']").count() == 1
    assert page.errors == []


def test_the_track_record_and_a_question_draw_and_fit_a_phone(page, live_server, demo):
    from tracker.forecasts.service import forecasts_refresh

    forecasts_refresh(demo)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/questions/")
        charts_drawn(page, 1)  # the reliability diagram
        assert "Does Entente deserve belief?" in page.locator("h1").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 1280 and os.environ.get("UPDATE_SCREENSHOT"):
            settled(page)
            (ROOT / "docs" / "forecasts.png").write_bytes(page.screenshot(full_page=True))
        page.goto(live_server.url + "/questions/treaty-signed-by-mid-2025/")
        charts_drawn(page, 1)  # the forecast over time
        assert "Yes, known 18 Jan 2025 (by its rule)" in page.locator(".facts").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == [] and page.foreign == []


def test_the_comparison_page_draws_every_relationship_and_fits_a_phone(page, live_server, demo):
    """The home page, with several relationships watched: a card for each, the indices on
    one chart (a trace per relationship) and the families' heat map, at desktop and phone
    width; a filter keeps to the URL."""
    from tracker.series.refresh import snapshots_refresh

    relationships = list(Relationship.objects.order_by("title"))
    for relationship in relationships:
        snapshots_refresh(relationship)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/")
        charts_drawn(page, 2)
        titles = page.locator(".side-by-side h2").all_inner_texts()
        assert len(titles) == len(relationships) >= 2
        traces = page.evaluate(
            "document.querySelector('[data-figure=figure-compare]').data"
            ".filter(t => t.showlegend !== false).map(t => t.name)"
        )
        assert set(traces) == {r.title for r in relationships} == set(titles)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 1280 and os.environ.get("UPDATE_SCREENSHOT"):
            settled(page)
            (ROOT / "docs" / "compare.png").write_bytes(page.screenshot(full_page=True))
    page.select_option("select[name=period]", "1y")
    wait_for_url(page, re.compile(r"\?period=1y$"), "the period filter pushes ?period=1y")
    charts_drawn(page, 2)
    assert page.errors == [] and page.foreign == []


def focused(page):
    """What has the keyboard's focus: its id, else its tag and text."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || (e.tagName + ':' + e.textContent.trim().slice(0, 40)); }"
    )


def test_the_keyboard_alone_reaches_and_applies_the_filters(page, live_server, demo):
    """A skip link first; ArrowDown on a select moves through its options without loading
    anything, Enter applies, and focus stays on the control; a loading state shows while
    the answer is on its way."""
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    page.keyboard.press("Tab")
    assert focused(page).startswith("A:Skip to content")
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    asked = []
    page.on("request", lambda r: asked.append(r.url) if "category=" in r.url else None)
    page.focus("#filter-category")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert asked == [] and "category" not in page.url  # moving through options loads nothing
    chosen = page.evaluate("document.querySelector('#filter-category').value")
    seen_while_asking = []

    def look_then_answer(route):
        # Run when the request is intercepted, so before its answer can arrive: the page
        # is asked what it shows while waiting, then the request goes on.
        loading = page.evaluate("() => document.querySelector('#content.htmx-request') !== null")
        seen_while_asking.append((loading, page.locator("#filters .loading").is_visible()))
        route.continue_()

    page.route(re.compile(r".*category=.*"), look_then_answer)
    page.keyboard.press("Enter")
    wait_for_url(page, re.compile(f"category={chosen}"), f"Enter applies category={chosen}")
    page.unroute(re.compile(r".*category=.*"))
    assert seen_while_asking[0] == (True, True)  # content dimmed, "Loading…" shown
    charts_drawn(page, 3)
    assert focused(page) == "filter-category"  # focus kept on the control across the swap
    assert len([url for url in asked if "figures.json" not in url]) == 1
    assert page.errors == []


def test_a_pointer_choice_applies_at_once(page, live_server, demo):
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    page.select_option("#filter-min-grade", "B2")  # as a pointer's pick: one change event
    wait_for_url(page, re.compile(r"min_grade=B2"), "the pick applies min_grade=B2")
    assert page.errors == []


def test_retract_and_reinstate_on_the_indicator_page_with_focus_on_each_step(
    page, live_server, demo, analyst
):
    log_in(page, live_server, analyst)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + "/indicators/drone-transfers/")
    charts_drawn(page, 1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    row = page.locator("table.evidence tbody tr").first
    summary = row.locator("td").nth(2).inner_text()
    row.get_by_role("link", name="Retract").click()
    page.wait_for_selector("#observation-decision")
    assert focused(page) == "id_reason"  # the form opens where the user is taken
    page.click("#observation-decision button[type=submit]")  # no reason given
    page.wait_for_selector("#observation-decision #error-reason")
    assert focused(page) == "id_reason"
    page.fill("#id_reason", "A duplicate of another report.")
    page.click("#observation-decision button[type=submit]")
    page.wait_for_selector("#messages .notice")
    message = page.locator("#messages .notice")
    assert "Observation retracted" in message.inner_text()
    assert page.evaluate("document.activeElement.matches('#messages .notice')")
    assert message.is_visible() and message.bounding_box()["y"] >= 0
    retracted = page.locator("table.evidence tr.retracted", has_text=summary)
    assert "A duplicate of another report." in retracted.inner_text()
    # The recompute's poller redraws the page part; the message stays until dismissed.
    wait_until(page, "() => !document.querySelector('#recomputing')", "the poller is done")
    assert "Observation retracted" in page.locator("#messages").inner_text()
    page.click("#messages [data-dismiss]")
    assert page.locator("#messages .notice").count() == 0

    retracted.get_by_role("link", name="Reinstate").click()
    page.wait_for_selector("#observation-decision")
    page.fill("#id_reason", "It was not a duplicate.")
    page.click("#observation-decision button[type=submit]")
    page.wait_for_selector("#messages .notice")
    assert "Observation reinstated" in page.locator("#messages").inner_text()
    assert page.locator("table.evidence tr.retracted", has_text=summary).count() == 0
    history = page.locator("table.history").inner_text()
    assert "Retracted: A duplicate of another report." in history
    assert "Reinstated: It was not a duplicate." in history
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []


def test_a_typed_date_applies_when_left_and_a_refused_one_says_why(page, live_server, demo):
    """Typing a date loads nothing until the field is left; the date may be written as a
    report writes it and comes back as ISO; one the server refuses says why beside the
    filters, on its field."""
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    assert page.get_attribute("#filter-as-of", "type") == "text"  # no locale-ordered picker
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "as_of=" in r.url else None)
    page.click("#filter-as-of")
    page.keyboard.type("30 Jun 2025")
    assert asked == []  # mid-typing: nothing
    page.keyboard.press("Tab")
    wait_for_url(page, re.compile(r"as_of=2025-06-30"), "leaving the field applies as_of")
    wait_until(
        page,
        "() => document.querySelector('#filter-as-of').value === '2025-06-30'",
        "the field shows the date as YYYY-MM-DD",
    )
    page.fill("#filter-as-of", "1850-01-01")  # well formed, outside the accepted dates
    page.keyboard.press("Enter")
    error = page.locator("#filter-error")
    error.wait_for()
    assert "1850-01-01 is outside the dates Entente accepts" in error.inner_text()
    assert focused(page) == "filter-as-of"
    assert page.get_attribute("#filter-as-of", "aria-invalid") == "true"
    page.errors[:] = [e for e in page.errors if "400" not in e]  # the refusal itself
    assert page.errors == []


def test_every_page_fits_a_phone(page, live_server, demo, analyst):
    """At 390 px nothing scrolls sideways, on every page a reader or an analyst opens:
    wide tables scroll inside their cards, charts relayout to the width."""
    from tracker.models import Indicator, Question

    kinds = {i.kind: i.slug for i in Indicator.objects.filter(relationship=demo)}
    question = Question.objects.filter(relationship=demo).first()
    pages = [
        "/",
        OVERVIEW,
        OVERVIEW + "?period=1y&category=economic",
        *(f"/indicators/{slug}/" for slug in kinds.values()),
        "/methodology/",
        "/questions/",
        f"/questions/{question.slug}/",
        "/accounts/login/",
    ]
    analyst_pages = [
        *(f"/indicators/{slug}/" for slug in kinds.values()),
        "/triage/",
        "/questions/new/",
        "/admin/",
        "/admin/tracker/observation/",
        "/admin/tracker/observation/import/",
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    wide = {}
    for role, urls in (("reader", pages), ("analyst", analyst_pages)):
        if role == "analyst":
            log_in(page, live_server, analyst)
        for url in urls:
            page.goto(live_server.url + url)
            page.wait_for_load_state("load")
            charts = page.locator("[data-figure]").count()
            if charts:
                wait_until(
                    page,
                    "n => document.querySelectorAll('[data-figure][data-drawn]').length >= n",
                    f"the {charts} chart(s) of {url} are drawn",
                    arg=charts,
                )
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[f"{role} {url}"] = width
    assert wide == {}, f"wider than a 390 px phone: {wide}"
    assert page.errors == []


def test_a_table_downloads_as_the_csv_of_what_it_shows(page, live_server, demo):
    import csv

    page.goto(live_server.url + "/indicators/drone-transfers/")
    charts_drawn(page, 1)
    table = page.locator("table.evidence")
    shown = table.locator("tbody tr").count()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download this table (CSV)").first.click()
    download = caught.value
    assert download.suggested_filename == "drone-transfers-observations-page-1.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0] == ["When", "Reading", "What", "Who said it, and the quote", "Grade", "Status"]
    assert len(rows) == 1 + shown
    first = table.locator("tbody tr").first.locator("td")
    assert rows[1][2] == " ".join(first.nth(2).text_content().split())
    # Every observation, beyond this page, from the API as CSV.
    link = page.get_by_role("link", name=re.compile(r"observations? \(CSV\)"))
    answer = page.request.get(live_server.url + link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    count = (
        Relationship.objects.get(slug="russia-iran")
        .indicators.get(slug="drone-transfers")
        .observations.count()
    )
    assert len(answer.text().strip().splitlines()) == 1 + count
    assert page.errors == []
