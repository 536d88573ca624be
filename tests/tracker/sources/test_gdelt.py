"""GDELT exports: the watched dyads' events with proposals, the daily tone, and refusals."""

import datetime
import io
import tracemalloc
import zipfile

import pytest

from tests.tracker.sources import DATA, samples
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import ParseError, TooLarge
from tracker.sources.gdelt import (
    COLUMN,
    COLUMNS,
    COLUMNS_1,
    LAYOUTS,
    TONE_INDICATOR,
    GdeltAdapter,
    _Capped,
)

UTC = datetime.UTC
ROWS = samples.GDELT_ROWS


def parse(body: bytes, **kwargs):
    return GdeltAdapter(**kwargs).parse(body, url="https://data.gdeltproject.org/x.zip").signals


def by_id(signals):
    return {signal.external_id: signal for signal in signals}


def row(event_id, **overrides):
    """A kept Russia → Iran row with some fields changed."""
    values = ROWS[0][:]
    values[COLUMN["GLOBALEVENTID"]] = str(event_id)
    for name, value in overrides.items():
        values[COLUMN[name]] = value
    return values


@pytest.fixture(scope="module")
def signals():
    return by_id(parse((DATA / "gdelt_export.zip").read_bytes()))


def test_column_layout_is_the_2_0_codebook():
    assert len(COLUMNS) == 61
    assert COLUMNS[0] == "GLOBALEVENTID"
    assert COLUMNS[26:35] == (
        "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
        "NumMentions", "NumSources", "NumArticles", "AvgTone",
    )  # fmt: skip
    assert COLUMNS[39] == "Actor1Geo_ADM2Code"
    assert COLUMNS[59:] == ("DATEADDED", "SOURCEURL")


def test_registry_holds_the_gdelt_adapter():
    assert isinstance(ADAPTERS["gdelt"], GdeltAdapter)


def test_only_russia_iran_events_are_kept_with_one_tone_signal_a_day(signals):
    events = {"1198765401", "1198765402", "1198765404", "1198765405", "1198765406", "1198765410"}
    tones = {"tone-20240909", "tone-20240910", "tone-20240911"}
    assert set(signals) == events | tones


def test_event_signal_and_its_proposal(signals):
    military = signals["1198765401"]
    assert military.title == "RUS → IRN: Cooperate militarily"
    assert military.url == "https://www.example-news.com/2024/09/10/russia-iran-military"
    assert military.published_at == datetime.datetime(2024, 9, 10, 8, 30, tzinfo=UTC)
    assert military.suggested == ("operational-support",)
    proposal = military.proposal
    assert proposal.indicator == "operational-support"
    assert proposal.occurred_on == datetime.date(2024, 9, 10)
    assert proposal.magnitude == pytest.approx(3.0)  # 1 + log2(4 sources)
    assert proposal.value is None
    assert (proposal.reliability, proposal.credibility) == ("D", 3)
    assert "Russia → Iran: Cooperate militarily" in proposal.summary


def test_iran_to_russia_keeps_its_direction(signals):
    visit = signals["1198765402"]
    assert visit.title == "IRN → RUS: Make a visit"
    assert visit.proposal.indicator == "high-level-contacts"
    assert visit.proposal.magnitude == pytest.approx(2.0)


def test_country_falls_back_to_the_actor_code(signals):
    # Both country columns are empty in this row; RUSGOV and IRNGOV give the dyad.
    assert signals["1198765404"].title == "RUS → IRN: Sign formal agreement"


def test_stage_indicator_is_suggested_but_never_proposed(signals):
    treaty = signals["1198765404"]
    assert treaty.suggested == ("treaty-ladder",)
    assert treaty.proposal is None


def test_unmapped_code_has_no_suggestion_and_a_named_source_is_no_url(signals):
    statement = signals["1198765406"]
    assert statement.suggested == ()
    assert statement.proposal is None
    assert statement.url == ""
    assert "Source: BBC Monitoring" in statement.excerpt


