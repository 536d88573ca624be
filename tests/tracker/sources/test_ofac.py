"""OFAC's lists: entries tied to a watched pair, and the observation new ones make."""

import datetime

import pytest

from tests.tracker.sources import DATA, samples
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import ParseError, SignalData
from tracker.sources.ofac import CONSOLIDATED, SDN, OfacAdapter, parse_ofac, programs
from tracker.sources.sanctions import designations_proposal, listed_name, pair_for, ties

RUSSIA_IRAN = pair_for("sanctions-on-cooperation")


def proposal_for(new, on):
    return designations_proposal(new, on, list_name="OFAC SDN", pair=RUSSIA_IRAN)


# Tied to Russia and Iran, and 50012 (DPRK3 and RUSSIA-EO14024) to Russia and North Korea.
KEPT = ["50001", "50005", "50006", "50007", "50010", "50012", "50013", "50014", "50015"]


@pytest.fixture(scope="module")
def signals():
    return {s.external_id: s for s in parse_ofac((DATA / "sdn.csv").read_bytes())}


def test_registry_holds_the_sdn_adapter():
    assert isinstance(ADAPTERS["ofac_sdn"], OfacAdapter)
    assert (ADAPTERS["ofac_sdn"].name, ADAPTERS["ofac_sdn"].listing) == ("ofac_sdn", SDN)
    assert (ADAPTERS["ofac_cons"].name, ADAPTERS["ofac_cons"].listing) == (
        "ofac_cons",
        CONSOLIDATED,
    )


def test_keeps_only_entries_tied_to_both(signals):
    assert sorted(signals) == KEPT


def test_an_entry_of_a_pair_whose_indicator_is_a_stage_suggests_it_and_proposes_none(signals):
    kim = signals["50012"]
    assert kim.excerpt.startswith(
        "Individual on the OFAC SDN list; programs: DPRK3, RUSSIA-EO14024; tied to Russia "
        "and North Korea."
    )
    assert kim.suggested == ("dprk-sanctions-in-force",)
    assert kim.proposal is None
    # Nor do a refresh's new designations of that pair become one observation: an analyst
    # chooses the rung.
    pair = pair_for("dprk-sanctions-in-force")
    assert pair is not None and pair.countries == ("Russia", "North Korea")
    assert (
        designations_proposal([kim], datetime.date(2026, 1, 5), list_name="OFAC SDN", pair=pair)
        is None
    )


def test_signal_fields(signals):
    volga = signals["50001"]
    assert volga.title == "VOLGA AERO COMPONENTS LLC (RUSSIA-EO14024, IFSR)"
    assert volga.url == "https://sanctionssearch.ofac.treas.gov/"
    assert volga.excerpt == (
        "Entity on the OFAC SDN list; programs: RUSSIA-EO14024, IFSR; tied to Russia and Iran. "
        "Address Kazan, Tatarstan, Russia; Organization Established Date 2019."
    )
    assert volga.suggested == ("sanctions-on-cooperation",)
    assert volga.proposal is None
    assert volga.published_at is None


def test_nulls_are_dropped_and_vessels_described(signals):
    vessel = signals["50006"]
    assert "-0-" not in vessel.excerpt
    assert vessel.excerpt.startswith("Vessel on the OFAC SDN list; programs: IRAN-EO13902")
    assert "vessel flag: Iran" in vessel.excerpt
    assert signals["50014"].excerpt.endswith("RUSSIA-EO14024, IRGC; tied to Russia and Iran.")


def test_windows_1252_and_doubled_quotes_are_read(signals):
    assert signals["50013"].title.startswith("ZÖLLNER, Jürgen")
    assert 'a.k.a. "SAIRC"' in signals["50007"].excerpt


def test_utf8_file_is_read_as_utf8():
    body = samples.SDN_ROWS.encode("utf-8")
    (german,) = [s for s in parse_ofac(body) if s.external_id == "50013"]
    assert german.title.startswith("ZÖLLNER, Jürgen")


def test_end_of_file_mark_is_optional():
    body = (DATA / "sdn.csv").read_bytes()
    assert body.endswith(b"\r\n\x1a")
    assert [s.external_id for s in parse_ofac(body[:-1])] == KEPT
    assert [s.external_id for s in parse_ofac(body + b"\r\n")] == KEPT


def test_programs_split():
    assert programs("RUSSIA-EO14024] [IRAN-EO13902") == ("RUSSIA-EO14024", "IRAN-EO13902")
    assert programs("[SDGT] [IFSR]") == ("SDGT", "IFSR")
    assert programs("CUBA") == ("CUBA",)
    assert programs("") == ()


