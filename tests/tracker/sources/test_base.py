"""The shared interface: the registry, and the helpers that keep fields storable."""

import pytest

from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import (
    MAX_EXTERNAL_ID,
    MAX_URL,
    Adapter,
    FetchError,
    IngestError,
    ParseError,
    TooLarge,
    clip,
    safe_url,
    stable_id,
)


def test_registry_names_match_the_source_adapter_choices():
    assert set(ADAPTERS) == {"rss", "gdelt", "ofac_sdn", "ofac_cons", "un_sc"}
    for name, adapter in ADAPTERS.items():
        assert isinstance(adapter, Adapter)
        assert adapter.name == name


def test_error_hierarchy_tells_retryable_from_final():
    assert issubclass(TooLarge, ParseError)
    assert issubclass(ParseError, IngestError)
    assert issubclass(FetchError, IngestError)
    assert not issubclass(ParseError, FetchError)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("Russia and Iran sign a treaty", 20, "Russia and Iran…"),
        ("x" * 30, 10, "x" * 9 + "…"),  # one long word is cut hard
    ],
)
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected
    assert len(clip(text, limit)) <= limit


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.org/a?b=1", "https://news.example.org/a?b=1"),
        ("  http://news.example.org/a  ", "http://news.example.org/a"),
        ("javascript:alert(1)", ""),
        ("data:text/html,<script>x</script>", ""),
        ("file:///etc/passwd", ""),
        ("/relative/path", ""),
        ("https://", ""),
        ("https://exa mple.org/", ""),
        ("https://example.org/" + "a" * MAX_URL, ""),
        ("http://[::1", ""),  # unparseable
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_stable_id_hashes_only_what_is_too_long():
    assert stable_id("guid-1") == "guid-1"
    long = "g" * (MAX_EXTERNAL_ID + 1)
    assert stable_id(long) == stable_id(long)
    assert stable_id(long).startswith("sha256:")
    assert len(stable_id(long)) <= MAX_EXTERNAL_ID
