"""CSV import and export of observations (django-import-export).

One format serves the admin's import (with its dry-run preview) and the demo datasets
(`fixtures/<relationship>/observations.csv`, loaded by `loaddemo`). Every row goes through the
model's `full_clean()`; a file with any bad row is rolled back whole and each bad row is reported
with the field it got wrong, in the words of the observation form: dates are read by the
forms' reader (tracker.dates.day_parse) and a bad choice lists the valid ones. Rows with a
`reference` are matched on it, so importing the same file twice changes nothing, and a
changed row becomes a correction with history.
"""

import re
from collections.abc import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from import_export import fields, resources, widgets

from tracker.dates import day_parse
from tracker.models import (
    Citation,
    Indicator,
    Observation,
    Originator,
    SharedEvent,
    Source,
    Stage,
)
from tracker.observations.forms import CHOICE_FIELDS, invalid_choice
from tracker.observations.services import observation_save
from tracker.series.schedule import snapshots_schedule


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural key, with a message that names what was not found."""

    def __init__(self, model, field, label):
        super().__init__(model, field=field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"There is no {self.label} “{value}”.") from None


class StageWidget(LookupWidget):
    """A stage by its name, looked up on the row's own indicator's ladder."""

    def __init__(self):
        super().__init__(Stage, field="name", label="stage")

    def get_queryset(self, value, row, *args, **kwargs):
        return Stage.objects.filter(indicator__slug=(row or {}).get("indicator", ""))

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            indicator = (row or {}).get("indicator", "")
            names = Stage.objects.filter(indicator__slug=indicator).values_list("name", flat=True)
            if not names:
                raise
            raise ValueError(
                f"“{value}” is not a stage of “{indicator}”; choose one of: {', '.join(names)}."
            ) from None


class PlainMessage(widgets.Widget):
    """A widget whose parse errors say, in plain words, what the cell should have been."""

    expected = ""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            raise ValueError(f"“{value}” is not {self.expected}.") from None


class NumberWidget(PlainMessage, widgets.FloatWidget):
    expected = "a number"


class WholeNumberWidget(PlainMessage, widgets.IntegerWidget):
    expected = "a whole number"


class DayWidget(widgets.DateWidget):
    """A day read as the forms read it (tracker.dates.day_parse), with the same message."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")  # how an export writes it

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        return day_parse(str(value))  # its ValueError's message is the cell's error


ALSO = "also_published_by"
CITED = re.compile(r"(?P<name>[^<>]+?)\s*(?:<(?P<url>[^<>]*)>)?")


def cited(cell: str) -> list[tuple[Source, str]]:
    """The publishers a cell names, each with its URL if given; an unknown one is an error."""
    found = []
    for part in filter(None, (p.strip() for p in (cell or "").split(";"))):
        match = CITED.fullmatch(part)
        if match is None:
            raise ValidationError(
                {ALSO: f"Write each publisher as Name <https://…>, not “{part}”."}
            )
        source = Source.objects.filter(name=match["name"]).first()
        if source is None:
            raise ValidationError({ALSO: f"There is no source named “{match['name']}”."})
        place = (source, (match["url"] or "").strip())
        if place not in found:  # named twice in one cell: one citation
            found.append(place)
    return found


