"""The UN Security Council Consolidated List: regime entries for triage, entries tied to
both countries of a watched pair for their indicator, hostile or broken files refused."""

import datetime

import pytest

from tests.tracker.sources import DATA
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import ParseError
from tracker.sources.un import URL, UnListAdapter, parse_consolidated

UTC = datetime.UTC


def entry(kind="INDIVIDUAL", *, ref="KPi.900", regime="DPRK", listed="2024-03-01",
          names=("KIM", "IL"), comments="", country="") -> str:  # fmt: skip
    name_tags = "".join(
        f"<{tag}>{name}</{tag}>"
        for tag, name in zip(("FIRST_NAME", "SECOND_NAME"), names, strict=False)
    )
    address = "INDIVIDUAL_ADDRESS" if kind == "INDIVIDUAL" else "ENTITY_ADDRESS"
    return (
        f"<{kind}><DATAID>{sum(map(ord, ref))}</DATAID><VERSIONNUM>1</VERSIONNUM>{name_tags}"
        f"<UN_LIST_TYPE>{regime}</UN_LIST_TYPE><REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER>"
        f"<LISTED_ON>{listed}</LISTED_ON><COMMENTS1>{comments}</COMMENTS1>"
        f"<{address}><COUNTRY>{country}</COUNTRY></{address}></{kind}>"
    )


def document(individuals=(), entities=()) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CONSOLIDATED_LIST dateGenerated="2026-11-20T00:00:00Z">'
        f"<INDIVIDUALS>{''.join(individuals)}</INDIVIDUALS>"
        f"<ENTITIES>{''.join(entities)}</ENTITIES></CONSOLIDATED_LIST>"
    ).encode()


def by_id(signals):
    return {signal.external_id: signal for signal in signals}


def test_the_registry_holds_the_un_adapter():
    assert isinstance(ADAPTERS["un_sc"], UnListAdapter)


def test_entries_tied_to_a_watched_pair_and_regime_entries_are_kept():
    body = document(
        individuals=[
            entry(ref="KPi.901"),  # DPRK regime: triage, no suggestion
            entry(
                ref="IRi.901",
                regime="Iran",
                names=("ALI",),
                comments="Moved drones to the Russian Federation.",
                listed="2025-09-28",
            ),  # fmt: skip
            entry(ref="QDi.901", regime="Al-Qaida"),  # neither: dropped
        ],
        entities=[
            entry(
                "ENTITY",
                ref="KPe.901",
                names=("KORYO TRADING",),
                country="Russian Federation",
                listed="2023-12-01",
            ),  # fmt: skip
        ],
    )
    signals = by_id(parse_consolidated(body))
    assert sorted(signals) == ["IRi.901", "KPe.901", "KPi.901"]
    iran = signals["IRi.901"]
    assert iran.title == "ALI (Iran, IRi.901)"
    assert iran.suggested == ("sanctions-on-cooperation",)
    assert iran.published_at == datetime.datetime(2025, 9, 28, tzinfo=UTC)
    assert iran.url == URL
    assert iran.excerpt == (
        "Individual on the UN Security Council Consolidated List; Iran regime; listed "
        "2025-09-28; tied to Russia and Iran. Moved drones to the Russian Federation."
    )
    koryo = signals["KPe.901"]
    # Tied to Russia and North Korea: suggests that pair's sanctions stage, proposes nothing.
    assert koryo.suggested == ("dprk-sanctions-in-force",)
    assert koryo.proposal is None
    assert "tied to Russia and North Korea" in koryo.excerpt
    assert signals["KPi.901"].suggested == ()
    assert "tied to" not in signals["KPi.901"].excerpt


def test_the_published_list_is_read():
    parsed = ADAPTERS["un_sc"].parse((DATA.parent / "real" / "consolidated.xml").read_bytes())
    assert parsed.warnings == ()
    regimes = {signal.title.rsplit("(", 1)[1].split(",")[0] for signal in parsed.signals}
    assert regimes == {"DPRK", "Iran"}
    assert len(parsed.signals) == 221  # the README's count: 155 DPRK and 66 Iran entries
    assert all(signal.published_at for signal in parsed.signals)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<?xml version='1.0'?><sdnList/>", r"root element is <sdnList>, not <CONSOLIDATED_LIST>"),
        (document([entry(), entry()]), "Individual KPi.900 appears twice"),
        (document([entry(listed="2024-02-30")]), "KPi.900: LISTED_ON '2024-02-30' is not a"),
        (document([entry(listed="1066-10-14")]), "KPi.900: LISTED_ON '1066-10-14'"),
        (document([entry(ref="KP i 900")]), "REFERENCE_NUMBER 'KP i 900' is not"),
        (document([entry()])[:-30], "not well-formed XML"),
        ((DATA / "billion_laughs.xml").read_bytes(), "DTD"),
        ((DATA / "xxe.xml").read_bytes(), "DTD|external"),
    ],
)
def test_broken_or_hostile_lists_are_refused_whole(body, message):
    with pytest.raises(ParseError, match=message):
        parse_consolidated(body)


def test_a_listing_date_with_a_time_zone_is_its_day_and_a_future_one_is_refused():
    zoned = document([entry(ref="IRi.905", regime="Iran", listed="2015-04-07-04:00")])
    (signal,) = parse_consolidated(zoned)
    assert signal.published_at == datetime.datetime(2015, 4, 7, tzinfo=UTC)
    assert parse_consolidated(document([entry(ref="IRi.906", regime="Iran",
                                              listed="2015-04-07Z")]))  # fmt: skip
    with pytest.raises(ParseError, match="is in the future"):
        parse_consolidated(document([entry(listed="2026-12-25")]))
