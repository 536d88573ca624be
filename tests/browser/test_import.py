"""The observation import in real headless Chromium: an analyst uploads a file through the
admin and reads what the check found, every row, at desktop and phone width."""

import re

import pytest

from tests.browser.support import log_in, wait_for_url
from tests.factories import IndicatorFactory, SourceFactory
from tracker.models import Observation

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

TWO_ROWS = "\n".join(
    [
        "indicator,occurred_on,magnitude,summary,source,reliability,credibility",
        "drone-transfers,2025-11-20,3,Shahed parts delivered,TASS,,2",
        "drone-transfers,20/11/2025,3,Shahed parts delivered again,TASS,Z,2",
    ]
).encode()

# Every problem on the page: shown (not hidden until hovered) and inside the window, and the
# table needs no scrolling sideways to reach one.
ALL_SHOWN = """() => {
    const problems = [...document.querySelectorAll('#import-rows .problem')];
    const table = document.querySelector('.import-rows-scroll');
    return problems.length > 0 && table.scrollWidth <= table.clientWidth && problems.every(p => {
        const box = p.getBoundingClientRect();
        return getComputedStyle(p).visibility === 'visible' && box.width > 0 &&
            box.left >= 0 && box.right <= window.innerWidth;
    });
}"""


def test_an_analyst_sees_both_rows_of_a_file_and_each_error_beside_its_cell(
    page, live_server, analyst
):
    IndicatorFactory(slug="drone-transfers")
    SourceFactory(name="TASS", default_reliability="C")
    log_in(page, live_server, analyst)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/admin/tracker/observation/import/")
        page.set_input_files(
            "#id_file", files=[{"name": "two.csv", "mimeType": "text/csv", "buffer": TWO_ROWS}]
        )
        page.click("input[value='Check the file']")
        wait_for_url(page, re.compile(r"/import/\d+/$"), "the upload leads to its import's page")
        status = page.locator("#import-status")
        assert "1 of 2 rows is bad: row 2" in status.inner_text()
        good, bad = page.locator("#import-row-1"), page.locator("#import-row-2")
        assert good.is_visible() and bad.is_visible()
        assert "Valid: new" in good.inner_text()
        assert "Shahed parts delivered" in good.inner_text()
        date = bad.locator("td[data-column=occurred_on] .problem")
        assert "write it as YYYY-MM-DD, here 2025-11-20" in date.inner_text()
        reliability = bad.locator("td[data-column=reliability] .problem")
        assert "Value 'Z' is not a valid choice; valid: A, B, C, D, E, F." in (
            reliability.inner_text()
        )
        assert page.evaluate(ALL_SHOWN), f"an error is hidden or off the page at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("input[value^='Import']").count() == 0  # nothing to confirm
    assert not Observation.objects.exists()
    assert page.errors == [] and page.foreign == []
