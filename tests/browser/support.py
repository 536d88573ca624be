"""Helpers the browser tests share: where Chromium is, and waits that say what did not
happen instead of sleeping."""

import os
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
OVERVIEW = "/r/russia-iran/"  # the home page compares the relationships; this is one's own

WAIT_MS = 60_000  # the bound on any one wait; a busy machine takes time, a broken page forever


def wait_until(page, script, message, arg=None):
    """Wait until `script` (a JS function of `arg`) is true in the page, or fail saying what
    did not happen."""
    try:
        page.wait_for_function(script, arg=arg, timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"timed out after {WAIT_MS / 1000:g} s waiting until {message} (at {page.url})"
        ) from None


def wait_for_url(page, url, message):
    try:
        page.wait_for_url(url, timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"timed out after {WAIT_MS / 1000:g} s waiting until {message}; at {page.url}"
        ) from None


def charts_drawn(page, count):
    wait_until(
        page,
        "n => document.querySelectorAll('[data-figure] .main-svg').length >= n",
        f"{count} chart(s) are drawn",
        arg=count,
    )


def chart_title(page):
    return page.locator("#content .panel h2").first.inner_text()


def wait_for_title(page, *, containing="", not_containing=""):
    wait_until(
        page,
        """([yes, no]) => {
            const title = document.querySelector('#content .panel h2');
            return title && title.innerText.includes(yes) && !(no && title.innerText.includes(no));
        }""",
        f"the first chart's title contains {containing!r}"
        + (f" and not {not_containing!r}" if not_containing else ""),
        arg=[containing, not_containing],
    )


def log_in(page, live_server, user):
    """Log in through the form and wait for the redirect home: a goto before it lands
    would cancel the login."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    wait_for_url(page, live_server.url + "/", f"{user.username} is logged in and sent home")


def settled(page):
    """Fonts loaded and two frames painted: what a screenshot needs, awaited, not slept."""
    page.evaluate(
        """async () => {
            await document.fonts.ready;
            await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
        }"""
    )


def log_in_by_session(context, live_server, user):
    """Give the browser `user`'s session cookie, as the test client's force_login makes it:
    no login form, so no failed-login counting and no redirect to wait for."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
