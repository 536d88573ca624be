"""Stored snapshots: incremental equals full, refresh on commit, "as known on", selectors."""

import datetime as dt
import io
import math

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
    SourceFactory,
)
from tracker.models import IndicatorReading, Observation, ObservationScore, Snapshot
from tracker.observations import services
from tracker.scoring.inputs import parse_min_grade, states_as_known_on
from tracker.selectors.movement import contributions_between
from tracker.selectors.series import index_series, verdict_latest
from tracker.selectors.staleness import stale_indicators
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db

START = dt.date(2024, 1, 1)
END = dt.date(2024, 6, 30)


def catalogue():
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(relationship=relationship, slug=slug, lower=lower, upper=upper)
    indicators = [
        IndicatorFactory(relationship=relationship, half_life_days=30),
        IndicatorFactory(relationship=relationship, polarity=-1, weight=2.0),
        IndicatorFactory(relationship=relationship, level=True),
        IndicatorFactory(relationship=relationship, stage=True),
    ]
    return relationship, indicators


def observe(indicator, day, measure=2.0, **extra):
    fields = {"magnitude": None, "value": None, "stage": None}
    if indicator.kind == "event":
        fields["magnitude"] = measure
    elif indicator.kind == "level":
        fields["value"] = measure * 10
    else:
        fields["stage"] = indicator.stages.order_by("order")[int(measure) % 3]
    return ObservationFactory(
        indicator=indicator,
        occurred_on=START + dt.timedelta(days=day),
        recorded_at=dt.datetime.combine(START, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(days=day),
        **fields,
        **extra,
    )


def stored_rows(relationship):
    snapshots = list(
        Snapshot.objects.filter(relationship=relationship)
        .order_by("date")
        .values_list("date", "index", "low", "high", "band", "momentum", "odds", "categories")
    )
    readings = list(
        IndicatorReading.objects.filter(indicator__relationship=relationship)
        .order_by("indicator", "date")
        .values_list("indicator", "date", "reading", "alliance", "grade", "strength", "observed")
    )
    scores = list(
        ObservationScore.objects.order_by("observation").values_list(
            "observation", "alliance", "diagnosticity", "favours"
        )
    )
    return snapshots, readings, scores


def test_full_rebuild_writes_one_snapshot_a_day():
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    observe(indicators[2], 40, 5)
    report = snapshots_refresh(relationship, end=END)
    assert report.full
    assert Snapshot.objects.count() == (END - (START + dt.timedelta(days=10))).days + 1
    assert IndicatorReading.objects.count() == 4 * Snapshot.objects.count()
    assert ObservationScore.objects.count() == 2
    first = Snapshot.objects.earliest("date")
    assert first.covered == 1
    assert sum(first.odds.values()) == pytest.approx(1.0)


def test_an_incremental_refresh_of_an_indicator_left_without_evidence():
    relationship, indicators = catalogue()
    observe(indicators[0], 10)
    only = observe(indicators[1], 20, 4)
    snapshots_refresh(relationship, end=END)
    Observation.objects.filter(pk=only.pk).update(
        status=Observation.Status.RETRACTED, retracted_at=timezone.now()
    )
    report = snapshots_refresh(
        relationship, since=only.occurred_on, indicator_ids=[indicators[1].pk], end=END
    )
    assert not report.full and report.rescored == 1
    assert not ObservationScore.objects.filter(observation=only).exists()
    incremental = stored_rows(relationship)
    snapshots_refresh(relationship, end=END)
    assert stored_rows(relationship) == incremental


def test_derived_rows_go_with_their_indicator_or_observation():
    relationship, indicators = catalogue()
    observation = observe(indicators[0], 10)
    snapshots_refresh(relationship, end=END)
    unobserved = indicators[3]
    assert IndicatorReading.objects.filter(indicator=unobserved).exists()
    unobserved.delete()  # no database foreign key: Django's cascade must do it
    observation.delete()
    assert not IndicatorReading.objects.filter(indicator_id=unobserved.pk).exists()
    assert not ObservationScore.objects.filter(observation_id=observation.pk).exists()


changes = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 150), st.integers(1, 5)), min_size=1, max_size=4
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initial=changes, later=changes, extra_days=st.integers(0, 20))
def test_incremental_refresh_equals_full_rebuild(initial, later, extra_days):
    with transaction.atomic():
        relationship, indicators = catalogue()
        for n, day, measure in initial:
            observe(indicators[n], day, measure)
        snapshots_refresh(relationship, end=END)
        end = END + dt.timedelta(days=extra_days)
        for n, day, measure in later:
            observation = observe(indicators[n], day + 20, measure)
            snapshots_refresh(
                relationship,
                since=observation.occurred_on,
                indicator_ids=[indicators[n].pk],
                end=end,
            )
        incremental = stored_rows(relationship)
        snapshots_refresh(relationship, end=end)  # over the stored rows: rewrites what differs
        assert stored_rows(relationship) == incremental
        for model in (Snapshot, IndicatorReading, ObservationScore):
            model.objects.all().delete()
        snapshots_refresh(relationship, end=end)  # from nothing
        assert stored_rows(relationship) == incremental
        transaction.set_rollback(True)


