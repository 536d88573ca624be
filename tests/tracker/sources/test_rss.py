"""RSS and Atom: entries become signals; hostile or broken feeds are refused whole."""

import codecs
import datetime
import socket
import tracemalloc

import pytest

from tests.tracker.sources import DATA, samples
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import MAX_EXCERPT, Adapter, ParseError
from tracker.sources.rss import RssAdapter, _declared, _marked, parse_feed

UTC = datetime.UTC


def read(body: bytes, **kwargs):
    """The signals of a feed that must have been read without a warning."""
    parsed = parse_feed(body, **kwargs)
    assert parsed.warnings == ()
    return parsed.signals


def by_id(signals):
    return {signal.external_id: signal for signal in signals}


def rss(items: str, *, declaration='<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{declaration}<rss version="2.0"><channel><title>T</title>'
        f"<link>https://x.example/</link><description>D</description>{items}</channel></rss>"
    ).encode()


def test_the_registry_holds_an_rss_adapter():
    assert isinstance(ADAPTERS["rss"], RssAdapter)
    assert isinstance(ADAPTERS["rss"], Adapter)
    assert ADAPTERS["rss"].name == "rss"


def test_rss_sample_gives_one_signal_per_distinct_entry():
    signals = read((DATA / "rss_sample.xml").read_bytes(), url="https://news.example.org/f")
    # Eight items, one repeating an earlier guid.
    assert len(signals) == 7
    shahed = by_id(signals)["edm-2024-0910-001"]
    assert shahed.title == "Iran ships new batch of Shahed-136 drones to Russia, officials say"
    assert shahed.url == "https://news.example.org/2024/09/10/shahed-shipment"
    # +0300 local time is 05:30 UTC.
    assert shahed.published_at == datetime.datetime(2024, 9, 10, 5, 30, tzinfo=UTC)
    assert shahed.suggested == ("drone-transfers",)
    assert shahed.proposal is None
    # HTML is stripped, the script's text is dropped, entities are decoded.
    assert shahed.excerpt.startswith("Two Western officials said Iran had sent several hundred")
    assert "<" not in shahed.excerpt
    assert "trackView" not in shahed.excerpt
    treasury = by_id(signals)["edm-2024-1114-002"]
    assert "UAV production & shipping" in treasury.excerpt
    assert treasury.suggested == ("drone-transfers", "sanctions-on-cooperation")


def test_rss_repeated_guid_keeps_the_first_copy():
    su35 = by_id(read((DATA / "rss_sample.xml").read_bytes()))["edm-2025-0120-004"]
    assert su35.title == "Tehran says first Su-35 fighter jets have arrived from Russia"
    assert su35.suggested == ("su35-deal",)


def test_rss_entry_without_guid_is_identified_by_its_link():
    signals = by_id(read((DATA / "rss_sample.xml").read_bytes()))
    caspian = signals["https://news.example.org/2024/07/22/caspian-sar"]
    assert caspian.suggested == ("caspian-drills",)
    assert signals["edm-2024-0915-009"].suggested == ()  # football


def test_atom_sample():
    url = "https://review.example.net/atom.xml"
    signals = by_id(read((DATA / "atom_sample.xml").read_bytes(), url=url))
    assert len(signals) == 6
    treaty = signals["tag:review.example.net,2025:treaty"]
    assert treaty.published_at == datetime.datetime(2025, 1, 17, 11, 20, tzinfo=UTC)
    assert treaty.excerpt == (
        "The 20-year treaty in Moscow contains no mutual defence clause, officials stressed."
    )
    assert treaty.suggested == ("commitment-limits", "high-level-contacts", "treaty-ladder")
    # No <published>: <updated> dates it. A relative link is resolved against the feed URL.
    rail = signals["tag:review.example.net,2024:rasht-astara"]
    assert rail.published_at == datetime.datetime(2024, 12, 5, 8, 0, tzinfo=UTC)
    assert rail.url == "https://review.example.net/2024/12/05/rasht-astara"
    # XHTML content stands in for a missing summary.
    oil = signals["tag:review.example.net,2024:oil"]
    assert oil.excerpt == "Traders in Shandong say Russian ESPO crude now undercuts Iranian Light."
    assert oil.suggested == ("energy-rivalry",)
    # A javascript: link never becomes a URL.
    assert signals["tag:review.example.net,2024:zangezur"].url == ""
    # No <id>: the link identifies the entry.
    assert "https://review.example.net/2024/11/05/kowsar" in signals


