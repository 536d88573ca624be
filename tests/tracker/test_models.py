"""Model rules: database constraints for what a CHECK can hold, clean() for the rest."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory, StageFactory
from tracker.models import Indicator, Observation, Scenario

pytestmark = pytest.mark.django_db


def violates_constraint(queryset, **changes):
    """True if the database itself refuses the update (bypassing model validation)."""
    try:
        with transaction.atomic():
            queryset.update(**changes)
    except IntegrityError:
        return True
    return False


class TestObservationConstraints:
    @pytest.mark.parametrize(
        "changes",
        [
            {"reliability": "G"},
            {"reliability": ""},
            {"credibility": 0},
            {"credibility": 7},
            {"magnitude": None},  # none of magnitude/value/stage
            {"value": 3.0},  # two of them
            {"magnitude": 0},
            {"magnitude": -1},
            {"precision": "week"},
            {"status": "retracted"},  # retracted without a date
        ],
    )
    def test_database_refuses(self, changes):
        observation = ObservationFactory()
        assert violates_constraint(Observation.objects.filter(pk=observation.pk), **changes)

    def test_database_accepts_a_valid_row(self):
        observation = ObservationFactory()
        assert not violates_constraint(
            Observation.objects.filter(pk=observation.pk), reliability="F", credibility=6
        )

    def test_reference_is_unique_when_given(self):
        ObservationFactory(reference="tl-01")
        ObservationFactory(reference="")
        ObservationFactory(reference="")
        with pytest.raises(IntegrityError), transaction.atomic():
            ObservationFactory(reference="tl-01")


class TestObservationClean:
    def errors(self, observation):
        with pytest.raises(ValidationError) as caught:
            observation.full_clean()
        return caught.value.message_dict

    def test_event_takes_a_magnitude_only(self):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(), source=SourceFactory(), magnitude=None, value=3.0
        )
        errors = self.errors(observation)
        assert "enter its magnitude" in errors["magnitude"][0]
        assert "Only level indicators take a value" in errors["value"][0]

    def test_level_takes_a_value(self):
        indicator = IndicatorFactory(level=True)
        observation = ObservationFactory.build(
            indicator=indicator, source=SourceFactory(), value=None, magnitude=2.0
        )
        errors = self.errors(observation)
        assert set(errors) == {"value", "magnitude"}

    def test_stage_must_be_on_the_indicators_own_ladder(self):
        su35 = IndicatorFactory(stage=True, name="Su-35 deal")
        other_stage = StageFactory(name="Elsewhere")
        observation = ObservationFactory.build(
            indicator=su35, source=SourceFactory(), stage=other_stage
        )
        assert self.errors(observation)["stage"] == ["Choose a stage of the “Su-35 deal” ladder."]

    def test_stage_of_own_ladder_is_valid(self):
        su35 = IndicatorFactory(stage=True)
        observation = ObservationFactory.build(
            indicator=su35, source=SourceFactory(), stage=su35.stages.last()
        )
        observation.full_clean()

    @time_machine.travel(dt.datetime(2025, 3, 10, 23, 0, tzinfo=dt.UTC), tick=False)
    def test_no_date_in_the_future(self):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(),
            source=SourceFactory(),
            occurred_on=dt.date(2025, 3, 11),
            recorded_at=timezone.now(),
        )
        assert "future" in self.errors(observation)["occurred_on"][0]
        observation.occurred_on = dt.date(2025, 3, 10)
        observation.full_clean()

    def test_month_precision_is_the_first_of_the_month(self):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(),
            source=SourceFactory(),
            occurred_on=dt.date(2022, 7, 12),
            precision=Observation.Precision.MONTH,
        )
        assert "2022-07-01" in self.errors(observation)["occurred_on"][0]

    def test_year_precision_is_the_first_of_january(self):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(),
            source=SourceFactory(),
            occurred_on=dt.date(2023, 6, 1),
            precision=Observation.Precision.YEAR,
        )
        assert "2023-01-01" in self.errors(observation)["occurred_on"][0]

    @pytest.mark.parametrize("number", [float("nan"), float("inf")])
    def test_magnitude_is_finite(self, number):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(), source=SourceFactory(), magnitude=number
        )
        assert self.errors(observation)["magnitude"] == ["Enter a finite number."]

    def test_grades_are_admiralty(self):
        observation = ObservationFactory.build(
            indicator=IndicatorFactory(), source=SourceFactory(), reliability="Z", credibility=9
        )
        assert set(self.errors(observation)) >= {"reliability", "credibility"}

    def test_labels(self):
        observation = ObservationFactory.build(
            occurred_on=dt.date(2022, 7, 1), precision="month", reliability="C", credibility=3
        )
        assert observation.occurred_label == "Jul 2022"
        assert observation.grade == "C3"


class TestIndicatorRules:
    def test_event_needs_decay_and_saturation(self):
        indicator = IndicatorFactory.build(
            category=IndicatorFactory().category,
            relationship=IndicatorFactory().relationship,
            half_life_days=None,
        )
        with pytest.raises(ValidationError) as caught:
            indicator.full_clean()
        assert caught.value.message_dict["half_life_days"] == ["Required for event indicators."]

    def test_level_floor_below_ceiling(self):
        indicator = IndicatorFactory(level=True)
        indicator.ceiling = indicator.floor
        with pytest.raises(ValidationError) as caught:
            indicator.full_clean()
        assert "above the floor" in caught.value.message_dict["ceiling"][0]
        assert violates_constraint(Indicator.objects.filter(pk=indicator.pk), ceiling=-1)

    def test_kind_cannot_change_once_observed(self):
        observation = ObservationFactory()
        indicator = observation.indicator
        indicator.kind = Indicator.Kind.STAGE
        indicator.half_life_days = indicator.saturation = None
        with pytest.raises(ValidationError) as caught:
            indicator.full_clean()
        assert "already has observations" in caught.value.message_dict["kind"][0]

    @pytest.mark.parametrize(
        "changes", [{"polarity": 0}, {"weight": 0}, {"sigma": 0}, {"kind": "other"}]
    )
    def test_database_refuses(self, changes):
        indicator = IndicatorFactory()
        assert violates_constraint(Indicator.objects.filter(pk=indicator.pk), **changes)

    def test_stage_score_between_0_and_1(self):
        stage = StageFactory()
        assert violates_constraint(type(stage).objects.filter(pk=stage.pk), score=1.5)

    def test_scenario_band(self):
        scenario = Scenario.objects.create(
            relationship=IndicatorFactory().relationship, slug="x", name="X", lower=0, upper=25
        )
        assert violates_constraint(Scenario.objects.filter(pk=scenario.pk), upper=0)
        assert violates_constraint(Scenario.objects.filter(pk=scenario.pk), upper=101)


def test_no_observation_before_1900():
    observation = ObservationFactory.build(
        indicator=IndicatorFactory(), source=SourceFactory(), occurred_on=dt.date(1899, 12, 31)
    )
    with pytest.raises(ValidationError) as refused:
        observation.full_clean()
    assert "cannot be before 1 January 1900" in str(refused.value.message_dict["occurred_on"])