def test_a_retraction_refreshes_on_commit(django_capture_on_commit_callbacks, analyst):
    relationship, indicators = catalogue()
    with time_machine.travel(dt.datetime(2024, 3, 1, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            early = services.observation_record(
                indicator=indicators[0],
                occurred_on=dt.date(2024, 1, 10),
                source=SourceFactory(),
                summary="Drones delivered.",
                credibility=1,
                magnitude=4,
                analyst=analyst,
            )
        peak = Snapshot.objects.get(date=dt.date(2024, 1, 10)).index
        with django_capture_on_commit_callbacks(execute=True):
            services.observation_retract(early, by=analyst, reason="Withdrawn")
    assert not Snapshot.objects.exists()  # no accepted evidence left: no series
    assert peak > 0


def test_a_correction_refreshes_from_the_earlier_of_old_and_new_dates(
    django_capture_on_commit_callbacks, analyst
):
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    late = observe(indicators[0], 60, 1)
    snapshots_refresh(relationship, end=END)
    with (
        time_machine.travel(dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.observation_correct(late, by=analyst, occurred_on=dt.date(2024, 1, 20))
    corrected = stored_rows(relationship)
    snapshots_refresh(relationship, end=END)
    assert stored_rows(relationship) == corrected


class TestAsKnownOn:
    def test_ignores_what_was_recorded_later_and_sees_old_values(self, analyst):
        relationship, indicators = catalogue()
        with time_machine.travel(dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC), tick=False):
            kept = services.observation_record(
                indicator=indicators[0],
                occurred_on=dt.date(2024, 1, 9),
                source=SourceFactory(),
                summary="A first report.",
                credibility=2,
                magnitude=2,
            )
        with time_machine.travel(dt.datetime(2024, 2, 1, 12, tzinfo=dt.UTC), tick=False):
            services.observation_correct(kept, by=analyst, magnitude=5)
            later = services.observation_record(
                indicator=indicators[1],
                occurred_on=dt.date(2024, 1, 5),  # happened earlier, learned later
                source=SourceFactory(),
                summary="Friction.",
                credibility=2,
                magnitude=3,
            )
        with time_machine.travel(dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC), tick=False):
            services.observation_retract(kept, by=analyst, reason="Withdrawn")

        moment = dt.datetime(2024, 1, 20, tzinfo=dt.UTC)
        then = states_as_known_on(relationship, moment)
        assert [(s.key, s.magnitude) for s in then] == [(kept.pk, 2)]
        in_february = states_as_known_on(relationship, moment.replace(month=2, day=15))
        assert {(s.key, s.magnitude) for s in in_february} == {(kept.pk, 5), (later.pk, 3)}
        now = states_as_known_on(relationship, moment.replace(month=4))
        assert [s.key for s in now] == [later.pk]  # the retraction counts from March

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        reports=st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 120), st.integers(0, 60)),
            min_size=1,
            max_size=6,
        ),
        cutoff=st.integers(0, 180),
    )
    def test_the_series_as_known_on_a_day_ignores_everything_recorded_later(self, reports, cutoff):
        cache.clear()  # each example rolls back, and its ids come back in the next one
        with transaction.atomic():
            relationship, indicators = catalogue()
            for n, day, delay in reports:
                observation = observe(indicators[n], day, 2)
                Observation.history.filter(id=observation.pk).update(
                    history_date=observation.recorded_at + dt.timedelta(days=delay)
                )
                Observation.objects.filter(pk=observation.pk).update(
                    recorded_at=observation.recorded_at + dt.timedelta(days=delay)
                )
            as_of = START + dt.timedelta(days=cutoff)
            replay = index_series(relationship, as_of=as_of)
            moment = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
            Observation.objects.filter(recorded_at__gt=moment).delete()
            snapshots_refresh(relationship, end=as_of)
            assert replay == index_series(relationship)
            transaction.set_rollback(True)

    def test_as_known_now_equals_the_stored_series(self):
        relationship, indicators = catalogue()
        for n, day in [(0, 3), (1, 20), (2, 33), (3, 70)]:
            observe(indicators[n], day, 2)
        snapshots_refresh(relationship, end=END)
        stored = index_series(relationship)
        computed = index_series(relationship, as_of=END)
        assert computed == stored  # every field of every day, momentum and odds included