@pytest.mark.parametrize(
    ("names", "remarks", "expected"),
    [
        (("RUSSIA-EO14024", "IFSR"), "", True),
        (("CAATSA - RUSSIA", "IRAN"), "", True),
        (("UKRAINE-EO13661", "IRGC"), "", True),
        (("UKRAINE-EO13685", "IRAN"), "", False),  # Crimea, not Russia
        (("NPWMD", "RUSSIA-EO14024"), "", False),  # NPWMD alone is not Iran
        (("RUSSIA-EO14024",), "Address Tehran, Iran.", True),
        (("IRAN-EO13846",), "nationality Russia", True),
        (("NPWMD",), "Russian firm shipping Iranian drones", True),
        (("RUSSIA-EO14024",), "nationality Russia", False),
        (("IFSR",), "Address Tehran, Iran.", False),
        (("CUBA",), "Havana", False),
        (("RUSSIA-EO14024",), "Address Tiranë, Albania", False),  # not a word start
    ],
)
def test_an_entry_is_tied_to_russia_and_iran_by_programs_or_remarks(names, remarks, expected):
    assert ({"Russia", "Iran"} <= ties(names, remarks)) is expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "sdn_wrong_columns.csv",
            "Line 4 of the sdn.csv file has 4 columns; OFAC's list files have 12",
        ),
        (
            "sdn_undecodable.csv",
            "sdn.csv file is neither UTF-8 nor Windows-1252: byte 0x81 on line 2",
        ),
    ],
)
def test_broken_files_are_refused_with_a_reason(name, message):
    with pytest.raises(ParseError, match=message):
        parse_ofac((DATA / name).read_bytes())


@pytest.mark.parametrize("body", [b"", b"\x1a", b"\r\n\x1a", b"  \r\n"])
def test_empty_file_is_refused(body):
    with pytest.raises(ParseError, match="empty"):
        parse_ofac(body)


def test_bad_ent_num_and_repeats_are_refused():
    good = '50001,"A",-0-,"RUSSIA-EO14024] [IFSR",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n'
    with pytest.raises(ParseError, match="ent_num 'X1' is not a number"):
        parse_ofac(good.replace("50001", "X1").encode())
    with pytest.raises(ParseError, match="Line 2: ent_num 50001 repeats"):
        parse_ofac((good * 2).encode())


def test_unterminated_quote_is_refused():
    with pytest.raises(ParseError, match="not valid CSV"):
        parse_ofac(b'50001,"UNCLOSED,-0-,"RUSSIA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n')


def test_a_row_missing_a_column_fails_the_whole_file_not_just_the_row():
    with pytest.raises(ParseError):
        ADAPTERS["ofac_sdn"].parse((DATA / "sdn_wrong_columns.csv").read_bytes())


def signal(title):
    return SignalData(
        external_id="1", title=title, url="", excerpt="", published_at=None, suggested=()
    )


def test_no_new_designations_no_proposal():
    assert proposal_for([], datetime.date(2025, 1, 1)) is None


def test_one_new_designation(signals):
    proposal = proposal_for([signals["50014"]], datetime.date(2025, 2, 3))
    assert proposal.indicator == "sanctions-on-cooperation"
    assert proposal.occurred_on == datetime.date(2025, 2, 3)
    assert proposal.magnitude == 1.0
    assert (proposal.reliability, proposal.credibility) == ("A", 1)
    assert proposal.summary == (
        "1 new OFAC SDN designation tied to both Russia and Iran: ALBORZ DRONE (ADT) COMPANY"
    )


def test_several_new_designations(signals):
    new = [signals[ent] for ent in ("50001", "50006", "50007", "50013")]
    proposal = proposal_for(new, datetime.date(2025, 2, 3))
    assert proposal.magnitude == pytest.approx(3.0)  # 1 + log2(4)
    assert proposal.summary.startswith("4 new OFAC SDN designations tied to both")
    assert proposal.summary.endswith(
        "VOLGA AERO COMPONENTS LLC, ARYA STAR, SHAHID AVIATION INDUSTRIES RESEARCH CENTRE, "
        "ZÖLLNER, Jürgen"
    )


def test_many_new_designations_are_capped_and_listed_briefly():
    new = [signal(f"NAME {n} (RUSSIA-EO14024, IFSR)") for n in range(40)]
    proposal = proposal_for(new, datetime.date(2025, 2, 3))
    assert proposal.magnitude == 5.0
    assert proposal.summary.endswith("NAME 9 and 30 more")
    assert "NAME 10" not in proposal.summary


def test_sdn_name_keeps_parentheses_inside_the_name():
    assert listed_name(signal("ALBORZ DRONE (ADT) COMPANY (RUSSIA-EO14024, IRGC)")) == (
        "ALBORZ DRONE (ADT) COMPANY"
    )


def test_committed_samples_are_what_make_samples_writes():
    for name, data in samples.sdn_samples().items():
        assert (DATA / name).read_bytes() == data, f"{name} is stale: run make_samples.py"
