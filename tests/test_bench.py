"""`make bench` keeps working: a tiny run prints every table with its ratios and targets.

The figures themselves are never asserted (speed is measured, not tested): only that the
benchmark runs and reports what issue 14 asks of it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_and_prints_each_figure_beside_its_floor(tmp_path):
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path),  # its database and static files: this test's own
        "BENCH_SIZES": "400,800",
    }
    env.pop("BENCH_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "full rebuild" in out and "floor" in out and "ratio" in out
    # Each size's recompute row: the full and the nightly rebuild, each over the floor.
    recompute = [line for line in out.splitlines() if re.match(r" +(400|800)  ", line)]
    assert len(recompute) == 2, out
    assert all(len(re.findall(r"\d\.\dx", line)) == 2 for line in recompute), recompute
    for size in ("400", "800"):
        assert f"Pages at {size} observations" in out
    # Each page's row in the pages' tables: its times, its ratio to the bare view, its sizes.
    rows = [line for line in out.splitlines() if re.search(r"ms .*\dKB", line)]
    assert len(rows) == 2 * 8  # two sizes, eight URLs (the bare view first)
    assert all(re.search(r"ms +\d+\.\dx +\d+KB +\d+KB", row) for row in rows), rows
    assert "overview on the wire, page and figures" in out
    assert "With size" in out and "API index series (columns)" in out


@pytest.mark.django_db
def test_the_floor_scores_every_observation_as_the_rebuild_does():
    """The floor is the rebuild's read and maths: its series is the one the rebuild stores
    (a floor that read the rows but scored none would make every ratio look worse)."""
    from bench.scoring_bench import floor_series
    from tests.tracker.support import END, catalogue, observe
    from tracker.series.refresh import snapshots_refresh

    relationship, indicators = catalogue()
    for n, day in enumerate((10, 40, 70, 100)):
        observe(indicators[n], day, 3)
    snapshots_refresh(relationship, end=END)
    stored = list(relationship.snapshots.order_by("date").values_list("index", flat=True))
    computed = floor_series(relationship, end=END)
    assert len(stored) == len(computed.index) > 100
    assert computed.index.tolist() == pytest.approx(stored)
    assert len(set(stored)) > 1  # the observations moved it: they were scored