def test_minimum_grade_filters_evidence():
    relationship, indicators = catalogue()
    observe(indicators[0], 3, reliability="A", credibility=1)
    observe(indicators[1], 3, reliability="D", credibility=4)
    snapshots_refresh(relationship, end=END)
    everything = index_series(relationship)[-1]
    strict = index_series(relationship, min_grade=parse_min_grade("B2"))[-1]
    assert (everything.covered, strict.covered) == (2, 1)
    assert parse_min_grade("c") == ("C", 6)
    with pytest.raises(ValueError, match="minimum grade"):
        parse_min_grade("Z9")


def test_contributions_add_up_and_name_the_observations():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    drones = observe(indicators[0], 100, 4)
    friction = observe(indicators[1], 110, 3)
    snapshots_refresh(relationship, end=END)
    movement = contributions_between(relationship, dt.date(2024, 3, 1), END)
    assert sum(m.contribution for m in movement.moves) == pytest.approx(movement.change)
    by_indicator = {m.indicator.pk: m for m in movement.moves}
    event_move = by_indicator[indicators[0].pk]
    named = {share.observation.pk: share.contribution for share in event_move.observations}
    assert set(named) == {drones.pk}
    assert event_move.carryover + sum(named.values()) == pytest.approx(event_move.contribution)
    assert by_indicator[indicators[1].pk].contribution < 0  # friction lowers the index
    assert friction.pk in {s.observation.pk for s in by_indicator[indicators[1].pk].observations}


def test_verdict_and_stale_indicators():
    relationship, indicators = catalogue()
    observe(indicators[0], 0, 5)
    observe(indicators[3], 170, 2)
    snapshots_refresh(relationship, end=END)
    verdict = verdict_latest(relationship)
    assert verdict.date == END
    # By hand, method 1.0 (docs/methodology.md): the B2 event (g = 0.81) 181 days on with a
    # 30-day half-life; the unobserved divergence indicator (weight 2) reads as alliance,
    # the unobserved level as none; the stage is at the top of its ladder.
    event = 1 - math.exp(-5 * 0.81 * 2 ** (-181 / 30) / 4.0)
    expected = 100 * (1 * event + 2 * 1.0 + 1 * 0.0 + 1 * 1.0) / 5
    assert verdict.index == pytest.approx(expected, abs=1e-6)
    assert verdict.band == "s"  # 50 <= 60.3 < 75
    assert verdict.band_name == relationship.scenarios.get(slug="s").name
    assert verdict.indicators == 4
    stale = {s.indicator.pk: s.days_since for s in stale_indicators(relationship, today=END)}
    assert stale == {indicators[0].pk: 181, indicators[1].pk: None, indicators[2].pk: None}


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
