"""Files as their publishers put them out (tests/data/real, origins in its README): each is
ingested twice through a source, signals the first time and nothing new the second; a file
of another kind is refused on the source with nothing written."""

from pathlib import Path

import pytest

from tests.factories import IndicatorFactory, RelationshipFactory, SourceFactory
from tracker.models import Observation, Signal
from tracker.sources.refresh import source_refresh

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
SLUGS = ("sanctions-on-cooperation", "operational-support", "trade-and-transport",
         "drone-transfers", "diplomatic-visits", "joint-exercises")  # fmt: skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    relationship = RelationshipFactory()
    for slug in SLUGS:
        IndicatorFactory(relationship=relationship, slug=slug)
    IndicatorFactory(relationship=relationship, slug="gdelt-dyadic-tone", level=True,
                     floor=-10.0, ceiling=10.0)  # fmt: skip
    return relationship


# (file, adapter, signals the first time, observations recorded the first time)
FILES = [
    # 5 Russia–Iran events and their day's tone, recorded as a reading; 2 China–Russia
    # statements (CAMEO 01, mapped to no indicator: triage only, and no tone indicator yet).
    ("20191024143000.export.CSV", "gdelt", 8, 1),
    # GDELT 1.0, 58 columns: 4 Russia–Iran events and the day's tone.
    ("20130401.export.CSV", "gdelt", 5, 1),
    ("cons_prim.csv", "ofac_cons", 1, 1),  # Rosoboronexport: Iran and Russia programs
    # 14 entries tied to Russia and Iran (one observation), 1 to Russia and North Korea.
    ("sdn.csv", "ofac_sdn", 15, 1),
    # 155 DPRK and 66 Iran entries for triage; none names Russia, so no observation.
    ("consolidated.xml", "un_sc", 221, 0),
    ("feed_dbengines_rss2_undeclared_entities.xml", "rss", 1, 0),
    ("feed_oren_ru_windows-1251.rss", "rss", 10, 0),
    ("feed_jn_pt_iso-8859-1.rss", "rss", 40, 0),
    ("feed_onefoottsunami.atom", "rss", 25, 0),
]


@pytest.mark.parametrize(("name", "adapter", "signals", "recorded"), FILES)
def test_a_published_file_is_read_once(catalogue, name, adapter, signals, recorded):
    source = SourceFactory(name=name, adapter=adapter, enabled=True)
    body = (REAL / name).read_bytes()
    first = source_refresh(source, body=body)
    assert (first.status, first.warnings) == ("ok", ())
    assert (first.new, first.recorded) == (signals, recorded)
    second = source_refresh(source, body=body)
    assert (second.status, second.new, second.recorded) == ("ok", 0, 0)
    assert Signal.objects.count() == signals
    assert Observation.objects.count() == recorded


def test_undeclared_html_entities_in_a_published_feed_are_characters(catalogue):
    source = SourceFactory(adapter="rss", enabled=True)
    body = (REAL / "feed_dbengines_rss2_undeclared_entities.xml").read_bytes()
    assert body.count(b"&nbsp;") == 4
    source_refresh(source, body=body)
    (signal,) = Signal.objects.all()
    # Each &nbsp; is a no-break space between two words, which the excerpt keeps apart.
    assert "&nbsp;" not in signal.excerpt and "nbsp" not in signal.excerpt
    words = body.decode().split("&nbsp;")
    assert f"{words[0].split()[-1]} {words[1].split()[0]}" in signal.excerpt


def test_a_published_export_zipped_reads_as_it_does_plain():
    from tests.tracker.sources import samples
    from tracker.sources.adapters import ADAPTERS

    plain = (REAL / "20191024143000.export.CSV").read_bytes()
    zipped = samples.zip_bytes({"20191024143000.export.CSV": plain})
    assert ADAPTERS["gdelt"].parse(zipped) == ADAPTERS["gdelt"].parse(plain)


def test_a_published_legacy_encoding_is_decoded():
    from tracker.sources.rss import parse_feed

    russian = parse_feed((REAL / "feed_oren_ru_windows-1251.rss").read_bytes()).signals
    portuguese = parse_feed((REAL / "feed_jn_pt_iso-8859-1.rss").read_bytes()).signals
    assert russian[0].title == "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"
    assert portuguese[0].title == "Mãe de utente é a nova presidente da Raríssimas"


def test_a_published_feed_cut_off_keeps_its_entries_and_the_whole_adds_the_rest(catalogue):
    source = SourceFactory(adapter="rss", enabled=True)
    whole = (REAL / "feed_onefoottsunami.atom").read_bytes()
    cut = whole[: len(whole) * 2 // 3]  # a download that stopped two thirds in
    first = source_refresh(source, body=cut)
    assert first.status == "ok" and 0 < first.new < 25
    source.refresh_from_db()
    assert source.last_warning.startswith("The feed is damaged")
    second = source_refresh(source, body=whole)
    assert first.new + second.new == Signal.objects.count() == 25
    source.refresh_from_db()
    assert source.last_warning == ""


@pytest.mark.parametrize(
    ("name", "message"),
    [("20150218230000.mentions.CSV", "as a GDELT 2.0 mentions file does")],
)
def test_a_published_file_of_another_kind_is_refused(catalogue, name, message):
    source = SourceFactory(adapter="gdelt", enabled=True)
    outcome = source_refresh(source, body=(REAL / name).read_bytes())
    assert outcome.status == "failed" and message in outcome.error
    source.refresh_from_db()
    assert source.last_error == outcome.error
    assert not Signal.objects.exists()


@pytest.mark.parametrize("name", ["20160728.export.CSV", "1982.csv", "20130401.export.CSV"])
def test_published_gdelt_1_0_files_are_read_whole(name):
    from tracker.sources.gdelt import _rows

    body = (REAL / name).read_bytes()
    rows = list(_rows(body, max_member_bytes=len(body)))
    assert len(rows) == body.count(b"\n")
    assert {layout.name for _, _, layout in rows} == {
        "GDELT 1.0" if name.endswith(".export.CSV") else "GDELT 1.0 (before April 2013)"
    }
