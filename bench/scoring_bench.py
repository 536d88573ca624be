"""Recompute at 10k / 100k / 1M observations: a full rebuild after loading them, the same
rebuild again with nothing changed (the nightly job), and a refresh after one new observation."""

import datetime as dt
import random

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench import pages_bench
from bench.measure import Measurement, measured
from tracker.clock import today_utc
from tracker.db import bulk_insert
from tracker.models import (
    Category,
    Indicator,
    Observation,
    Originator,
    Relationship,
    Scenario,
    Source,
    Stage,
)
from tracker.observations import services
from tracker.scoring import method
from tracker.scoring.inputs import (
    NO_POINTS,
    arrays_by_indicator,
    current_rows,
    first_day,
    scoring_inputs,
)
from tracker.series.refresh import snapshots_refresh

INDICATORS = 200
YEARS = 10
ORIGINATORS = 12
CAVEATS = ("",) * 8 + ("interested", "denial")  # about one report in five flagged
SEED = 20261125
REBUILD_TARGET = 1.5  # issue 14: a full rebuild within this many times its floor


def build_catalogue(rng: random.Random) -> Relationship:
    relationship = Relationship.objects.create(
        slug="bench", title="Benchmark", actor_a="A", actor_b="B", question="?"
    )
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        Scenario.objects.create(
            relationship=relationship, slug=slug, name=slug, lower=lower, upper=upper
        )
    categories = [
        Category.objects.create(slug=f"c{n}", name=f"Category {n}", order=n) for n in range(7)
    ]
    for n in range(INDICATORS):
        kind = "event" if n % 10 < 7 else ("level" if n % 10 < 9 else "stage")
        params = {
            "event": {"half_life_days": rng.choice([90, 180, 365, 730]), "saturation": 6.0},
            "level": {"floor": 0.0, "ceiling": 100.0},
            "stage": {},
        }[kind]
        indicator = Indicator.objects.create(
            relationship=relationship,
            category=categories[n % 7],
            slug=f"i{n}",
            name=f"Indicator {n}",
            seed_paragraph=1,
            seed_quote="-",
            kind=kind,
            polarity=1 if n % 5 else -1,
            weight=rng.uniform(0.5, 3),
            **params,
        )
        if kind == "stage":
            Stage.objects.bulk_create(
                Stage(indicator=indicator, order=k, name=f"Stage {k}", score=k / 4)
                for k in range(5)
            )
    Source.objects.create(name="Bench source", kind="news", default_reliability="B")
    # A dozen originators: the source doubt sums over the originators of each indicator.
    Originator.objects.bulk_create(
        Originator(name=f"Originator {n}", kind="government", default_reliability="B")
        for n in range(ORIGINATORS)
    )
    return relationship


def add_observations(relationship, count: int, rng: random.Random) -> None:
    """Insert synthetic observations directly (generation is not what is measured)."""
    indicators = list(relationship.indicators.values_list("pk", "kind"))
    stages = {}
    for pk, indicator_id in Stage.objects.values_list("pk", "indicator_id"):
        stages.setdefault(indicator_id, []).append(pk)
    source = Source.objects.get().pk
    originators = list(Originator.objects.values_list("pk", flat=True))
    today = today_utc()
    first = today - dt.timedelta(days=365 * YEARS)
    recorded = timezone.now()
    fields = (
        "indicator", "occurred_on", "precision", "recorded_at", "magnitude", "value", "stage",
        "summary", "source", "url", "quote", "originator", "reliability", "credibility",
        "caveat", "status", "retraction_reason", "reference",
    )  # fmt: skip

    def rows():
        for _ in range(count):
            pk, kind = rng.choice(indicators)
            magnitude = rng.uniform(0.5, 5) if kind == "event" else None
            value = rng.uniform(-10, 110) if kind == "level" else None
            stage = rng.choice(stages[pk]) if kind == "stage" else None
            occurred = first + dt.timedelta(days=rng.randrange(365 * YEARS - 60))
            yield (
                pk, occurred, "day", recorded, magnitude, value, stage, "synthetic", source, "",
                "", rng.choice(originators), rng.choice("ABCDEF"), rng.randint(1, 6),
                rng.choice(CAVEATS), "accepted", "", "",
            )  # fmt: skip

    with transaction.atomic():
        bulk_insert(Observation, fields, rows())
    # Finish the load before the clock starts, as the database soon would on its own: the
    # rebuild is measured, not the write-back of the rows just loaded.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: statistics (without them the planner
            # guesses, and the benchmark would measure the guess) and the visibility map
            # that lets the rebuild read the observation_scoring index alone.
            cursor.execute("VACUUM ANALYZE")
        else:
            # What SQLite's automatic checkpoint does at the next writes: copy the loaded
            # pages from its write-ahead log into the database file.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def floor(relationship) -> Measurement:
    """What a full rebuild cannot do without: read the scoring columns of every observation
    (the rebuild's own read, into numpy) and run the method over them in memory, writing
    nothing."""
    with measured() as result:
        floor_series(relationship)
    return result


