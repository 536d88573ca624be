"""Pages and API answers travel compressed with the best encoding the client takes
(django-http-compression); static files are precompressed by whitenoise
(tests/integration/test_image_commands.py checks them through gunicorn)."""

import gzip
import re

import brotli
import pytest
from backports import zstd
from django.urls import reverse


@pytest.fixture(autouse=True)
def public(settings):
    settings.DASHBOARD_PUBLIC = True


def unmasked(html: bytes) -> bytes:
    """The page without what is new in every response: its CSRF tokens' masks."""
    return re.sub(rb'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]+"', b"", html)


DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}
BROWSERS = [  # what a client sends, and what it gets
    ("gzip, deflate", "gzip"),
    ("gzip, deflate, br", "br"),
    ("gzip, deflate, br, zstd", "zstd"),
]


@pytest.mark.parametrize(("accepts", "encoding"), BROWSERS)
@pytest.mark.parametrize("name", ["overview", "signed-in overview", "index"])
def test_a_page_and_the_api_come_compressed_as_the_client_takes_them(
    client, reader, small, name, accepts, encoding
):
    relationship, _ = small
    url = (
        f"/api/relationships/{relationship.slug}/index?shape=columns"
        if name == "index"
        else reverse("dashboard:relationship", args=[relationship.slug])
    )
    if name == "signed-in overview":
        client.force_login(reader)
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING=accepts)
    assert "Content-Encoding" not in plain
    assert "accept-encoding" in packed["Vary"].lower()
    if name != "signed-in overview":  # the same for every reader: gzipped once, whatever
        encoding = "gzip"  # else the client takes (a signed-in page is compressed each time)
    assert packed["Content-Encoding"] == encoding
    assert unmasked(DECODERS[encoding](packed.content)) == unmasked(plain.content)
    assert len(packed.content) < len(plain.content) / 3
