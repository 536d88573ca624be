"""The API's interactive docs (/api/docs): Swagger UI from installed packages, under the CSP."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

DOCS = "/api/docs"
STATIC = "/static/"


@pytest.fixture
def page(client, settings):
    settings.DASHBOARD_PUBLIC = True
    response = client.get(DOCS)
    assert response.status_code == 200
    return response


def test_the_docs_load_swagger_ui_from_this_site_only(page):
    html = page.content.decode()
    addresses = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    assets = [a for a in addresses if a.startswith(STATIC)]
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(assets)
    assert [a for a in addresses if not a.startswith("/") or a.startswith("//")] == []
    for asset in assets:  # each is a file of an installed package or of this project
        assert finders.find(asset.removeprefix(STATIC)), asset


def test_every_script_of_the_docs_is_a_file_of_this_site_or_data(page):
    policy = [part.strip() for part in page["Content-Security-Policy"].split(";")]
    assert "script-src 'self'" in policy
    scripts = re.findall(r"<script\b[^>]*>", page.content.decode())
    assert len(scripts) == 3
    for tag in scripts:
        assert f'src="{STATIC}' in tag or 'type="application/json"' in tag, tag


def test_the_docs_read_this_apis_schema_without_deep_links(page):
    found = re.search(
        r'<script id="swagger-settings" type="application/json">(.*?)</script>',
        page.content.decode(),
        re.S,
    )
    settings = json.loads(found[1])
    assert settings["url"] == "/api/openapi.json"
    assert (
        settings["deepLinking"] is False
    )  # its links sit inside buttons (axe: nested-interactive)
    assert settings["validatorUrl"] is None  # no badge fetched from validator.swagger.io


def test_on_a_private_dashboard_the_docs_ask_for_a_login(settings):
    settings.DASHBOARD_PUBLIC = False
    response = Client().get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs")


def test_a_reader_sees_the_docs_on_a_private_dashboard(reader_client, settings):
    settings.DASHBOARD_PUBLIC = False
    assert reader_client.get(DOCS).status_code == 200
