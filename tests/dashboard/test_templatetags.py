"""Template helpers: a mapping's item, and a pager link that keeps the view."""

from django.template import Context, Template
from django.test import RequestFactory

from dashboard.templatetags.dashboard import get_item


def test_get_item_reads_a_mapping_or_gives_none():
    assert get_item({"c": 0.7}, "c") == 0.7
    assert get_item({"c": 0.7}, "a") is None
    assert get_item(None, "c") is None


def test_a_page_link_keeps_every_other_parameter():
    request = RequestFactory().get("/indicators/su35-deal/", {"period": "1y", "page": "2"})
    html = Template("{% load dashboard %}{% page_url 3 %}").render(Context({"request": request}))
    assert html == "?period=1y&amp;page=3"
