"""python manage.py recompute: full or incremental, for one relationship or all."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.tracker.support import catalogue, observe
from tracker.models import Snapshot
from tracker.scoring.method import METHOD_VERSION

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


def test_recompute_with_a_method_prints_that_version_and_stores_nothing():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    observe(indicators[3], 200, 2)
    with time_machine.travel(dt.datetime(2025, 3, 1, tzinfo=dt.UTC), tick=False):
        call_command("recompute", stdout=io.StringIO())
        stored = list(Snapshot.objects.values_list("date", "index", "method_version"))
        out = io.StringIO()
        call_command("recompute", "--method", "1.0", stdout=out)
    assert list(Snapshot.objects.values_list("date", "index", "method_version")) == stored
    assert {version for *_, version in stored} == {METHOD_VERSION}
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{relationship.slug}, method 1.0:"
    # The year end and today, each with 1.0's index: every indicator counted, the unobserved
    # ones at their no-evidence level (the divergence indicator, weight 2, at 1).
    assert [line.split()[0] for line in lines[1:]] == ["2024-12-31", "2025-03-01"]
    # By 2025 the event has decayed to nothing; the stage is at its top: 100 * (0 + 2 + 0 + 1)
    # / 5. Method 2.0, stored, averages the two observed indicators only: 100 * (0 + 1) / 2.
    assert "index  60.0" in lines[-1] and "coverage 40%" in lines[-1]
    assert Snapshot.objects.get(date=dt.date(2025, 3, 1)).index == pytest.approx(50.0, abs=0.01)