def test_relative_link_without_a_feed_url_is_dropped():
    signals = by_id(read((DATA / "atom_sample.xml").read_bytes()))
    assert signals["tag:review.example.net,2024:rasht-astara"].url == ""


def test_guid_is_not_rewritten_against_the_feed_url():
    body = rss("<item><title>A</title><guid>item-7</guid><link>/a</link></item>")
    (signal,) = read(body, url="https://x.example/feed")
    assert signal.external_id == "item-7"
    assert signal.url == "https://x.example/a"


def test_entry_without_id_or_link_gets_a_stable_hash():
    body = rss(
        "<item><title>Russia and Iran sign accord</title>"
        "<pubDate>Wed, 11 Sep 2024 10:00:00 GMT</pubDate></item>"
        "<item><title>Russia and Iran sign accord</title>"
        "<pubDate>Thu, 12 Sep 2024 10:00:00 GMT</pubDate></item>"
    )
    first, second = read(body)
    assert first.external_id.startswith("sha256:")
    assert first.external_id != second.external_id
    assert [s.external_id for s in read(body)] == [first.external_id, second.external_id]


def test_entry_without_date_or_title():
    (signal,) = read(rss("<item><guid>x</guid><description>Body</description></item>"))
    assert signal.published_at is None
    assert signal.title == "(untitled)"
    assert signal.excerpt == "Body"


def test_a_date_outside_the_accepted_range_is_no_date():
    far = read(
        rss(
            "<item><guid>x</guid><pubDate>Fri, 31 Dec 9999 10:00:00 GMT</pubDate></item>"
            "<item><guid>y</guid><pubDate>Mon, 01 Jan 1883 10:00:00 GMT</pubDate></item>"
            "<item><guid>z</guid><pubDate>Wed, 11 Sep 2024 10:00:00 GMT</pubDate></item>"
        )
    )
    assert [s.published_at for s in far] == [
        None,
        None,
        datetime.datetime(2024, 9, 11, 10, 0, tzinfo=UTC),
    ]


def test_excerpt_is_cut_to_500_characters_at_a_word():
    long = "Iran and Russia " * 100
    (signal,) = read(rss(f"<item><guid>x</guid><description>{long}</description></item>"))
    assert len(signal.excerpt) <= MAX_EXCERPT
    assert signal.excerpt.endswith("…")
    assert signal.excerpt[:-1].split()[-1] in {"Iran", "and", "Russia"}


def test_overlong_guid_is_hashed_to_fit():
    (signal,) = read(rss(f"<item><guid>{'g' * 400}</guid></item>"))
    assert signal.external_id.startswith("sha256:")
    assert len(signal.external_id) == len("sha256:") + 64


def test_feed_without_entries_is_an_empty_list():
    assert read(rss("")) == []


def test_correctly_declared_legacy_encoding_is_decoded():
    (signal,) = read((DATA / "windows1251.xml").read_bytes())
    assert signal.title == "Иран и Россия: поставки дронов"


