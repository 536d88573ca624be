"""The charts in headless Chromium: nothing offers to upload a chart, each has its
downloads and a link, a CSV download holds the figure's own data, dark pages draw dark
charts, and a phone's width fits them all."""

import base64
import csv
import io
import json

import numpy as np
import pytest

from tests.browser.support import OVERVIEW, WAIT_MS, charts_drawn, wait_until
from tracker.models import Indicator

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

PAGES = [OVERVIEW, "/indicators/drone-transfers/", "/indicators/su35-deal/", "/compare/"]


def _context(browser, **options):
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | options))
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


def _all_drawn(page):
    wait_until(
        page,
        """() => [...document.querySelectorAll('[data-figure]')].every(
            f => f.dataset.drawn === 'true' && f.querySelector('.main-svg'))""",
        "every chart on the page is drawn",
    )


def test_no_chart_offers_to_send_it_to_a_cloud(page, live_server, demo):
    """plotly.js 4 shows "Share chart..." (an upload to Plotly Cloud) in its toolbar unless
    told not to: no such button anywhere, and no chart configured to show one."""
    for path in PAGES:
        page.goto(live_server.url + path)
        _all_drawn(page)
        found = page.evaluate(
            """() => [...document.querySelectorAll('button, a, [data-title]')]
                .map(e => [e.textContent, e.getAttribute('aria-label'), e.dataset.title].join(' '))
                .filter(t => /\bshare\b|cloud|chart studio/i.test(t))"""
        )
        assert found == [], path
        configs = page.evaluate(
            """() => [...document.querySelectorAll('[data-figure]')].map(f => [
                f._context.showSendToCloud, f._context.plotlyServerURL,
                f.querySelectorAll('.modebar-btn').length])"""
        )
        assert configs and all(c == [False, "", 0] for c in configs), (path, configs)
    assert page.errors == []


def test_each_chart_has_its_downloads_and_link_outside_the_image(page, live_server, demo):
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    _all_drawn(page)
    tools = page.evaluate(
        """() => [...document.querySelectorAll('[data-figure]')].map(f => {
            const next = f.nextElementSibling;
            const described = document.getElementById(f.getAttribute('aria-describedby'));
            return {
                buttons: next && next.matches('.chart-tools[role=group]')
                    ? [...next.querySelectorAll('button')].map(b => b.textContent) : null,
                inside: f.querySelectorAll('button, a[href], input, [tabindex]').length,
                summary: described ? described.textContent : '',
            };
        })"""
    )
    assert len(tools) == 3
    for chart in tools:
        assert chart["buttons"] == ["PNG", "SVG", "Data (CSV)", "Copy link"]
        assert chart["inside"] == 0  # nothing to focus inside an element named as an image
    assert "alignment index:" in tools[0]["summary"] and "from 20" in tools[0]["summary"]


def _figure(page, name):
    """The figure as the server sent it, decoded: {trace name: (x, y)}."""
    figures = page.evaluate(
        "url => fetch(url).then(r => r.json())",
        page.locator(f"[data-figure={name}]").get_attribute("data-figure-url"),
    )
    traces = {}
    for trace in figures[name]["data"]:
        y = trace["y"]
        if isinstance(y, dict):
            y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
        traces[trace.get("meta", {}).get("label", trace["name"])] = (trace["x"], y)
    return traces


