"""Triage in real headless Chromium: an analyst accepts a demo feed's item with htmx (the
outlet it credits pre-filled, only its indicator's measure asked for), sees the counts
change, undoes it; the queue and the form fit a phone."""

import io

import pytest
from django.core.management import call_command

from tests.browser.support import ROOT, log_in, wait_until
from tracker.models import Indicator, Observation, Signal

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

HEADLINE = "US confirms Russia received ballistic missiles from Iran"


@pytest.fixture
def queue(demo):
    call_command(
        "ingest", "Demo feed", file=ROOT / "fixtures" / "demo_feed.xml", stdout=io.StringIO()
    )
    return Signal.objects.get(title=HEADLINE)


def wait_for_counts(page, new, accepted):
    wait_until(
        page,
        """([n, a]) => {
            const count = s => document.querySelector(`#triage-counts [data-state=${s}] .count`);
            return count('new') && count('new').textContent === String(n)
                && count('accepted').textContent === String(a);
        }""",
        f"the counts read {new} new and {accepted} accepted",
        arg=[new, accepted],
    )


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def within_width(page, locator):
    """Whether `locator` is on screen across: not behind a table's own sideways scroll."""
    box = locator.bounding_box()
    return (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    )


def test_an_analyst_accepts_an_item_sees_the_counts_and_undoes_it(
    page, live_server, queue, analyst
):
    signal = queue
    new = Signal.objects.filter(state="new").count()
    log_in(page, live_server, analyst)
    page.goto(live_server.url + "/triage/")
    wait_for_counts(page, new, 0)
    assert page.locator("header.masthead nav a", has_text="Overview").count() == 1
    row = f"#signal-{signal.pk}"

    page.locator(row).get_by_role("link", name="Accept…").click()
    form = f"#accept-{signal.pk}"
    page.locator(form).wait_for()
    # The outlet the item credits, not the feed that found it; the headline is no quote.
    assert page.locator(f"{form} select[name=source] option:checked").inner_text() == "Al-Monitor"
    assert page.locator(f"{form} textarea[name=quote]").input_value() == ""
    # An event indicator: its magnitude, and neither a value nor a stage.
    chosen = page.locator(f"{form} select[name=indicator] option:checked").inner_text()
    assert chosen == "Iranian missiles for Russia"
    assert page.locator(f"{form} [name=magnitude]").is_visible()
    assert page.locator(f"{form} [name=value], {form} [name=stage]").count() == 0

    # Another indicator, a stage: htmx shows its own ladder in place of the magnitude.
    ladder = Indicator.objects.get(slug="treaty-ladder")
    page.select_option(f"{form} select[name=indicator]", str(ladder.pk))
    page.locator(f"{form} select[name=stage]").wait_for()
    stages = page.locator(f"{form} select[name=stage] option").count()
    assert stages == ladder.stages.count() + 1  # and the empty choice
    assert page.locator(f"{form} [name=magnitude]").count() == 0
    page.select_option(f"{form} select[name=indicator]", label="Iranian missiles for Russia")
    page.locator(f"{form} [name=magnitude]").wait_for()

    page.set_viewport_size({"width": 390, "height": 800})
    assert fits(page), "the open accept form makes the page scroll sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(form).get_by_role("button", name="Record the observation").click()
    wait_for_counts(page, new - 1, 1)
    assert "Accepted by" in page.locator(row).inner_text()
    observation = Signal.objects.get(pk=signal.pk).observation
    assert observation.source.name == "Al-Monitor" and observation.magnitude == 2.0

    page.set_viewport_size({"width": 390, "height": 800})
    assert fits(page), "the queue makes the page scroll sideways at 390 px"
    assert within_width(page, page.locator(row).get_by_role("button", name="Undo"))
    page.locator(f"{row} input[name=reason]").fill("Recorded on the wrong day")
    page.locator(row).get_by_role("button", name="Undo").click()
    wait_for_counts(page, new, 0)
    page.locator(row).get_by_role("link", name="Accept…").wait_for()
    assert within_width(page, page.locator(row).get_by_role("link", name="Accept…"))
    assert Signal.objects.get(pk=signal.pk).state == "new"
    observation.refresh_from_db()
    assert observation.status == Observation.Status.RETRACTED
    assert fits(page)
    assert page.errors == [] and page.foreign == []


def test_without_javascript_the_accept_page_is_whole_and_fits_a_phone(
    browser, live_server, queue, analyst
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        log_in(page, live_server, analyst)
        page.goto(live_server.url + "/triage/")
        page.locator(f"#signal-{queue.pk}").get_by_role("link", name="Accept…").click()
        page.locator("h1", has_text="Accept a signal").wait_for()
        page.wait_for_load_state("load")  # its stylesheet too
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # styled
        assert fits(page), "the accept page scrolls sideways at 390 px"
        page.get_by_role("button", name="Record the observation").click()
        page.locator("#messages", has_text="is recorded as an observation").wait_for()
        page.wait_for_load_state("load")
        assert page.url == live_server.url + "/triage/"
        assert Signal.objects.get(pk=queue.pk).state == "accepted"
        assert fits(page)
    finally:
        context.close()
