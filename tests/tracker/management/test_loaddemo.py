"""loaddemo: the catalogue and all 80 timeline events load, and loading twice changes nothing."""

import csv
import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests.clock import NOW
from tracker.models import Indicator, Observation, Originator, Source, Stage

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"
RUSSIA_IRAN = FIXTURES / "russia-iran"
TIMELINE_ROW = re.compile(r"^\| (\d{4}(?:-\d{2})?(?:-\d{2})?) \|")

pytestmark = pytest.mark.django_db


RELATIONSHIPS = sorted(p.parent.name for p in FIXTURES.glob("*/catalogue.toml"))


def timeline_rows(folder: Path = RUSSIA_IRAN) -> list[list[str]]:
    """The rows of a relationship's timeline: date, area, summary, publisher, title, url, …"""
    lines = (folder / "timeline.md").read_text(encoding="utf-8").splitlines()
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in lines
        if TIMELINE_ROW.match(line)
    ]


def history_rows() -> int:
    return sum(model.history.count() for model in (Indicator, Observation, Source, Stage))


@pytest.fixture
def demo(settings):
    call_command("loaddemo", stdout=io.StringIO())


# Rows whose date the demo corrects against the timeline, each explained in its README.
CORRECTED = {"tl-63"}  # said on 18 June 2025 (fixtures/README.md, "Corrections")


def timeline_date(cell: str) -> tuple[dt.date, str]:
    """A timeline date as an observation stores it: a month as its 1st, a year as 1 January."""
    parts = [int(p) for p in cell.split("-")]
    precision = {3: "day", 2: "month", 1: "year"}[len(parts)]
    return dt.date(*parts, *[1] * (3 - len(parts))), precision


@pytest.mark.parametrize("relationship", RELATIONSHIPS)
def test_loads_the_catalogue_and_every_timeline_event(demo, relationship):
    """Each observation says which timeline row it reads (`[prefix-]tl-NN[a-z]`) and keeps
    that row's date, precision and URL; every row yields at least one observation."""
    assert Indicator.objects.filter(relationship__slug=relationship).count() >= 18
    rows = timeline_rows(FIXTURES / relationship)
    assert len(rows) == 80
    observations = Observation.objects.filter(indicator__relationship__slug=relationship)
    read: dict[int, list[Observation]] = {}
    for observation in observations:
        match = re.fullmatch(r"(?:[a-z]+-)?tl-(\d{2})[a-z]?", observation.reference)
        assert match, f"{observation.reference} names no timeline row"
        read.setdefault(int(match[1]), []).append(observation)
    assert sorted(read) == list(range(1, 81)), "a timeline row has no observation"
    for number, row in enumerate(rows, start=1):
        for observation in read[number]:
            dated = (observation.occurred_on, observation.precision)
            if dated != timeline_date(row[0]) and observation.reference not in CORRECTED:
                # A level reading may be dated to the year it measures, reported later.
                assert observation.indicator.kind == Indicator.Kind.LEVEL, observation.reference
                assert observation.precision == "year", observation.reference
                assert observation.occurred_on <= timeline_date(row[0])[0], observation.reference
            assert observation.url == row[5], f"{observation.reference} lost its URL"


def test_keeps_date_precision_and_publication_dates(demo):
    month_rows = [r for r in timeline_rows() if re.fullmatch(r"\d{4}-\d{2}", r[0])]
    assert month_rows
    for observation in Observation.objects.filter(precision="month"):
        assert observation.occurred_on.day == 1
    for observation in Observation.objects.all():
        assert observation.recorded_at.date() >= observation.occurred_on
        # The first version dates from when the source published it, for "as known on".
        first = observation.history.earliest("history_date")
        assert first.history_date == observation.recorded_at


def test_grades_follow_the_originator_not_the_relay(demo):
    """fixtures/README.md's rules: every demo report names who asserted it (none is left to
    its publisher), nobody gets A, and a newsroom's own reporting keeps one grade whichever
    outlet relayed it (the same Wall Street Journal report is not B3 here and D4 there)."""
    named = set(
        Originator.objects.exclude(description__startswith="The publisher").values_list(
            "pk", flat=True
        )
    )
    assert set(Observation.objects.values_list("originator", flat=True)) <= named
    assert not Observation.objects.filter(reliability="A").exists()
    for originator in Originator.objects.filter(kind=Originator.Kind.JOURNALISM):
        relays = originator.observations.values_list("source__kind", flat=True).distinct()
        grades = set(originator.observations.values_list("reliability", flat=True))
        assert grades <= {originator.default_reliability}, (originator, set(relays))
    # The relay's grade no longer sets the report's: state media and aggregators carry B
    # reports (a party's own acts, relayed).
    relayed = Observation.objects.filter(
        source__kind__in=[Source.Kind.STATE_MEDIA, Source.Kind.AGGREGATOR], reliability="B"
    )
    assert relayed.exists()


