"""python manage.py recompute: full or incremental, for one relationship or all."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.tracker.support import catalogue, observe
from tracker.models import Snapshot

pytestmark = pytest.mark.django_db


def test_recompute_command():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2024, 2, 1, tzinfo=dt.UTC), tick=False):
        call_command("recompute", stdout=out)
        call_command(
            "recompute", "--relationship", relationship.slug, "--since=2024-01-20", stdout=out
        )
    assert "full rebuild from 2024-01-01 to 2024-02-01" in out.getvalue()
    assert "incremental from 2024-01-20" in out.getvalue()
    assert Snapshot.objects.count() == 32
    with pytest.raises(CommandError, match="No relationship 'nope'"):
        call_command("recompute", relationship="nope", stdout=out)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("recompute", "--since", "yesterday", stdout=out)
