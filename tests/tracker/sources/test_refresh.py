"""Refreshing sources: idempotent storage, machine-recorded datasets, hostile input recorded
on the source with nothing written, network faults raised for a retry."""

import datetime
from pathlib import Path

import pytest

from tests.factories import IndicatorFactory, RelationshipFactory, SourceFactory
from tracker.models import Observation, Signal, Source
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import FetchError
from tracker.sources.refresh import gdelt_export_url, source_refresh

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
HOSTILE = [
    ("rss", "malformed.xml"),
    ("rss", "billion_laughs.xml"),
    ("rss", "xxe.xml"),
    ("rss", "external_dtd.xml"),
    ("rss", "empty.xml"),
    ("rss", "latin1_declared_utf8.xml"),
    ("gdelt", "gdelt_truncated.zip"),
    ("gdelt", "gdelt_bomb.zip"),
    ("gdelt", "gdelt_two_members.zip"),
    ("gdelt", "gdelt_60_columns.zip"),
    ("gdelt", "gdelt_not_utf8.zip"),
    ("ofac_sdn", "sdn_wrong_columns.csv"),
    ("ofac_sdn", "sdn_undecodable.csv"),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    relationship = RelationshipFactory()
    for slug in ("sanctions-on-cooperation", "operational-support", "trade-and-transport"):
        IndicatorFactory(relationship=relationship, slug=slug)
    IndicatorFactory(relationship=relationship, slug="gdelt-dyadic-tone", level=True,
                     floor=-10.0, ceiling=10.0)  # fmt: skip
    IndicatorFactory(relationship=relationship, slug="drone-transfers")
    return relationship


def feed(adapter: str, **fields) -> Source:
    return SourceFactory(name=f"{adapter} feed", adapter=adapter, enabled=True, **fields)


def test_rss_signals_are_stored_once(catalogue):
    source = feed("rss")
    body = (DATA / "rss_sample.xml").read_bytes()
    first = source_refresh(source, body=body)
    assert first.status == "ok" and first.new == Signal.objects.count() > 0
    second = source_refresh(source, body=body)
    assert second.new == 0
    assert Signal.objects.count() == first.new
    source.refresh_from_db()
    assert (source.fetch_count, source.failures, source.signal_count) == (2, 0, first.new)
    assert source.last_success_at is not None and source.last_error == ""
    assert not Observation.objects.exists()  # news waits for triage
    suggested = Signal.objects.filter(suggested__slug="drone-transfers")
    assert suggested.exists()


@pytest.mark.parametrize(("adapter", "name"), HOSTILE)
def test_hostile_input_is_recorded_on_the_source_and_writes_nothing(catalogue, adapter, name):
    source = feed(adapter)
    outcome = source_refresh(source, body=(DATA / name).read_bytes())
    assert outcome.status == "failed" and outcome.error
    source.refresh_from_db()
    assert source.failures == 1
    assert source.last_error == outcome.error
    assert source.last_success_at is None
    assert not Signal.objects.exists()
    assert not Observation.objects.exists()


def test_gdelt_records_the_daily_tone_and_queues_events_for_triage(catalogue):
    source = feed("gdelt", default_reliability="D")
    outcome = source_refresh(source, body=(DATA / "gdelt_export.zip").read_bytes())
    tones = Observation.objects.filter(indicator__slug="gdelt-dyadic-tone")
    assert outcome.recorded == tones.count() > 0
    assert all(o.value is not None and o.reference.startswith(f"{source.pk}:tone-") for o in tones)
    assert Signal.objects.filter(state="new").exists()  # single events go to triage
    assert Signal.objects.filter(state="accepted", observation__in=tones).count() == tones.count()
    # The same export again: nothing new, nothing changed.
    history = Observation.history.count()
    source_refresh(source, body=(DATA / "gdelt_export.zip").read_bytes())
    assert Observation.history.count() == history


def test_ofac_new_designations_become_one_observation(catalogue):
    source = feed("ofac_sdn", default_reliability="A")
    outcome = source_refresh(source, body=(DATA / "sdn.csv").read_bytes())
    [observation] = Observation.objects.filter(indicator__slug="sanctions-on-cooperation")
    assert outcome.recorded == 1
    assert (observation.reliability, observation.credibility) == ("A", 1)
    # Every new entry is a signal; those tied to Russia and Iran are the observation's.
    assert outcome.new == 9
    assert observation.signals.count() == 8
    assert not Signal.objects.get(external_id="50012").observation
    again = source_refresh(source, body=(DATA / "sdn.csv").read_bytes())
    assert (again.new, again.recorded) == (0, 0)
    assert Observation.objects.count() == 1


def test_network_faults_are_recorded_and_raised_for_a_retry(catalogue, loopback_feeds):
    source = feed("rss", feed_url="http://127.0.0.1:9/feed.xml")  # nothing listens on port 9
    with pytest.raises(FetchError):
        source_refresh(source)
    source.refresh_from_db()
    assert source.failures == 1 and source.last_error


def test_a_missing_indicator_for_a_proposal_fails_cleanly(db):
    source = feed("gdelt")
    outcome = source_refresh(source, body=(DATA / "gdelt_export.zip").read_bytes())
    assert outcome.status == "failed"
    assert "no indicator" in outcome.error
    assert not Signal.objects.exists()


def test_gdelt_listing_names_the_export():
    listing = (
        b"151061 0f7b... http://data.gdeltproject.org/gdeltv2/20261125143000.export.CSV.zip\n"
        b"258 aa... http://data.gdeltproject.org/gdeltv2/20261125143000.mentions.CSV.zip\n"
    )
    assert gdelt_export_url(listing).endswith("20261125143000.export.CSV.zip")


def test_a_later_export_with_a_new_daily_tone_corrects_it_with_history(catalogue):
    import datetime as dt

    from tracker.sources.base import ObservationProposal, SignalData
    from tracker.sources.refresh import _store

    source = feed("gdelt")

    def export(value):
        proposal = ObservationProposal(
            indicator="gdelt-dyadic-tone", occurred_on=dt.date(2026, 11, 24),
            summary=f"Mean Goldstein {value}", value=value, reliability="D", credibility=3,
        )  # fmt: skip
        return [SignalData("tone-20261124", "Tone", "", "", None, (), proposal)]

    _store(source, export(2.5))
    _store(source, export(3.5))  # the day's later events moved the mean
    observation = Observation.objects.get(indicator__slug="gdelt-dyadic-tone")
    assert observation.value == 3.5
    assert [h.value for h in observation.history.order_by("history_date")] == [2.5, 3.5]
    assert Signal.objects.get().proposal["value"] == 3.5


def test_a_feed_at_an_internal_address_is_refused_and_recorded(catalogue):
    source = feed("rss", feed_url="http://127.0.0.1:8000/admin/")  # not allowed by default
    outcome = source_refresh(source)
    source.refresh_from_db()
    assert outcome.status == "failed"
    assert "Refusing to fetch 127.0.0.1" in source.last_error
    assert not Signal.objects.filter(source=source).exists()


def test_a_damaged_feed_is_read_with_a_warning_that_the_whole_feed_clears(catalogue):
    source = feed("rss")
    whole = (DATA / "rss_sample.xml").read_bytes()
    third = whole.index(b"<item>", whole.index(b"<item>", whole.index(b"<item>") + 1) + 1)
    cut = whole[: whole.index(b"<item>", third + 1) + 20]  # inside the fourth item
    first = source_refresh(source, body=cut)
    assert first.status == "ok" and first.new > 0 and first.warnings
    assert "warning: The feed is damaged" in str(first)
    source.refresh_from_db()
    assert source.last_warning == first.warnings[0]
    assert source.last_error == "" and source.failures == 0
    second = source_refresh(source, body=whole)
    assert second.warnings == ()
    # The rest of the entries, and none twice.
    assert second.new > 0
    stored = sorted(Signal.objects.values_list("external_id", flat=True))
    assert stored == sorted({item.external_id for item in ADAPTERS["rss"].parse(whole).signals})
    source.refresh_from_db()
    assert source.last_warning == ""


def test_the_server_charset_reaches_the_adapter(catalogue):
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><item><guid>c</guid>'
        "<title>Иран и Россия</title></item></channel></rss>"
    ).encode("windows-1251")
    source = feed("rss")
    assert source_refresh(source, body=body).status == "failed"  # UTF-8 by default
    assert source_refresh(source, body=body, charset="windows-1251").new == 1
    assert Signal.objects.get().title == "Иран и Россия"


