"""The dashboard's forms: the indicator page's inline observation form (the admin's, for one
indicator), and the forecasts' question and analyst-forecast forms."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tracker.clock import today_utc
from tracker.forms_dates import DayField
from tracker.models import AnalystForecast, Indicator, Question
from tracker.observations.forms import ObservationForm


class InlineObservationForm(ObservationForm):
    """The indicator is the page's own, and only the measure its kind takes is asked for."""

    class Meta(ObservationForm.Meta):
        fields = tuple(f for f in ObservationForm.Meta.fields if f != "indicator")

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, indicator=indicator, **kwargs)
        for kind, field in Indicator.MEASURE_FIELD.items():
            if kind != indicator.kind:
                del self.fields[field]


# A reason heads its history entry ("Corrected: …", "Reinstated: …"), which holds 100
# characters (django-simple-history's field): the form asks for no more than fits.
REASON_LENGTH = 100 - len("Reinstated: ")


class CorrectionForm(InlineObservationForm):
    """A correction says why: the reason heads its entry in the observation's history."""

    reason = forms.CharField(
        max_length=REASON_LENGTH,
        help_text='Why the observation changes (e.g. "the source gave the wrong date").',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["reason"])  # asked first, where the form opens
        self.fields["reason"].widget.attrs["autofocus"] = True


class ReasonForm(forms.Form):
    """Why an observation is retracted or reinstated: kept in its history."""

    reason = forms.CharField(
        max_length=REASON_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True}),
        help_text="Kept in the observation's history, for anyone who reads it.",
    )


class AnalystForecastForm(forms.ModelForm):
    """An analyst's dated probability for a question, with a short rationale."""

    class Meta:
        model = AnalystForecast
        fields = ("probability", "rationale")
        widgets = {"probability": forms.NumberInput(attrs={"min": 0, "max": 1, "step": 0.01})}
        help_texts = {"probability": "From 0 to 1 (0.7 means 70%)."}

    def _update_errors(self, errors):
        # The model checks what the form does not ask (the question, the day it is made);
        # its errors on those are the form's own, not a crash naming a field it lacks.
        # (BaseModelForm._update_errors is the hook ModelForm gives the model's errors to;
        # django-stubs does not declare it.)
        if hasattr(errors, "error_dict"):
            for name in [n for n in errors.error_dict if n != NON_FIELD_ERRORS]:
                if name not in self.fields:
                    errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                        errors.error_dict.pop(name)
                    )
        super()._update_errors(errors)  # type: ignore[misc]


class QuestionForm(forms.ModelForm):
    """A question as an analyst writes it: wording, window and rule (Question.clean checks
    that the rule has what it needs)."""

    class Meta:
        model = Question
        fields = ("slug", *Question.ASKS, *Question.RULE_FIELDS, "alert_move")
        field_classes = {"opens": DayField, "closes": DayField}
        widgets = {"criteria": forms.Textarea(attrs={"rows": 3})}

    def clean_opens(self):
        return question_opens_from_today(self.cleaned_data["opens"])


def question_opens_from_today(opens):
    """A question written by hand opens today or later: one asked about a past window, whose
    answer the evidence may already hold, would be scored as if forecast blind. Backtests
    come only from the reviewed files (fixtures/<relationship>/questions.toml), written
    before scoring."""
    if opens and opens < today_utc():
        raise forms.ValidationError("A new question opens today or later.")
    return opens


def show_refusal(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal shown on `form`: beside its field when the form asks for it, else
    above the fields (an error on a field the form lacks would make Django raise)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)
