"""The API's interactive docs in headless Chromium: Swagger UI runs under the page's CSP,
from this site's files only, and its "Try it out" asks the API."""

from urllib.parse import urlparse

import pytest

from tests.browser.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

ASSETS = {
    "/static/ninja/swagger-ui-bundle.js",
    "/static/ninja/swagger-ui-init.js",
    "/static/ninja/swagger-ui.css",
    "/static/dashboard/api_docs.css",
}


def test_the_docs_list_every_operation_and_try_one_under_the_csp(page, live_server, demo):
    responses = []
    page.on("response", lambda response: responses.append(response))
    schema = page.request.get(live_server.url + "/api/openapi.json").json()
    operations = sum(len(methods) for methods in schema["paths"].values())
    page.goto(live_server.url + "/api/docs")
    wait_until(
        page,
        "n => document.querySelectorAll('#swagger-ui .opblock').length === n",
        f"Swagger UI lists the schema's {operations} operations",
        arg=operations,
    )
    static = {urlparse(r.url).path: r.status for r in responses if "/static/" in r.url}
    assert {path: static.get(path) for path in ASSETS} == dict.fromkeys(ASSETS, 200)

    relationships = page.locator("#operations-default-dashboard_api_relationships")
    relationships.locator(".opblock-summary-control").click()
    relationships.get_by_role("button", name="Try it out").click()
    relationships.get_by_role("button", name="Execute").click()
    wait_until(
        page,
        """() => [...document.querySelectorAll(
                '#operations-default-dashboard_api_relationships .live-responses-table'
                + ' .response-col_status')].some(cell => cell.textContent.trim() === '200')""",
        "the tried request answers 200",
    )
    assert "russia-iran" in relationships.locator(".live-responses-table").inner_text()
    assert page.errors == []  # a script or style the CSP refused is a console error
    assert page.foreign == []
