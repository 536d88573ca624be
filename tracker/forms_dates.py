"""The one date input of every form: a text box that takes YYYY-MM-DD (tracker.dates), says
so beside it, and shows a stored date the same way.

Not `<input type=date>`: a browser shows that box in its own locale's order (09/02/2026 in
an American browser, 02/09/2026 in a British one), whatever the page says, which is the
very confusion an analyst comparing dates across sources cannot afford; it also takes no
pasted "29 Nov 2026" from a report, and submits a half-typed date as nothing at all, so the
error says "required" instead of what is wrong. A text box shows exactly what is sent;
`inputmode=numeric` brings up the digits on a phone (whose keypad may lack "-": 20261129
is read too), the pattern marks a malformed date while it is typed, and autocomplete is off
(a remembered date is the wrong one).

Reuse: `DayField()` in a form (or `field_classes = {"occurred_on": DayField}` and
`widgets = {"occurred_on": DayInput}` in a ModelForm's Meta, which keeps the model field's
label and help text); for a plain `<input>` in a template, `DayInput().attrs` are its
attributes, and `tracker.dates.day_parse` reads what it sends.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from tracker.dates import HINT, PATTERN, day_parse

ISO = "%Y-%m-%d"


class DayInput(forms.DateInput):
    """A text box for one day, shown as YYYY-MM-DD."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "inputmode": "numeric",
            "pattern": PATTERN,
            "placeholder": "YYYY-MM-DD",
            "title": HINT,  # what the browser says when the pattern is not met
            "autocomplete": "off",
            "spellcheck": "false",
            "size": 12,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=ISO)


class DayField(forms.DateField):
    """A day written as YYYY-MM-DD (or another way that cannot mean two days), read by
    `tracker.dates.day_parse`, with the format in its help text and in its error."""

    widget = DayInput

    def __init__(self, *, help_text="", **kwargs):
        kwargs.pop("input_formats", None)  # one reader, not the locale's list
        help_text = f"{HINT}. {help_text}" if help_text else HINT
        super().__init__(help_text=help_text, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()  # a box of spaces is an empty box, as an import's cell is
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return day_parse(str(value))
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
