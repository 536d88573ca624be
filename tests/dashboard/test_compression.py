"""Pages and API answers travel gzipped (GZipMiddleware); static files are precompressed by
whitenoise (tests/integration/test_image_commands.py checks them through gunicorn)."""

import gzip
import re

import pytest
from django.urls import reverse

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def unmasked(html: bytes) -> bytes:
    """The page without what is new in every response: its CSRF token's mask, the scripts'
    CSP nonce."""
    return re.sub(rb'("X-CSRFToken": |nonce=)"[^"]+"', b"", html)


@pytest.mark.parametrize("name", ["overview", "index"])
def test_a_page_and_the_api_are_gzipped_for_a_client_that_accepts_it(client, small, name):
    relationship, _ = small
    url = (
        reverse("dashboard:relationship", args=[relationship.slug])
        if name == "overview"
        else f"/api/relationships/{relationship.slug}/index"
    )
    plain = client.get(url)
    zipped = client.get(url, **GZIP)
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert unmasked(gzip.decompress(zipped.content)) == unmasked(plain.content)
    assert len(zipped.content) < len(plain.content) / 3