def test_utf8_bytes_under_a_legacy_label_are_read_as_utf8_with_a_warning():
    # UTF-8 bytes labelled ISO-8859-1: they decode in ISO-8859-1 too, as mojibake, but
    # valid UTF-8 with non-ASCII in it is unambiguous, so the bytes win.
    parsed = parse_feed((DATA / "utf8_declared_latin1.xml").read_bytes())
    (signal,) = parsed.signals
    assert signal.title == "Téhéran et Moscou"
    assert parsed.warnings == (
        "The feed is labelled iso-8859-1 (as it declares) but its bytes are UTF-8: read as UTF-8",
    )


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (b'<?xml version="1.0" encoding="windows-1251"?><rss/>', "windows-1251"),
        (b"<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?><rss/>", "iso-8859-1"),
        (b'<?xml version="1.0"?><rss/>', "utf-8"),
        (b"<rss/>", "utf-8"),
        (b"\xef\xbb\xbf<rss/>", "utf-8-sig"),
        ("<rss/>".encode("utf-16"), "utf-16"),
        ("<?xml version='1.0'?><rss/>".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_the_encoding_a_feed_names_by_its_bytes_or_its_declaration(body, encoding):
    # Naming none, a feed is UTF-8 (decode_feed's default).
    assert (_marked(body) or _declared(body) or "utf-8") == encoding


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.xml", "empty"),
        ("malformed.xml", "not well-formed XML: mismatched tag: line 8"),
        ("billion_laughs.xml", "DTD"),
        ("xxe.xml", "XXE"),
        ("external_dtd.xml", "DTD"),
        ("latin1_declared_utf8.xml", "not valid utf-8"),
        ("not_a_feed.xml", "Not an RSS or Atom feed"),
    ],
)
def test_hostile_or_broken_feeds_are_refused_with_a_reason(name, message):
    with pytest.raises(ParseError, match=message):
        read((DATA / name).read_bytes())


def test_undecodable_byte_is_located():
    with pytest.raises(ParseError, match=r"byte 0xe9 on line 4"):
        read((DATA / "latin1_declared_utf8.xml").read_bytes())


def test_unknown_declared_encoding_is_refused():
    with pytest.raises(ParseError, match="unknown encoding: x-martian"):
        read(rss("", declaration='<?xml version="1.0" encoding="x-martian"?>'))


def test_whitespace_only_body_is_empty():
    with pytest.raises(ParseError, match="empty"):
        read(b" \n\t ")


def test_entity_bombs_are_refused_without_expanding():
    body = (DATA / "billion_laughs.xml").read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(ParseError):
            read(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Expanded, the ten levels would be 3 GB of "lol".
    assert peak < 5 * 2**20


def test_quadratic_blowup_is_refused():
    # Quadratic blowup: one big entity, referenced many times.
    entity = "x" * 10_000
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{entity}">]>'
        f'<rss version="2.0"><channel><title>{"&a;" * 1000}</title></channel></rss>'
    ).encode()
    with pytest.raises(ParseError, match="DTD"):
        read(body)


def test_external_references_are_never_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the parser tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for name in ("xxe.xml", "external_dtd.xml"):
        with pytest.raises(ParseError):
            read((DATA / name).read_bytes())


def test_committed_samples_are_what_make_samples_writes():
    for name, data in samples.feed_samples().items():
        assert (DATA / name).read_bytes() == data, f"{name} is stale: run make_samples.py"


# --- Feeds as they come: entities, damage, encodings -------------------------------------


def test_html_named_entities_are_read_as_the_characters_they_name():
    # The feed: refused whole before, read by every mainstream feed reader.
    (signal,) = read(
        rss(
            "<item><guid>n</guid><title>Iran&nbsp;and Russia sign drone deal &mdash; report"
            "</title><description>&lsquo;Shahed&rsquo; &amp; Geran&hellip; &eacute;</description>"
            "</item>"
        )
    )
    assert signal.title == "Iran and Russia sign drone deal — report"
    assert signal.excerpt == "‘Shahed’ & Geran… é"
    assert signal.suggested == ("drone-transfers",)


def test_entities_inside_cdata_are_left_to_the_html_they_belong_to():
    (signal,) = read(
        rss(
            "<item><guid>c</guid><description><![CDATA[<p>a&nbsp;b &amp;nbsp; c</p>]]>"
            "</description></item>"
        )  # fmt: skip
    )
    # In CDATA the text is HTML: its &nbsp; is a space, its &amp;nbsp; the text "&nbsp;".
    assert signal.excerpt == "a b &nbsp; c"


def test_a_bare_ampersand_is_text_and_noted():
    parsed = parse_feed(rss("<item><guid>a</guid><title>AT&T & Rostec</title></item>"))
    assert [signal.title for signal in parsed.signals] == ["AT&T & Rostec"]
    assert parsed.warnings == (
        "The feed has 2 bare ampersands (& not escaped as &amp;): read as text",
    )


