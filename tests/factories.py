"""Test data: factories for the domain, with the measure each indicator kind takes."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from tracker.models import (
    Category,
    Indicator,
    Observation,
    Relationship,
    Scenario,
    Source,
    Stage,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship
        django_get_or_create = ("slug",)

    slug = "russia-iran"
    title = "Russia–Iran military relationship"
    actor_a = "Russia"
    actor_b = "Iran"
    question = "Strategic convenience or alliance?"


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    relationship = factory.SubFactory(RelationshipFactory)
    slug = factory.Sequence(lambda n: f"scenario-{n}")
    name = factory.Sequence(lambda n: f"Scenario {n}")
    lower = 25
    upper = 50


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    order = factory.Sequence(int)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """An event indicator; use the `level` or `stage` traits for the other kinds."""

    class Meta:
        model = Indicator
        skip_postgeneration_save = True

    relationship = factory.SubFactory(RelationshipFactory)
    category = factory.SubFactory(CategoryFactory)
    slug = factory.Sequence(lambda n: f"indicator-{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    seed_paragraph = 4
    seed_quote = "joint manufacturing facilities are being established inside Russia"
    kind = Indicator.Kind.EVENT
    polarity = 1
    weight = 1.0
    half_life_days = 365.0
    saturation = 4.0
    cadence_days = 180

    class Params:
        level = factory.Trait(
            kind=Indicator.Kind.LEVEL,
            half_life_days=None,
            saturation=None,
            floor=0.0,
            ceiling=100.0,
        )
        stage = factory.Trait(
            kind=Indicator.Kind.STAGE,
            half_life_days=None,
            saturation=None,
            ladder=factory.RelatedFactoryList(
                "tests.factories.StageFactory",
                factory_related_name="indicator",
                size=3,
                order=factory.Iterator([0, 1, 2]),
                name=factory.Iterator(["Reported interest", "Contract", "Delivered"]),
                score=factory.Iterator([0.2, 0.6, 1.0]),
            ),
        )


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    indicator = factory.SubFactory(IndicatorFactory, stage=True, ladder=None)
    order = factory.Sequence(int)
    name = factory.Sequence(lambda n: f"Stage {n}")
    score = 0.5


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = Source.Kind.NEWS
    homepage = "https://example.org/"
    default_reliability = "B"


def _measure(observation, kind):
    """The measure the indicator's kind takes: magnitude, value or a stage of its ladder."""
    if observation.indicator.kind != kind:
        return None
    if kind == Indicator.Kind.STAGE:
        return observation.indicator.stages.order_by("order").first()
    return 2.0 if kind == Indicator.Kind.EVENT else 50.0


class ObservationFactory(factory.django.DjangoModelFactory):
    """Dated from the clock, which the suite freezes (tests/clock.py): ten days before it."""

    class Meta:
        model = Observation

    indicator = factory.SubFactory(IndicatorFactory)
    occurred_on = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=10))
    precision = Observation.Precision.DAY
    recorded_at = factory.LazyFunction(timezone.now)
    magnitude = factory.LazyAttribute(lambda o: _measure(o, Indicator.Kind.EVENT))
    value = factory.LazyAttribute(lambda o: _measure(o, Indicator.Kind.LEVEL))
    stage = factory.LazyAttribute(lambda o: _measure(o, Indicator.Kind.STAGE))
    summary = "Something happened."
    source = factory.SubFactory(SourceFactory)
    url = "https://example.org/report"
    reliability = "B"
    credibility = 2