def test_event_dates_come_from_sqldate_and_publication_from_dateadded(signals):
    late = signals["1198765410"]
    assert late.proposal.occurred_on == datetime.date(2024, 9, 9)
    assert late.published_at == datetime.datetime(2024, 9, 11, 7, 15, tzinfo=UTC)


def test_tone_is_the_mention_weighted_mean_goldstein_of_the_day(signals):
    expected = {
        "tone-20240909": 6.0,
        "tone-20240910": (7.4 * 12 + 1.9 * 6 + 8.0 * 20) / 38,
        "tone-20240911": (-2.0 * 3 + 0.0 * 5) / 8,
    }
    for external_id, value in expected.items():
        tone = signals[external_id]
        assert tone.proposal.indicator == TONE_INDICATOR
        assert tone.proposal.value == pytest.approx(value, abs=1e-3)
        assert tone.proposal.magnitude is None
        assert tone.suggested == (TONE_INDICATOR,)
    day = signals["tone-20240910"]
    assert day.proposal.occurred_on == datetime.date(2024, 9, 10)
    assert day.published_at == datetime.datetime(2024, 9, 10, 12, 0, tzinfo=UTC)
    assert "3 events (38 mentions)" in day.proposal.summary


def test_tone_without_mentions_is_the_plain_mean():
    body = samples.export_zip(
        [
            row(1, GoldsteinScale="4", NumMentions="0"),
            row(2, GoldsteinScale="-2", NumMentions="0"),
        ]
    )
    tone = by_id(parse(body))["tone-20240910"]
    assert tone.proposal.value == pytest.approx(1.0)


def test_magnitude_is_capped_at_five():
    (event, _tone) = parse(samples.export_zip([row(1, NumSources="1000")]))
    assert event.proposal.magnitude == 5.0


def test_no_russia_iran_rows_gives_no_signals():
    unrelated = [r for r in ROWS if r[COLUMN["GLOBALEVENTID"]] in {"1198765403", "1198765407"}]
    assert parse(samples.export_zip(unrelated)) == []


def test_fields_of_unkept_rows_are_not_checked():
    unrelated = ROWS[2][:]
    unrelated[COLUMN["SQLDATE"]] = "garbage"
    assert {s.external_id for s in parse(samples.export_zip([unrelated, row(5)]))} == {
        "5",
        "tone-20240910",
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("gdelt_truncated.zip", "not a readable zip file"),
        ("gdelt_two_members.zip", "exactly one file; this one holds 2"),
        ("gdelt_no_members.zip", "exactly one file; this one holds 0"),
        ("gdelt_bad_crc.zip", "Bad CRC-32"),
        ("gdelt_lying_size.zip", "Bad CRC-32"),
        ("gdelt_60_columns.zip", "Line 5 of .* has 60 columns"),
        ("gdelt_not_utf8.zip", "not valid UTF-8"),
        ("gdelt_bad_date.zip", "Line 1: SQLDATE '20241332' is not a real date"),
        ("gdelt_bad_number.zip", "Line 2: GoldsteinScale 'high' is not a number"),
    ],
)
def test_broken_exports_are_refused_with_a_reason(name, message):
    with pytest.raises(ParseError, match=message):
        parse((DATA / name).read_bytes())


def test_neither_a_zip_nor_tab_separated_text_is_refused():
    with pytest.raises(ParseError, match="neither a zip nor tab-separated text"):
        parse((DATA / "rss_sample.xml").read_bytes())
    with pytest.raises(ParseError, match="neither a zip nor tab-separated text"):
        parse(b"\x1f\x8b\x08\x00gzip\tnot zip")
    with pytest.raises(ParseError, match="empty"):
        parse(b"")