def floor_series(relationship, end=None) -> method.RelationshipSeries:
    """The floor's work: the relationship's series to `end` (today), as a rebuild scores it."""
    inputs = scoring_inputs(relationship)
    end = end or today_utc()
    first = first_day(relationship, end)  # the rebuild's own question for its first day
    days = np.arange((end - first).days + 1)
    points = arrays_by_indicator(current_rows(relationship, set(inputs.keys)), first)
    series = [
        method.series_from_arrays(spec, points.get(key, NO_POINTS), days, inputs.centres)
        for key, spec in zip(inputs.keys, inputs.specs, strict=True)
    ]
    return method.aggregate(inputs.specs, series, inputs.scenarios, method.METHOD_VERSION)


def run(sizes: list[int]) -> None:
    rng = random.Random(SEED)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as in production
    relationship = build_catalogue(rng)
    have = 0
    pages = {}
    print(f"\nRecompute: {INDICATORS} indicators over {YEARS} years ({365 * YEARS} days);")
    print("time, peak resident memory (growth during the step); the floor reads and scores")
    print(
        f"every observation in memory, writing nothing; target: a rebuild within {REBUILD_TARGET}x"
    )
    print(
        f"{'observations':>13}  {'full rebuild':<26}{'floor':<26}{'ratio':<9}"
        f"{'again (nightly)':<26}{'ratio':<9}incremental"
    )
    for size in sizes:
        add_observations(relationship, size - have, rng)
        have = size
        connection.close()  # start each size with a cold connection
        with measured() as full:  # the new observations' scores are all new
            snapshots_refresh(relationship)
        least = floor(relationship)
        with measured() as again:  # what the nightly job does: nothing changed since
            snapshots_refresh(relationship)
        indicator = relationship.indicators.filter(kind="event").order_by("?").first()
        observation = services.observation_record(  # refreshes on commit, outside the timer
            indicator=indicator,
            occurred_on=today_utc() - dt.timedelta(days=30),
            source=Source.objects.get(),
            summary="One new report.",
            credibility=2,
            magnitude=3,
        )
        Observation.objects.filter(pk=observation.pk).update(magnitude=4)
        with measured() as incremental:
            snapshots_refresh(
                relationship, since=observation.occurred_on, indicator_ids=[indicator.pk]
            )
        ratio = f"{full.seconds / least.seconds:.1f}x"
        nightly = f"{again.seconds / least.seconds:.1f}x"
        print(
            f"{size:>13,}  {full!s:<26}{least!s:<26}{ratio:<9}{again!s:<26}{nightly:<9}"
            f"{incremental}"
        )
        pages[size] = pages_bench.measure(relationship)
    for size, timings in pages.items():
        print(
            f"\nPages at {size:,} observations (in-process; cold = empty cache; compression asked)"
        )
        print("\n".join(pages_bench.lines(timings)))
    print("\nWith size (in-process)")
    print("\n".join(pages_bench.side_by_side(pages)))