def test_running_twice_changes_nothing(demo):
    counts = history_rows(), Observation.objects.count()
    call_command("loaddemo", stdout=io.StringIO())
    assert (history_rows(), Observation.objects.count()) == counts


def test_feeds_start_disabled_and_reloading_keeps_an_operators_choice(demo):
    feeds = Source.objects.exclude(adapter="")
    assert feeds.exists() and not feeds.filter(enabled=True).exists()
    feeds.filter(pk=feeds.first().pk).update(enabled=True)
    call_command("loaddemo", stdout=io.StringIO())
    assert list(feeds.filter(enabled=True)) == [feeds.first()]


def copy_fixtures(tmp_path) -> Path:
    """A copy of the fixtures folder to change; its Russia–Iran folder is returned."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    return tmp_path / "russia-iran"


def test_a_changed_fixture_row_becomes_a_correction(tmp_path, demo):
    folder = copy_fixtures(tmp_path)
    with (folder / "observations.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["summary"] = "A corrected summary."
    with (folder / "observations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    call_command("loaddemo", fixtures=tmp_path, stdout=io.StringIO())
    observation = Observation.objects.get(reference=rows[0]["reference"])
    assert observation.summary == "A corrected summary."
    assert observation.history.count() == 2
    assert observation.history.earliest("history_date").summary != "A corrected summary."


def test_a_bad_fixture_row_loads_nothing(tmp_path):
    folder = copy_fixtures(tmp_path)
    text = (folder / "observations.csv").read_text(encoding="utf-8")
    header, first, *rest = text.splitlines()
    broken = first.replace(",2019-12-01,", ",2019-13-01,")
    (folder / "observations.csv").write_text("\n".join([header, broken, *rest]), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Row 1: occurred_on: .*2019-13-01"):
        call_command("loaddemo", fixtures=tmp_path, stdout=io.StringIO())
    assert not Observation.objects.exists()
    assert not Indicator.objects.exists()  # the catalogue load is rolled back too


def test_demo_users_only_with_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("loaddemo", users=True, stdout=io.StringIO())


def test_demo_dates_are_in_the_past(demo):
    """Nothing in the demo was published after the test clock's today, so "as known on" any
    date shows the demo as it stood then."""
    latest = Observation.objects.latest("recorded_at").recorded_at
    assert latest <= NOW


def test_a_reworded_ladder_loads_over_the_old_one(tmp_path, demo):
    """A stage renamed in the catalogue: the new ladder loads over the old, the old stage
    waits above it while observations use it, and the next load removes it."""
    folder = copy_fixtures(tmp_path)
    old, new = "Neutrality pact", "Neutrality and consultation pact"
    for name in ("catalogue.toml", "observations.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace(old, new), encoding="utf-8")
    ladder = Stage.objects.filter(indicator__slug="treaty-ladder")
    before = list(ladder.values_list("order", flat=True))
    place = ladder.get(name=old).order

    call_command("loaddemo", fixtures=tmp_path, stdout=io.StringIO())
    assert not Observation.objects.filter(stage__name=old).exists()
    assert Observation.objects.filter(stage__name=new).count() == 4
    assert ladder.get(name=new).order == place
    assert ladder.get(name=old).order > max(before)  # out of the way, for now

    call_command("loaddemo", fixtures=tmp_path, stdout=io.StringIO())
    assert not ladder.filter(name=old).exists()
    assert list(ladder.values_list("order", flat=True)) == before


def test_an_indicator_of_no_known_family_loads_nothing(tmp_path):
    folder = copy_fixtures(tmp_path)
    text = (folder / "catalogue.toml").read_text(encoding="utf-8")
    (folder / "catalogue.toml").write_text(
        text.replace('family = "treaty"', 'family = "moon-base"'), encoding="utf-8"
    )
    with pytest.raises(CommandError, match=r"'treaty-ladder' names no known family"):
        call_command("loaddemo", fixtures=tmp_path, stdout=io.StringIO())
    assert not Indicator.objects.exists()


def test_every_demo_indicator_has_its_family_and_its_familys_category(demo):
    indicators = Indicator.objects.select_related("family")
    assert not indicators.filter(family=None).exists()
    assert all(i.category_id == i.family.category_id for i in indicators)
    odd = indicators.exclude(family__slug="divergence").first()
    odd.family = indicators.get(slug="limited-trust").family  # Divergence and trust
    with pytest.raises(ValidationError, match="are in its category"):
        odd.full_clean()


def test_the_readme_states_what_the_demo_loads(demo):
    """README's `make run` paragraph gives the demo's counts; they are the loaded ones."""
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    said = re.search(r"(\d+) sources, (\d+) originators and (\d+) observations", text)
    assert said, "README no longer states the demo's counts"
    loaded = (Source.objects.count(), Originator.objects.count(), Observation.objects.count())
    assert tuple(int(n) for n in said.groups()) == loaded