def test_zip_bomb_is_refused_by_its_declared_size_before_unpacking():
    body = (DATA / "gdelt_bomb.zip").read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="would unpack to 209,715,200 bytes"):
            parse(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Memory, not seconds, shows it was not unpacked: 200 MB would have passed through.
    assert peak < 10 * 2**20


def test_member_cap_is_configurable():
    with pytest.raises(TooLarge, match="over the cap of 100"):
        parse((DATA / "gdelt_export.zip").read_bytes(), max_member_bytes=100)


def test_running_cap_stops_a_stream_that_outgrows_its_declared_size():
    capped = _Capped(io.BytesIO(bytes(5000)), 4096, "member.csv")
    with pytest.raises(TooLarge, match="more than the cap of 4,096"):
        io.BufferedReader(capped, 1024).read()


def test_running_cap_lets_a_stream_at_the_cap_through():
    capped = _Capped(io.BytesIO(bytes(4096)), 4096, "member.csv")
    assert len(io.BufferedReader(capped, 1024).read()) == 4096


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("GLOBALEVENTID", "12a", "GLOBALEVENTID '12a' is not a number"),
        ("EventCode", "--", "EventCode '--' is not a CAMEO code"),
        ("NumMentions", "-3", "NumMentions '-3' is not a whole number"),
        ("NumSources", "", "NumSources '' is not a whole number"),
        ("GoldsteinScale", "nan", "outside -10..+10"),
        ("GoldsteinScale", "11", "outside -10..+10"),
        ("SQLDATE", "2024-09-10", "not a YYYYMMDD date"),
        ("SQLDATE", "２０２４０９１０", "not a YYYYMMDD date"),  # unicode digits
        ("SQLDATE", "18991231", "1899-12-31 is outside the dates Entente accepts"),
        ("DATEADDED", "20240910", "not a YYYYMMDDHHMMSS timestamp"),
        ("DATEADDED", "20240910256000", "not a real date and time"),
    ],
)
def test_bad_fields_of_kept_rows_are_refused(field, value, message):
    with pytest.raises(ParseError, match=message):
        parse(samples.export_zip([row(1), row(2, **{field: value})]))


def test_repeated_event_id_is_refused():
    with pytest.raises(ParseError, match="GLOBALEVENTID 7 appears twice"):
        parse(samples.export_zip([row(7), row(7)]))


def test_overlong_line_is_refused_without_reading_it_whole():
    body = samples.zip_bytes({samples.EXPORT_NAME: b"x" * (2 * 2**20) + b"\n"})
    with pytest.raises(ParseError, match="Line 1 .* is over 65,536 characters"):
        parse(body)


def test_blank_lines_are_skipped():
    text = samples.export_text([row(1)]) + "\n\n"
    signals = parse(samples.zip_bytes({samples.EXPORT_NAME: text.encode()}))
    assert [s.external_id for s in signals] == ["1", "tone-20240910"]


def test_committed_samples_are_what_make_samples_writes():
    for name, data in samples.gdelt_samples(bomb=False).items():
        assert (DATA / name).read_bytes() == data, f"{name} is stale: run make_samples.py"


def test_committed_zip_bomb_is_small_and_declares_200_mb():
    body = (DATA / "gdelt_bomb.zip").read_bytes()
    assert len(body) < 2**20
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (member,) = archive.infolist()
    assert member.file_size == 200 * 2**20


# --- GDELT as published: plain or zipped, 2.0 or 1.0, told by the bytes ------------------


def as_gdelt_1(values, *, source_url=True):
    """A 2.0 row in the 1.0 layout: no ADM2 columns, DATEADDED a day, SOURCEURL optional."""
    row = dict(zip(COLUMNS, values, strict=True))
    row["DATEADDED"] = row["DATEADDED"][:8]
    return [row[name] for name in (COLUMNS_1 if source_url else COLUMNS_1[:-1])]


def test_the_1_0_layout_is_the_2_0_one_without_the_adm2_columns():
    assert len(COLUMNS_1) == 58 and COLUMNS_1[-2:] == ("DATEADDED", "SOURCEURL")
    assert COLUMNS_1[38:40] == ("Actor1Geo_ADM1Code", "Actor1Geo_Lat")  # no ADM2 between
    assert {len(layout.columns) for layout in LAYOUTS.values()} == {61, 58, 57}


