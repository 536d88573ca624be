"""What every browser test shares: headless Chromium (Playwright), a page that records
console errors and foreign requests, the demo, and waits that name what did not happen.

Skipped with the reason when Chromium is missing; under CI=true a skip fails.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from tests.browser.support import ARGS, CHROMIUM, WAIT_MS
from tracker.models import Relationship


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls
    # (fixtures, assertions) are not async code, so Django may allow them here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(settings):
    settings.DASHBOARD_PUBLIC = True
    call_command("loaddemo", users=False, stdout=io.StringIO())
    return Relationship.objects.get(slug="russia-iran")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)  # Playwright's own waits (clicks, selectors) too
    page = context.new_page()
    page.errors = []
    page.foreign = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on(
        "response",
        lambda r: page.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "request",
        lambda r: page.foreign.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    yield page
    context.close()
