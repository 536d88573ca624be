"""The observation form (admin and dashboard): one ladder's stages, the source's grade."""

import pytest

from tests.factories import IndicatorFactory, SourceFactory
from tracker.models import Observation
from tracker.observations.forms import ObservationForm

pytestmark = pytest.mark.django_db


def test_the_stage_list_offers_one_indicators_ladder_or_every_ladder():
    su35, treaty = IndicatorFactory(stage=True), IndicatorFactory(stage=True)
    everything = ObservationForm(instance=Observation())
    assert set(everything.fields["stage"].queryset) == {*su35.stages.all(), *treaty.stages.all()}
    one = ObservationForm(instance=Observation(), indicator=su35)
    assert set(one.fields["stage"].queryset) == set(su35.stages.all())
    # A form class made for one indicator, as the admin makes it.
    bound = type(ObservationForm)("ForSu35", (ObservationForm,), {"indicator": treaty})
    assert set(bound(instance=Observation()).fields["stage"].queryset) == set(treaty.stages.all())


def test_an_empty_reliability_takes_the_sources_default_grade():
    indicator = IndicatorFactory()
    source = SourceFactory(default_reliability="D")
    form = ObservationForm(
        {
            "indicator": indicator.pk,
            "occurred_on": "2026-11-01",
            "precision": "day",
            "magnitude": "2",
            "summary": "Reported.",
            "source": source.pk,
            "reliability": "",
            "credibility": "3",
        },
        instance=Observation(),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reliability"] == "D"
