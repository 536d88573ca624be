"""The error pages: 403 and 404 in the site's frame with a way on, 500 styled and standalone."""

import pytest
from django.template.loader import get_template
from django.test import Client

from tests.dashboard.conftest import build

pytestmark = pytest.mark.django_db

STYLESHEET = "/static/dashboard/app.css"


def test_a_reader_refused_the_triage_queue_gets_the_sites_403_page(reader_client):
    response = reader_client.get("/triage/")
    page = response.content.decode()
    assert response.status_code == 403
    assert STYLESHEET in page and '<header class="masthead">' in page  # the site's frame
    assert "You cannot use this page" in page
    assert "logged in as rea" in page  # says who is refused, and why
    assert 'href="/accounts/login/?next=/triage/"' in page  # a way to log in as someone else
    assert 'href="/">Back to the overview</a>' in page


def test_an_unknown_address_gets_the_sites_404_page_naming_it(client, settings):
    settings.DASHBOARD_PUBLIC = True
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert STYLESHEET in page and '<header class="masthead">' in page
    assert "Page not found" in page
    assert "<code>/no/such/page/</code>" in page
    assert 'href="/">the overview</a>' in page


def test_an_unknown_relationship_gets_the_404_page_too(client, settings):
    settings.DASHBOARD_PUBLIC = True
    build(1)
    response = client.get("/r/no-such-relationship/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_server_error_gets_the_styled_500_page(monkeypatch, settings):
    settings.DEBUG = False
    settings.DASHBOARD_PUBLIC = True
    from dashboard import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "overview_context", broken)
    relationship, _ = build(1)
    response = Client(raise_request_exception=False).get(f"/r/{relationship.slug}/")
    page = response.content.decode()
    assert response.status_code == 500
    assert STYLESHEET in page and '<header class="masthead">' in page
    assert "Something went wrong" in page
    assert 'href="/">the overview</a>' in page
    assert "<script" not in page  # nothing that could fail again in the browser


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    """As Django renders it: an empty context, so nothing from the request or a query."""
    with django_assert_num_queries(0):
        page = get_template("500.html").render()  # as django.views.defaults.server_error
    assert "Something went wrong" in page and STYLESHEET in page
