"""python manage.py ingest SOURCE [--file PATH]: one source's adapter, now."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import SourceFactory
from tests.tracker.sources import DATA
from tracker.models import Signal

pytestmark = pytest.mark.django_db


def feed(adapter: str):
    return SourceFactory(name=f"{adapter} feed", adapter=adapter, enabled=True)


def test_runs_a_source_on_a_file():
    feed("rss")
    out = io.StringIO()
    call_command("ingest", "RSS FEED", "--file", str(DATA / "atom_sample.xml"), stdout=out)
    assert "new signal(s)" in out.getvalue()
    assert Signal.objects.exists()


def test_names_what_went_wrong():
    feed("rss")
    with pytest.raises(CommandError, match="No source 'nope'.*rss feed"):
        call_command("ingest", "nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest", "rss feed", "--file", "/no/such/file.xml")
    with pytest.raises(CommandError, match="failed"):
        call_command("ingest", "rss feed", "--file", str(DATA / "billion_laughs.xml"))