def test_the_plain_export_reads_as_its_zip_does(signals):
    plain = samples.export_text(ROWS).encode("utf-8")
    assert by_id(parse(plain)) == signals


@pytest.mark.parametrize("source_url", [True, False], ids=["58 columns", "57 columns"])
@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "zip"])
def test_gdelt_1_0_events_are_read_by_their_column_count(signals, source_url, zipped):
    rows = [as_gdelt_1(values, source_url=source_url) for values in ROWS]
    text = samples.export_text(rows).encode("utf-8")
    body = samples.zip_bytes({"20240911.export.CSV": text}) if zipped else text
    read = by_id(parse(body))
    assert set(read) == set(signals)
    event = read["1198765401"]
    assert event.proposal == signals["1198765401"].proposal
    # 1.0 dates additions by the day only.
    assert event.published_at == datetime.datetime(2024, 9, 10, tzinfo=UTC)
    if source_url:
        assert event.url == signals["1198765401"].url
    else:
        assert event.url == ""


def test_the_layout_is_read_from_the_bytes_not_the_name():
    text = samples.export_text([as_gdelt_1(values) for values in ROWS]).encode("utf-8")
    misnamed = samples.zip_bytes({"20240911120000.export.CSV": text})  # a 2.0 name
    assert len(parse(misnamed)) == len(parse(text)) > 0


def test_a_file_of_another_gdelt_kind_is_refused_by_name():
    mentions = "\t".join(["1198765401", "20240910", "20240910"] + ["x"] * 13) + "\n"
    with pytest.raises(
        ParseError,
        match="Not a GDELT events export: the first row of the file has 16 tab-separated "
        "columns, as a GDELT 2.0 mentions file does; an events export has 61 "
        r"\(GDELT 2.0\), 58 \(GDELT 1.0\), 57",
    ):
        parse(mentions.encode())


def test_a_row_in_another_layout_than_the_first_is_refused():
    rows = [ROWS[0], as_gdelt_1(ROWS[1])]
    with pytest.raises(ParseError, match="Line 2 of the file has 58 columns; its first row has 61"):
        parse(samples.export_text(rows).encode("utf-8"))


def test_a_1_0_row_with_a_2_0_timestamp_is_refused():
    values = as_gdelt_1(ROWS[0])
    values[COLUMNS_1.index("DATEADDED")] = "20240910120000"
    with pytest.raises(ParseError, match="DATEADDED '20240910120000' is not a YYYYMMDD date"):
        parse(samples.export_text([values]).encode("utf-8"))


def test_a_plain_export_over_the_cap_is_refused():
    with pytest.raises(TooLarge, match="over the cap of 100"):
        parse(samples.export_text(ROWS).encode("utf-8"), max_member_bytes=100)


def test_every_watched_dyad_is_kept_and_mapped_to_its_own_relationship():
    """A Russia–North Korea visit suggests and proposes Russia–DPRK's contacts indicator, named
    with that dyad's countries; a China–Russia disapproval its trust indicator. Neither dyad
    has a tone indicator, so only Russia–Iran's day gets a tone signal."""
    kept = parse(
        samples.export_zip(
            [
                row(21, Actor1CountryCode="RUS", Actor2CountryCode="PRK", EventCode="042"),
                row(22, Actor1CountryCode="CHN", Actor2CountryCode="RUS", EventCode="111"),
                row(23),  # Russia → Iran
            ]
        )
    )
    found = by_id(kept)
    visit, rebuke = found["21"], found["22"]
    assert visit.title == "RUS → PRK: Make a visit"
    assert visit.suggested == ("dprk-high-level-contacts",)
    assert visit.proposal.indicator == "dprk-high-level-contacts"
    assert "Russia → North Korea: Make a visit" in visit.proposal.summary
    assert rebuke.suggested == ("china-limited-trust",)
    assert "China → Russia" in rebuke.proposal.summary
    tones = [s for s in kept if s.external_id.startswith("tone-")]
    assert [t.suggested for t in tones] == [(TONE_INDICATOR,)]
    assert "Russia–Iran" in tones[0].excerpt