def test_entities_never_open_a_door_to_a_dtd():
    # HTML's entities are substituted as text; a DTD is refused before anything expands,
    # even one that defines the very names substituted.
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'
        b'<rss version="2.0"><channel><item><title>a&nbsp;b</title></item></channel></rss>'
    )
    with pytest.raises(ParseError, match="DTD"):
        parse_feed(body)


ITEMS = "".join(
    f"<item><guid>g{n}</guid><title>Drone shipment {n}</title>"
    f"<link>https://news.example.org/{n}</link></item>"
    for n in range(1, 6)
)


def test_a_feed_cut_off_mid_download_keeps_its_complete_entries():
    whole = rss(ITEMS)
    cut = whole[: whole.index(b"<guid>g4") + 12]  # inside the fourth item
    parsed = parse_feed(cut)
    assert [signal.external_id for signal in parsed.signals] == ["g1", "g2", "g3"]
    (warning,) = parsed.warnings
    assert warning.startswith("The feed is damaged: ")
    assert "(it ends there: cut off?)" in warning
    assert "Read its 3 complete entries" in warning
    # The same feed read whole later: the ids are those of the first read, plus the rest.
    assert [signal.external_id for signal in read(whole)] == ["g1", "g2", "g3", "g4", "g5"]


def test_one_broken_entry_is_skipped_and_the_rest_read():
    broken = ITEMS.replace("Drone shipment 2", "Drone <b>shipment 2").replace(
        "Drone shipment 4", "Drone &madeup; shipment 4"
    )
    parsed = parse_feed(rss(broken))
    assert [signal.external_id for signal in parsed.signals] == ["g1", "g3", "g5"]
    (warning,) = parsed.warnings
    assert "mismatched tag: line 1" in warning and "undefined entity: line 1" in warning
    assert "(2 damaged places). Read its 3 complete entries" in warning


def test_damage_is_located_in_the_feed_as_published():
    body = (DATA / "rss_sample.xml").read_bytes()
    lines = body.split(b"\n")
    third = [number for number, line in enumerate(lines) if b"<item>" in line][2]
    cut = b"\n".join(lines[: third + 2])  # the third item's opening lines only
    parsed = parse_feed(cut)
    assert parsed.signals == read(body)[:2]
    assert f"line {third + 2}," in parsed.warnings[0]  # where the cut ends, 1-based


def test_an_atom_feed_cut_off_keeps_its_complete_entries():
    body = (DATA / "atom_sample.xml").read_bytes()
    whole = read(body)
    cut = body[: body.rindex(b"<entry")] + b"<entry><id>half"
    parsed = parse_feed(cut)
    assert [signal.external_id for signal in parsed.signals] == [
        signal.external_id for signal in whole[:-1]
    ]
    assert parsed.warnings


def test_damage_before_any_complete_entry_refuses_the_feed():
    with pytest.raises(ParseError, match="not well-formed XML: .*no entry in it is complete"):
        parse_feed(rss("<item><guid>ok-1</guid><title>Fine</title></item>")[:150])
    with pytest.raises(ParseError, match="not well-formed XML: mismatched tag: line 8"):
        parse_feed((DATA / "malformed.xml").read_bytes())


@pytest.mark.parametrize(
    ("body", "charset", "title", "warning"),
    [
        # The server's charset outranks the declaration.
        (rss("<item><title>Иран</title></item>", declaration='<?xml version="1.0" '
             'encoding="iso-8859-1"?>').decode().encode("windows-1251"), "windows-1251",
         "Иран", ""),
        # A byte order mark outranks the server.
        (codecs.BOM_UTF8 + rss("<item><title>Téhéran</title></item>"), "windows-1251",
         "Téhéran", ""),
        # UTF-8 bytes under a legacy label, from the server this time: the bytes win.
        (rss("<item><title>Téhéran</title></item>"), "iso-8859-1", "Téhéran",
         "The feed is labelled iso-8859-1 (as its server said) but its bytes are UTF-8: read "
         "as UTF-8"),
        # Bytes that are valid in the named legacy encoding and not UTF-8 are that encoding.
        (rss("<item><title>Téhéran</title></item>").decode().encode("latin-1"), "ISO-8859-1",
         "Téhéran", ""),
    ],
)  # fmt: skip
def test_the_encoding_is_what_outranks_the_rest(body, charset, title, warning):
    parsed = parse_feed(body, charset=charset)
    assert [signal.title for signal in parsed.signals] == [title]
    assert parsed.warnings == ((warning,) if warning else ())


