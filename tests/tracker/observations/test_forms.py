"""The observation form (admin and dashboard): one ladder's stages, the source's grade, its
dates and choices read and refused as the import reads and refuses them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import IndicatorFactory, SourceFactory
from tracker.dates import day_parse
from tracker.forms_dates import DayField
from tracker.models import Observation
from tracker.observations.forms import ObservationForm
from tracker.observations.resources import DayWidget

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


def entry(indicator, source, **overrides):
    return {
        "indicator": indicator.pk,
        "occurred_on": "2026-11-01",
        "precision": "day",
        "magnitude": "2",
        "summary": "Reported.",
        "source": source.pk,
        "reliability": "",
        "credibility": "3",
    } | overrides


def test_the_date_is_a_text_box_in_iso_with_its_format_beside_it():
    """Not <input type=date>, whose display follows the browser's locale (09/02/2026)."""
    observation = Observation(occurred_on=dt.date(2024, 9, 11))
    form = ObservationForm(instance=observation)
    html = str(form["occurred_on"])
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'value="2024-09-11"' in html  # never 11/09/2024, whatever the locale
    for attribute in (
        'inputmode="numeric"',
        'placeholder="YYYY-MM-DD"',
        'autocomplete="off"',
        'pattern="',
        'aria-describedby="id_occurred_on_helptext"',
    ):
        assert attribute in html
    assert form["occurred_on"].help_text.startswith("YYYY-MM-DD, e.g. 2026-11-29. When it")


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("2026-11-20", dt.date(2026, 11, 20)),
        ("20 Nov 2026", dt.date(2026, 11, 20)),
        ("20261120", dt.date(2026, 11, 20)),
        ("20/11/2026", None),  # the locale's form, once read here and refused by the import
        ("11/09/2024", None),
    ],
)
def test_the_form_reads_dates_as_the_import_does(text, read):
    indicator, source = IndicatorFactory(), SourceFactory()
    form = ObservationForm(entry(indicator, source, occurred_on=text), instance=Observation())
    assert form.is_valid() == (read is not None), form.errors
    if read is None:
        assert form.errors["occurred_on"] == [day_message(text)]
    else:
        assert form.cleaned_data["occurred_on"] == read


def day_message(text):
    try:
        day_parse(text)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{text} was read")


@given(st.text(max_size=20) | st.dates().map(lambda d: f"{d:%d/%m/%Y}"))
def test_the_form_field_and_the_import_cell_give_the_same_day_or_the_same_error(text):
    """One reader: whatever is typed, the form's date field and the import's date cell read
    the same day, or refuse it in the same words."""
    try:
        in_form = ("day", DayField().clean(text))
    except ValidationError as error:
        in_form = ("error", error.messages)
    try:
        in_file = ("day", DayWidget().clean(text.strip() or None))
    except ValueError as error:
        in_file = ("error", [str(error)])
    if in_form == ("error", ["This field is required."]):  # an empty box
        assert in_file == ("day", None)
    else:
        assert in_form == in_file


def test_a_bad_choice_lists_the_valid_values_in_the_words_of_the_import():
    indicator, source = IndicatorFactory(), SourceFactory()
    data = entry(indicator, source, reliability="Z", credibility="9", precision="week")
    errors = ObservationForm(data, instance=Observation()).errors
    assert errors["reliability"] == ["Value 'Z' is not a valid choice; valid: A, B, C, D, E, F."]
    assert errors["credibility"] == ["Value '9' is not a valid choice; valid: 1, 2, 3, 4, 5, 6."]
    assert errors["precision"] == ["Value 'week' is not a valid choice; valid: day, month, year."]


def test_a_number_that_cannot_be_read_is_one_error_not_two():
    indicator, source = IndicatorFactory(), SourceFactory()
    errors = ObservationForm(entry(indicator, source, magnitude="x"), instance=Observation()).errors
    assert errors["magnitude"] == ["Enter a number."]  # not also "enter its magnitude"
