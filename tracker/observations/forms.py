"""Forms for recording observations: the admin and the dashboard's inline form share them, so
both validate the same way and say the same things; the import (resources.py) reads its
dates with the same reader and words its choice errors with `invalid_choice`."""

from django import forms
from django.db import models

from tracker.forms_dates import DayField, DayInput
from tracker.models import Indicator, Observation, Stage

CHOICE_FIELDS = ("precision", "reliability", "credibility", "caveat")


def invalid_choice(name: str) -> str:
    """The error for a value that is not one of the Observation field `name`'s choices, with
    the valid ones listed (%(value)s for the value given, as Django's messages take it)."""
    field = Observation._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column of the model, not a relation
    valid = [str(value) for value, _ in field.choices or () if value != ""]
    listed = ", ".join(valid) + (", or empty" if field.blank else "")
    return f"Value '%(value)s' is not a valid choice; valid: {listed}."


class StageSelect(forms.Select):
    """Stage options carry their indicator, so the form can offer only its ladder."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-indicator"] = str(instance.indicator_id)
        return option


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.indicator.name}: {obj.name} ({obj.score:g})"


class ObservationForm(forms.ModelForm):
    class Meta:
        model = Observation
        fields: tuple[str, ...] = Observation.ENTRY_FIELDS
        field_classes = {"stage": StageChoiceField, "occurred_on": DayField}
        widgets = {
            "occurred_on": DayInput,
            "stage": StageSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "quote": forms.Textarea(attrs={"rows": 2}),
        }

    # The indicator whose ladder the stage list offers (None: every ladder); a form class
    # may be made for one indicator (the admin does), or an instance given one.
    indicator: Indicator | None = None

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        indicator = indicator or self.indicator
        if "stage" not in self.fields:  # a read-only view
            return
        for name in CHOICE_FIELDS:
            if name in self.fields:
                self.fields[name].error_messages["invalid_choice"] = invalid_choice(name)
        stages = Stage.objects.select_related("indicator").order_by("indicator__name", "order")
        if indicator is not None:
            stages = stages.filter(indicator=indicator)
        stage = self.fields["stage"]
        assert isinstance(stage, forms.ModelChoiceField)  # the model's foreign key
        stage.queryset = stages
        self.fields["reliability"].required = False
        self.fields["reliability"].help_text = (
            "Admiralty grade of the originator (who asserted the claim) for this report; "
            "empty: the originator's usual grade."
        )

    def full_clean(self):
        super().full_clean()
        # A field whose input could not be read keeps that error alone: the model's checks
        # of the empty value left in its place would only repeat them (as in the import).
        for name, count in getattr(self, "_unread", {}).items():
            if name in self.errors:
                del self.errors[name][count:]

    def clean(self):
        # The fields' own errors, counted before the model's checks add theirs.
        self._unread = {n: len(errors) for n, errors in self.errors.items() if n in self.fields}
        cleaned = super().clean() or {}
        if not cleaned.get("reliability"):
            # Graded on who said it: the originator's usual grade, or, with none named, the
            # publisher's, which is then taken as its own originator.
            graded = cleaned.get("originator") or cleaned.get("source")
            if graded is not None:
                cleaned["reliability"] = graded.default_reliability
        return cleaned