def test_bytes_that_contradict_utf8_are_refused_naming_the_encoding():
    body = rss("<item><title>Иран</title></item>").decode().encode("windows-1251")
    with pytest.raises(ParseError, match=r"not valid utf-8 \(as its server said.*byte 0xc8"):
        parse_feed(body, charset="utf-8")
    with pytest.raises(ParseError, match=r"not valid utf-8 \(as it declares\): byte 0xc8"):
        parse_feed(body)
    with pytest.raises(ParseError, match=r"not valid utf-8 \(as it declares\): byte 0xc8"):
        parse_feed(body, charset="x-martian")  # an unknown charset from a server is no label


def test_a_server_charset_that_does_not_fit_yields_to_the_feeds_own_declaration():
    # nginx's `charset utf-8;` on a feed that is, and says it is, windows-1251.
    body = rss("<item><title>Иран</title></item>", declaration='<?xml version="1.0" '
               'encoding="windows-1251"?>').decode().encode("windows-1251")  # fmt: skip
    parsed = parse_feed(body, charset="utf-8")
    assert [signal.title for signal in parsed.signals] == ["Иран"]
    assert parsed.warnings == (
        "The server said utf-8 but the bytes are not; read as the feed declares, windows-1251",
    )
    unknown = parse_feed(rss("<item><title>Tehran</title></item>"), charset="utf8mb4")
    assert unknown.warnings == ("The server names an unknown charset (utf8mb4): ignored",)


def test_a_16_bit_label_on_8_bit_bytes_is_read_by_the_bytes():
    # .NET's StringWriter writes encoding="utf-16" whatever the bytes then are.
    body = rss("<item><title>Téhéran</title></item>", declaration='<?xml version="1.0" '
               'encoding="utf-16"?>')  # fmt: skip
    parsed = parse_feed(body)
    assert [signal.title for signal in parsed.signals] == ["Téhéran"]
    assert "labelled utf-16 (as it declares) but its bytes are UTF-8" in parsed.warnings[0]
    # A real UTF-16 feed, with its byte order mark, is read as UTF-16.
    wide = parse_feed(codecs.BOM_UTF16_LE + body.decode().encode("utf-16-le"))
    assert [signal.title for signal in wide.signals] == ["Téhéran"]


# --- From review: what hostile or odd input must not do to the salvage -----------------

HEAD = b'<rss version="2.0"><channel><title>t</title>'
TAIL = b"</channel></rss>"


def item(n, extra=b""):
    return b"<item><guid>g%d</guid><title>t%d</title>%s</item>" % (n, n, extra)


def ids(parsed):
    return [signal.external_id for signal in parsed.signals]


class Counting:
    """A compiled pattern that counts its searches."""

    def __init__(self, pattern):
        self.pattern, self.searches = pattern, 0

    def search(self, *args):
        self.searches += 1
        return self.pattern.search(*args)


def test_an_unterminated_cdata_or_comment_costs_one_scan_not_one_per_opener(monkeypatch):
    from tracker.sources import rss

    for opener in (b"<![CDATA[", b"<!--"):
        counting = Counting(rss._OPENERS)
        monkeypatch.setattr(rss, "_OPENERS", counting)
        with pytest.raises(ParseError):
            parse_feed(HEAD + opener * 40_000)
        assert counting.searches <= 3
        monkeypatch.undo()


def test_a_feed_of_broken_entries_is_read_past_a_bounded_number_of_times(monkeypatch):
    from tracker.sources import rss

    runs = []
    original = rss._Scan.run
    monkeypatch.setattr(rss._Scan, "run", lambda self: runs.append(1) or original(self))
    body = HEAD + item(0) + b"".join(item(n, b"<b>") for n in range(1, 5000)) + TAIL
    parsed = parse_feed(body)
    assert ids(parsed) == ["g0"]
    assert "over 10 damaged places: the rest was not read" in parsed.warnings[0]
    assert len(runs) <= rss.MAX_DAMAGE + 3