def _download(page, chart, button):
    with page.expect_download() as found:
        page.locator(f"[data-figure={chart}] + .chart-tools").get_by_role(
            "button", name=button, exact=True
        ).click()
    download = found.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_a_chart_downloads_its_own_data_as_csv_and_itself_as_png_and_svg(page, live_server, demo):
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    name, body = _download(page, "figure-index", "Data (CSV)")
    assert name == "entente-russia-iran-index.csv"
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    drawn = {}
    for row in rows:
        series = drawn.setdefault(row["series"], ([], []))
        series[0].append(row["x"])
        series[1].append(float(row["y"]))
    sent = _figure(page, "figure-index")
    assert set(drawn) == set(sent)  # the index, both edges of its range, the key events
    for series, (x, y) in sent.items():
        assert drawn[series][0] == x
        assert drawn[series][1] == pytest.approx(y)
    assert len(drawn["alignment index"][0]) > 100
    key_events = [row for row in rows if row["series"] == "key evidence"]
    assert key_events and all(row["text"] and "<br>" not in row["text"] for row in key_events)

    name, body = _download(page, "figure-odds", "PNG")
    assert name == "entente-russia-iran-odds.png" and body.startswith(b"\x89PNG\r\n")
    name, body = _download(page, "figure-categories", "SVG")
    assert name == "entente-russia-iran-categories.svg" and b"<svg" in body[:200]
    assert page.errors == []


def test_copy_link_copies_the_view_with_its_filters(browser, live_server, demo):
    context, page = _context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + OVERVIEW + "?category=military-transfers#ignored")
    charts_drawn(page, 3)
    tools = page.locator("[data-figure=figure-odds] + .chart-tools")
    tools.get_by_role("button", name="Copy link").click()
    wait_until(
        page,
        "() => document.querySelector('[data-figure=figure-odds] + .chart-tools [role=status]')"
        ".textContent === 'Link copied.'",
        "the toolbar says the link was copied",
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url.split("#")[0] and "category=military-transfers" in copied
    context.close()


# Each chart's paper colour, as its luminance from 0 (black) to 1 (white).
PAPERS = """[...document.querySelectorAll('[data-figure]')].map(f => {
    const [r, g, b] = f._fullLayout.paper_bgcolor.match(/\\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
})"""


def test_a_dark_page_draws_dark_charts_and_follows_a_change(browser, live_server, demo):
    context, page = _context(browser, color_scheme="dark")
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    _all_drawn(page)
    papers = page.evaluate(f"() => {PAPERS}")
    assert len(papers) == 3 and all(v < 0.2 for v in papers), papers
    ink = page.evaluate(
        "document.querySelector('[data-figure=figure-index]')._fullLayout.font.color"
    )
    assert sum(map(int, ink[ink.index("(") + 1 : -1].split(",")[:3])) > 3 * 180  # light text
    # The reader's system turns light: the charts are drawn again, light.
    page.emulate_media(color_scheme="light")
    wait_until(
        page,
        f"() => {PAPERS}.every(v => v > 0.9)",
        "every chart is drawn again on a light paper",
    )
    assert page.errors == []
    context.close()


def test_the_charts_fit_a_phone(browser, live_server, demo):
    context, page = _context(browser, viewport={"width": 390, "height": 844})
    for path in [*PAGES, "/methodology/"]:
        page.goto(live_server.url + path)
        _all_drawn(page)
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('[data-figure], .chart-tools')]
                .filter(e => e.offsetParent !== null)
                .map(e => [e.dataset.figure || e.className, e.getBoundingClientRect().right,
                           e.querySelector('.main-svg') ? e.querySelector('.main-svg')
                               .getBoundingClientRect().right : 0])
                .filter(([, right, svg]) => right > 390 || svg > 390)"""
        )
        assert overflow == [], path
        if path == OVERVIEW:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            grid = page.evaluate(
                "document.querySelector('[data-figure=figure-categories]')._fullLayout.grid"
            )
            assert (grid["columns"], grid["rows"]) == (2, 4)  # seven categories, two a row
    assert page.errors == []
    context.close()


def test_an_indicator_never_reported_says_so_instead_of_drawing_zero(page, live_server, demo):
    never = Indicator.objects.filter(relationship=demo, observations__isnull=True).first()
    assert never is not None, "the demo has an indicator with no report"
    page.goto(live_server.url + f"/indicators/{never.slug}/")
    page.get_by_text("No evidence yet").wait_for()
    assert page.locator("[data-figure]").count() == 0
    facts = json.dumps(page.locator(".facts").inner_text())
    assert "no evidence" in facts and "0.00" not in facts
