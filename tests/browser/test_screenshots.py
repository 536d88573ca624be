"""The README's pictures: the overview, an indicator page and triage, at desktop and phone
width. Each is checked as it is taken (drawn, fitting its width, no console error);
`make screenshots` (UPDATE_SCREENSHOT=1) also writes them to docs/screens/."""

import io
import os

import pytest
from django.core.management import call_command

from tests.browser.support import OVERVIEW, ROOT, charts_drawn, log_in, settled

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
SHOTS = ROOT / "docs" / "screens"


def shoot(page, name, size):
    """The page fits its width (nothing scrolls sideways) and is saved when asked."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name} at {size} px is wider than the screen"
    )
    assert page.errors == [], page.errors
    if os.environ.get("UPDATE_SCREENSHOT"):
        settled(page)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}-{size}.png", full_page=False)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_readme_screenshots(page, live_server, demo, analyst, width):
    call_command(
        "ingest", "Demo feed", file=ROOT / "fixtures" / "demo_feed.xml", stdout=io.StringIO()
    )
    x, y = WIDTHS[width]
    page.set_viewport_size({"width": x, "height": y})
    page.goto(live_server.url + OVERVIEW)
    charts_drawn(page, 3)
    shoot(page, "overview", width)
    log_in(page, live_server, analyst)
    page.goto(live_server.url + "/indicators/drone-transfers/")
    charts_drawn(page, 1)
    shoot(page, "indicator", width)
    page.goto(live_server.url + "/triage/")
    page.locator("table.triage").wait_for()
    shoot(page, "triage", width)
