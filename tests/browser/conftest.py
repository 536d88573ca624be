"""What every browser test shares: headless Chromium (Playwright), a page that records
console errors and foreign requests, the demo, and waits that name what did not happen.

Skipped with the reason when Chromium is missing; under CI=true a skip fails.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
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
    """The demo as `loaddemo` leaves it: loaded once by each test process, then put back
    table by table for each test that asks (a browser test's data is flushed after it, and
    loading the demo anew took 5 to 8 s a test). The command's own tests load it each time."""
    settings.DASHBOARD_PUBLIC = True
    name = connection.settings_dict["NAME"]
    if name in DEMO_TABLES:
        _copy_in(DEMO_TABLES[name])
    else:
        call_command("loaddemo", users=False, stdout=io.StringIO())
        DEMO_TABLES[name] = _copy_out()
    return Relationship.objects.get(slug="russia-iran")


DEMO_TABLES: dict[str, dict[str, object]] = {}  # by test database: each table's rows


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _copy_out() -> dict[str, object]:
    """Every table's rows as the database gives them: COPY's text on PostgreSQL (exact for
    every type), the stored values on SQLite (only plain values there)."""
    tables: dict[str, object] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                    tables[table] = b"".join(bytes(chunk) for chunk in copy)
            else:
                cursor.execute(f"SELECT * FROM {quoted}")
                tables[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    return tables


def _copy_in(tables: dict[str, object]) -> None:
    """Replace every table's rows with these, in one transaction (the foreign keys Django
    makes are checked at its end), and move the id sequences past them."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for table, rows in tables.items():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quoted} FROM STDIN") as copy:
                    copy.write(rows)
                continue
            columns, values = rows
            if values:
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", values)
        models = apps.get_models(include_auto_created=True)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    ContentType.objects.clear_cache()  # the flush's post_migrate made new ones meanwhile


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