@pytest.mark.parametrize(
    ("adapter", "body"),
    [
        ("ofac_cons", b"1,2,3\n"),
        ("un_sc", (DATA / "billion_laughs.xml").read_bytes()),
        ("un_sc", b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"),
        ("gdelt", "\t".join(["1"] * 16).encode()),
    ],
)
def test_new_formats_refuse_bad_files_on_the_source_writing_nothing(catalogue, adapter, body):
    source = feed(adapter)
    outcome = source_refresh(source, body=body)
    assert outcome.status == "failed"
    source.refresh_from_db()
    assert source.last_error == outcome.error and source.failures == 1
    assert not Signal.objects.exists() and not Observation.objects.exists()


def test_a_designation_on_both_ofac_lists_is_counted_once(catalogue):
    row = (
        '18782,"ROSOBORONEKSPORT OAO",-0-,"IRAN-CON-ARMS-EO] [RUSSIA-EO14024",'
        + ",".join(["-0-"] * 8)
        + "\r\n"
    )
    sdn, consolidated = feed("ofac_sdn"), feed("ofac_cons")
    assert source_refresh(sdn, body=row.encode()).recorded == 1
    again = source_refresh(consolidated, body=row.encode())
    assert (again.new, again.recorded) == (1, 0)  # a signal on its own list, no second count
    assert Observation.objects.count() == 1


def test_un_designations_are_observations_on_the_day_they_were_listed(catalogue):
    def listed(ref, day):
        return (
            f"<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>{ref}</FIRST_NAME><UN_LIST_TYPE>Iran"
            f"</UN_LIST_TYPE><REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER><LISTED_ON>{day}"
            "</LISTED_ON><COMMENTS1>Procured parts in Russia.</COMMENTS1></INDIVIDUAL>"
        )

    body = (
        "<CONSOLIDATED_LIST><INDIVIDUALS>"
        + listed("IRi.901", "2025-09-28")
        + listed("IRi.902", "2025-09-28")
        + listed("IRi.903", "2026-02-02")
        + "</INDIVIDUALS></CONSOLIDATED_LIST>"
    ).encode()
    source = feed("un_sc", default_reliability="A")
    outcome = source_refresh(source, body=body)
    assert (outcome.new, outcome.recorded) == (3, 2)
    days = Observation.objects.order_by("occurred_on").values_list("occurred_on", "summary")
    assert list(days) == [
        (
            datetime.date(2025, 9, 28),
            "2 new UN Security Council designations tied to both Russia and Iran: IRi.901, IRi.902",
        ),
        (
            datetime.date(2026, 2, 2),
            "1 new UN Security Council designation tied to both Russia and Iran: IRi.903",
        ),
    ]
    assert (source_refresh(source, body=body).new, Observation.objects.count()) == (0, 2)


def test_a_relaying_feeds_credited_outlet_is_stored_with_its_signal(catalogue):
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<link>https://x.example/</link><description>D</description>"
        b"<item><title>Putin talks to Iranian president</title><guid>a</guid>"
        b'<link>https://www.rt.com/russia/1</link><source url="https://www.rt.com/">RT</source>'
        b"</item><item><title>Uncredited</title><guid>b</guid></item></channel></rss>"
    )
    source_refresh(feed("rss"), body=body)
    stored = dict(Signal.objects.values_list("external_id", "proposal"))
    assert stored == {"a": {"outlet": "RT"}, "b": {}}