class ObservationResource(resources.ModelResource):
    """Observations as analysts import them; recorded_at and analyst are set on import."""

    indicator = fields.Field(
        attribute="indicator",
        column_name="indicator",
        widget=LookupWidget(Indicator, field="slug", label="indicator with the slug"),
    )
    occurred_on = fields.Field(
        attribute="occurred_on", column_name="occurred_on", widget=DayWidget()
    )
    magnitude = fields.Field(attribute="magnitude", column_name="magnitude", widget=NumberWidget())
    value = fields.Field(attribute="value", column_name="value", widget=NumberWidget())
    stage = fields.Field(attribute="stage", column_name="stage", widget=StageWidget())
    source = fields.Field(
        attribute="source",
        column_name="source",
        widget=LookupWidget(Source, field="name", label="source named"),
    )
    credibility = fields.Field(
        attribute="credibility", column_name="credibility", widget=WholeNumberWidget()
    )
    originator = fields.Field(
        attribute="originator",
        column_name="originator",
        widget=LookupWidget(Originator, field="name", label="originator named"),
    )
    # Further publishers of the same claim: "Name <https://…>; Name" (citations, kept apart).
    also_published_by = fields.Field(column_name=ALSO)
    # The event this report shares with other relationships (fixtures/shared_events.toml).
    shared_event = fields.Field(
        attribute="shared_event",
        column_name="shared_event",
        widget=LookupWidget(SharedEvent, field="slug", label="shared event with the slug"),
    )

    REQUIRED_COLUMNS: tuple[str, ...] = (
        "indicator",
        "occurred_on",
        "summary",
        "source",
        "credibility",
    )

    progress: Callable[[int], None] | None = None  # told each row's number as it is read

    class Meta:
        model = Observation
        fields: tuple[str, ...] = ("reference", *Observation.ENTRY_FIELDS, ALSO, "shared_event")
        import_id_fields = ("reference",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def _touch(self, indicator_id, day):
        self.touched[indicator_id] = min(day, self.touched.get(indicator_id, day))

    def after_import(self, dataset, result, **kwargs):
        if self.touched and not kwargs.get("dry_run"):
            # One refresh for the whole file, once it commits (nothing if it rolls back).
            snapshots_schedule(indicator_ids=self.touched, since=min(self.touched.values()))
        super().after_import(dataset, result, **kwargs)

    def _check_columns(self, dataset):
        """Refuse a file whose columns are missing or misspelt, before any row."""
        headers = [h.strip() for h in (dataset.headers or [])]
        allowed = set(self.get_import_column_names())
        missing = [c for c in self.REQUIRED_COLUMNS if c not in headers]
        unknown = [h for h in headers if h not in allowed]
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(
                f"unknown column(s): {', '.join(unknown)} "
                f"(the columns are: {', '.join(sorted(allowed))})"
            )
        if problems:
            raise ValidationError(f"The file cannot be imported: {'; '.join(problems)}.")

    def get_import_column_names(self):
        return [field.column_name for field in self.get_import_fields()]

    def get_instance(self, instance_loader, row):
        # Rows without a reference are always new observations.
        if not (row.get("reference") or "").strip():
            return None
        return super().get_instance(instance_loader, row)

    def before_import_row(self, row, **kwargs):
        for key, cell in row.items():
            if isinstance(cell, str):
                row[key] = cell.strip()
        if not row.get("precision"):
            row["precision"] = Observation.Precision.DAY
        if not row.get("reliability"):
            # The originator's usual grade (else the publisher's), as in the admin form.
            said = Originator.objects.filter(name=row.get("originator") or "").first()
            relay = Source.objects.filter(name=row.get("source", "")).first()
            graded = said or relay
            row["reliability"] = graded.default_reliability if graded else ""
        self._refuse_repeats(row, kwargs.get("row_number"))
        row[ALSO] = cited(row.get(ALSO, ""))
        if self.progress is not None:
            self.progress(kwargs.get("row_number") or 0)

    def _refuse_repeats(self, row, number):
        """A row that repeats an earlier row of the file (the same reference, or the same
        report without one) would record one report twice: refused, naming both rows."""
        reference = row.get("reference", "")
        key = (
            ("reference", reference)
            if reference
            else tuple((name, str(row.get(name, ""))) for name in Observation.ENTRY_FIELDS)
        )
        first = self.seen_rows.setdefault(key, number)
        if first != number:
            what = f"the reference “{reference}”" if reference else "the same report"
            raise ValidationError(
                {
                    "reference" if reference else "__all__": f"Row {number} repeats row {first}: "
                    f"{what} can be imported once."
                }  # fmt: skip
            )

    # Faults of the job, not of a row: django-import-export would record them as a bad row
    # and read on (past the job's time limit, or with a lost database), so they stop it.
    JOB_FAULTS = (OperationalError, InterfaceError, SoftTimeLimitExceeded, MemoryError)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        for error in result.errors:
            if isinstance(error.error, self.JOB_FAULTS):
                raise error.error
        return result

    def import_instance(self, instance, row, **kwargs):
        if instance.pk and instance.is_retracted:
            raise ValidationError(
                {"reference": "This observation is retracted; reinstate it before correcting."}
            )
        named = instance.originator_id
        super().import_instance(instance, row, **kwargs)
        if instance.pk and instance.originator_id is None:
            # A correction with the cell left empty keeps who said it: it is not silently
            # moved to the publisher's own reporting (name the publisher's to do that).
            instance.originator_id = named

    def before_import(self, dataset, **kwargs):
        self.touched = {}  # indicator id -> earliest date a row changes
        self.seen_rows = {}  # a row's identity -> the number of the first row that had it
        self._check_columns(dataset)
        if "reference" not in (dataset.headers or []):
            # An optional column (rows without one are always new), but the key rows are
            # matched on: a file without it is a file whose rows have none.
            dataset.append_col([""] * dataset.height, header="reference")

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is not None:
            saved = Observation.objects.values("indicator_id", "occurred_on").get(pk=instance.pk)
            self._touch(saved["indicator_id"], saved["occurred_on"])
        self._touch(instance.indicator_id, instance.occurred_on)
        user = kwargs.get("user")
        self.user = user if user is not None and not user.is_anonymous else None
        if instance.pk is None:
            instance.analyst = self.user
            if "recorded_at" not in row:
                instance.recorded_at = timezone.now()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's checks, with a choice's error listing the valid values, in the words
        the forms use (tracker.observations.forms.invalid_choice)."""
        # Copied first: the model's errors are added to these very lists.
        unread = {name: list(e) for name, e in (import_validation_errors or {}).items()}
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            for name, errors in unread.items():
                # A cell that could not be read is its own error; the model's checks of the
                # empty value left in its place ("enter its magnitude") would only repeat it.
                error.error_dict[name] = ValidationError(errors).error_list
            for name in CHOICE_FIELDS:
                error.error_dict[name] = [
                    ValidationError(invalid_choice(name), code=e.code, params=e.params)
                    if getattr(e, "code", None) == "invalid_choice"
                    else e
                    for e in error.error_dict.get(name, [])
                ]
                if not error.error_dict[name]:
                    del error.error_dict[name]
            raise

    def dehydrate_also_published_by(self, observation):
        return "; ".join(
            f"{c.source.name} <{c.url}>" if c.url else c.source.name
            for c in observation.citations.select_related("source")
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A row that only adds a further publisher is not unchanged.
        if any(not self._has_citation(original, *c) for c in row.get(ALSO) or ()):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    @staticmethod
    def _has_citation(observation, source, url):
        if observation is None or observation.pk is None:
            return False
        return observation.citations.filter(source=source, url=url).exists()

    def after_save_instance(self, instance, row, **kwargs):
        for source, url in row.get(ALSO) or ():
            citation = Citation(observation=instance, source=source, url=url)
            if not self._has_citation(instance, source, url):
                citation.full_clean()
                citation._change_reason = "Imported"
                citation.save()
        super().after_save_instance(instance, row, **kwargs)

    def do_instance_save(self, instance, is_create):
        reason = "Imported" if is_create else "Corrected by import"
        observation_save(instance, by=self.user, reason=reason, force_insert=is_create)


class DemoObservationResource(ObservationResource):
    """The demo dataset also carries recorded_at: the day its source published each report."""

    recorded_at = fields.Field(
        attribute="recorded_at",
        column_name="recorded_at",
        widget=widgets.DateTimeWidget(format="%Y-%m-%dT%H:%M:%SZ"),
    )

    REQUIRED_COLUMNS = (*ObservationResource.REQUIRED_COLUMNS, "reference", "recorded_at")

    class Meta(ObservationResource.Meta):
        fields = (*ObservationResource.Meta.fields, "recorded_at")


def import_errors(result) -> list[str]:
    """Every problem of an import result, one line each, naming the row and the field."""
    lines = [f"File: {' '.join(_messages(error.error))}" for error in result.base_errors]
    if lines:
        return lines  # the rows of a file that cannot be read say nothing more
    for number, errors in result.row_errors():
        lines.extend(f"Row {number}: {error.error}" for error in errors)
    for row in result.invalid_rows:
        for field_name, messages in row.error_dict.items():
            where = "" if field_name == "__all__" else f" {field_name}:"
            lines.extend(f"Row {row.number}:{where} {message}" for message in messages)
    return lines


PREVIEW_ROWS = 500  # rows shown whatever they are; after them, only the bad ones
PREVIEW_BAD_ROWS = 1000  # bad rows shown in all (the rest are counted in the errors)


def row_previews(headers, dataset, result) -> list[dict]:
    """Each row as checked, for the import's page: its number (from the first row under the
    header), outcome ("new", "update", "skip", or "bad"), its cells as
    [column, text, [problems]] in the file's column order, and the problems of no one
    column. The first PREVIEW_ROWS rows, then only the bad ones (up to PREVIEW_BAD_ROWS)."""
    if result.base_errors:
        return []  # the file cannot be read: there are no rows to show
    by_field: dict[int, dict[str, list[str]]] = {}
    for row in result.invalid_rows:
        by_field[row.number] = {name: list(messages) for name, messages in row.error_dict.items()}
    failures = {number: [str(e.error) for e in errors] for number, errors in result.row_errors()}
    previews, bad = [], 0
    for number, (values, outcome) in enumerate(zip(dataset, result.rows, strict=False), start=1):
        problems = by_field.get(number, {})
        is_bad = bool(problems or number in failures)
        bad += is_bad
        if (number > PREVIEW_ROWS and not is_bad) or (is_bad and bad > PREVIEW_BAD_ROWS):
            continue
        cells = dict(zip(dataset.headers, values, strict=False))
        previews.append(
            {
                "number": number,
                "outcome": "bad" if is_bad else outcome.import_type,
                "cells": [
                    [column, str(cells.get(column) or ""), problems.get(column, [])]
                    for column in headers
                ],
                "problems": [
                    *failures.get(number, []),
                    *(
                        message if name == "__all__" else f"{name}: {message}"
                        for name, messages in problems.items()
                        if name not in headers
                        for message in messages
                    ),
                ],
            }
        )
    return previews


def _messages(error: Exception) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def observations_import(dataset, *, resource=None, user=None, dry_run=False, progress=None):
    """Import a tablib dataset all or nothing; returns the result and its error lines.
    `progress`, if given, is called with the number of each row as it is read."""
    resource = resource or ObservationResource()
    resource.progress = progress
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        user=user,
    )
    return result, import_errors(result)