def test_empty_entries_are_read_in_a_whole_feed_and_in_a_damaged_one():
    whole = parse_feed(HEAD + b"<item/>\n" + item(2) + TAIL)
    assert whole.warnings == () and len(whole.signals) == 2
    damaged = parse_feed(HEAD + item(1) + b"<item/>" + item(2, b"<b>") + item(3) + TAIL)
    assert ids(damaged)[0] == "g1" and ids(damaged)[-1] == "g3" and len(damaged.signals) == 3


def test_entry_text_in_cdata_or_a_comment_is_never_read_as_an_entry():
    forged = (b"<![CDATA[<item><guid>evil</guid><title>FORGED</title></item>]]>",
              b"<!-- <item><guid>evil</guid><title>FORGED</title></item> -->")  # fmt: skip
    for text in forged:
        body = HEAD + item(1) + b"<item><guid>g2</guid><title>x &bogus; y</title>"
        body += b"<description>" + text + b"</description></item>" + item(3) + TAIL
        assert ids(parse_feed(body)) == ["g1", "g3"]


def test_entries_after_an_unclosed_one_are_kept():
    body = HEAD + item(1) + b"<item><guid>g2</guid><title>t2</title>"
    assert ids(parse_feed(body + item(3) + item(4) + TAIL)) == ["g1", "g3", "g4"]
    first = HEAD + b"<item><guid>g0</guid><title>t0</title>" + item(1) + item(2) + TAIL
    assert ids(parse_feed(first)) == ["g1", "g2"]


def test_a_utf8_feed_cut_in_the_middle_of_a_character_keeps_its_complete_entries():
    body = HEAD + item(1, "<description>Иран</description>".encode()) + item(2)
    cut = body + "<item><title>Россия".encode()[:-1]  # half of the last letter
    parsed = parse_feed(cut)
    assert ids(parsed) == ["g1", "g2"] and "cut off?" in parsed.warnings[0]


def test_a_dtd_or_entity_declaration_anywhere_refuses_a_damaged_feed():
    bomb = (DATA / "billion_laughs.xml").read_bytes()
    for hostile in (bomb, b'<!ENTITY lol "lol">'):
        with pytest.raises(ParseError, match="DTD"):
            parse_feed(HEAD + item(1) + hostile + item(2) + TAIL)
    # As text of a CDATA section it is no declaration.
    quoted = b"<description><![CDATA[<!DOCTYPE html>]]></description>"
    assert ids(parse_feed(HEAD + item(1, quoted) + item(2, b"<b>") + TAIL)) == ["g1"]


def test_an_ampersand_in_a_processing_instruction_is_not_a_fault():
    body = b'<?xml version="1.0"?><?xml-stylesheet href="/f.xsl?a=1&b=2"?>' + HEAD + item(1)
    assert parse_feed(body + TAIL).warnings == ()


def test_damage_is_placed_by_characters_not_bytes():
    body = HEAD + item(1) + "<item><title>Иран и Россия &bogus;</title></item>".encode() + TAIL
    (warning,) = parse_feed(body).warnings
    column = body.decode().index("&bogus;")  # one line: the column is the character's index
    assert f"undefined entity: line 1, column {column}." in warning


def test_an_entry_keeps_the_outlet_a_relaying_feed_credits():
    rss_item = (
        "<item><title>US confirms Russia received missiles</title>"
        "<link>https://al-monitor.com/originals/2024/09/a</link><guid>a</guid>"
        '<source url="https://al-monitor.com/rss">Al-Monitor &amp; Co</source></item>'
        "<item><title>No credit</title><link>https://x.example/b</link><guid>b</guid></item>"
    )
    signals = by_id(read(rss(rss_item)))
    assert signals["a"].outlet == "Al-Monitor & Co"
    assert signals["b"].outlet == ""
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>f</id>'
        b"<updated>2024-09-10T00:00:00Z</updated><entry><id>c</id><title>t</title>"
        b"<updated>2024-09-10T00:00:00Z</updated>"
        b"<source><title>Reuters</title><id>r</id></source></entry></feed>"
    )
    assert read(atom)[0].outlet == "Reuters"
