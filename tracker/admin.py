"""The analyst's workbench: observations with history, retraction and CSV import.

Nothing here deletes: observations are retracted (with a reason, kept in history), and the
catalogue is protected by `on_delete=PROTECT` and by removing the delete permission.
"""

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV
from simple_history.admin import SimpleHistoryAdmin

from tracker.clock import today_utc
from tracker.forms_dates import DayField, DayInput
from tracker.models import (
    Alert,
    AnalystForecast,
    Category,
    Citation,
    Family,
    Indicator,
    Observation,
    ObservationImport,
    Originator,
    Question,
    QuestionForecast,
    Relationship,
    Scenario,
    SharedEvent,
    Signal,
    Source,
    Stage,
    Tripwire,
)
from tracker.observations import imports, services
from tracker.observations import resources as observation_resources
from tracker.observations.forms import ObservationForm
from tracker.observations.resources import ObservationResource
from tracker.parsing import whole_number
from tracker.series.schedule import catalogue_changed
from tracker.spreadsheets import spreadsheet_safe

ROW_ERROR = re.compile(r"Row ([0-9]+)\b")  # how a row's error begins (resources.py)


class SafeCSV(CSV):
    """The admin's CSV export, with every cell safe to open in a spreadsheet."""

    def export_data(self, dataset, **kwargs):
        for row in range(dataset.height):
            dataset[row] = tuple(spreadsheet_safe(cell) for cell in dataset[row])
        return super().export_data(dataset, **kwargs)


admin.site.site_header = "Entente — analyst workbench"
admin.site.site_title = "Entente"
admin.site.index_title = "Indicators, observations and sources"
admin.site.enable_nav_sidebar = False  # the observation list needs the width


class NoDeleteMixin:
    """Entente never hard-deletes: retract observations, keep the catalogue's history."""

    def has_delete_permission(self, request, obj=None):
        return False


class ChangelistGuard(admin.ModelAdmin):
    """Django's admin answers a bad filter by showing the list with "?e=1"; a year such as
    99999999999999999999 in the date drill-down instead overflows while the page renders.
    It is answered the same way, not with a 500."""

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()  # the overflow happens while the page renders
        except (OverflowError, ValueError):
            return HttpResponseRedirect(f"{request.path}?e=1")
        return response


class DayInputs:
    """Dates typed as everywhere else in Entente (tracker.forms_dates): YYYY-MM-DD, with the
    format beside the box, instead of the admin's calendar widget in the locale's order."""

    formfield_overrides: ClassVar[Mapping[type[models.Field], Mapping[str, Any]]] = {
        models.DateField: {"form_class": DayField, "widget": DayInput}
    }


class HistoryAdmin(SimpleHistoryAdmin):
    """History as an audit trail only. django-simple-history's "revert" form saves whatever
    is posted to it, to anyone who may view the row, around the services (it could reinstate
    a retracted observation and erase why); so its pages are read-only: a wrong row is
    corrected, retracted or reinstated through the services, with a reason."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("History is read-only: correct the row itself instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyMixin:
    """Rows the jobs write: searched and audited here, never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text=f"A CSV file in UTF-8, up to {imports.MAX_MEGABYTES} MB. It is checked first; "
        "nothing is imported until you confirm."
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in each observation's history.",
    )


class CitationInline(admin.TabularInline):
    """Further publishers of the observation's claim: places to read it, not more evidence."""

    model = Citation
    extra = 0
    fields = ("source", "url", "quote")
    autocomplete_fields = ("source",)
    can_delete = False
    verbose_name = "further publisher"
    verbose_name_plural = "also published by (one line of evidence: the originator's)"


@admin.register(Observation)
class ObservationAdmin(ChangelistGuard, NoDeleteMixin, ImportExportMixin, HistoryAdmin):
    form = ObservationForm
    resource_classes = [ObservationResource]
    formats = [SafeCSV]
    list_display = (
        "occurred",
        "indicator",
        "short_summary",
        "originator",
        "source",
        "grade",
        "measure",
        "status",
    )
    list_select_related = ("indicator", "source", "originator", "stage", "analyst")
    list_filter = (
        "status",
        "indicator__relationship",
        "indicator__family",
        "indicator__category",
        "shared_event",
        "indicator",
        "reliability",
        "credibility",
        "caveat",
        "precision",
        ("occurred_on", admin.DateFieldListFilter),
    )
    search_fields = (
        *("summary", "quote", "url", "source__name", "originator__name"),
        *("indicator__name", "reference"),
    )
    date_hierarchy = "occurred_on"
    autocomplete_fields = ("indicator", "source", "originator", "shared_event")
    inlines = (CitationInline,)
    readonly_fields = (
        "recorded_at",
        "analyst",
        "status",
        "retracted_at",
        "retraction_reason",
        "reference",
    )
    fieldsets = (
        (None, {"fields": ("indicator", "occurred_on", "precision")}),
        (
            "Measure (the one the indicator's kind takes)",
            {"fields": ("magnitude", "value", "stage")},
        ),
        ("Evidence", {"fields": ("summary", "source", "url", "quote")}),
        ("Who said it", {"fields": ("originator", "caveat")}),
        ("Shared with other relationships", {"fields": ("shared_event",)}),
        (
            "Admiralty grade (reliability of the originator)",
            {"fields": ("reliability", "credibility")},
        ),
        (
            "Provenance",
            {
                "fields": (
                    "recorded_at",
                    "analyst",
                    "reference",
                    "status",
                    "retracted_at",
                    "retraction_reason",
                )
            },
        ),
    )
    actions = ("retract_selected", "reinstate_selected")

    def get_fieldsets(self, request, obj=None):
        # Provenance is set on saving; show it once there is some.
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj else [fs for fs in fieldsets if fs[0] != "Provenance"]

    history_list_display = ("status",)

    class Media:
        js = ("tracker/observation_form.js",)
        css = {"all": ("tracker/admin.css",)}

    @admin.display(description="occurred", ordering="occurred_on")
    def occurred(self, obj):
        return obj.occurred_label

    @admin.display(description="summary")
    def short_summary(self, obj):
        return obj.summary if len(obj.summary) <= 80 else obj.summary[:79] + "…"

    @admin.display(description="grade", ordering="reliability")
    def grade(self, obj):
        return obj.grade

    @admin.display(description="measure")
    def measure(self, obj):
        if obj.stage_id:
            return obj.stage.name
        return f"{obj.magnitude if obj.magnitude is not None else obj.value:g}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        indicator = obj.indicator if obj else self._indicator_from_query(request)
        # The same form class, offering the stages of this indicator's ladder only.
        return type(form_class.__name__, (form_class,), {"indicator": indicator})

    @staticmethod
    def _indicator_from_query(request):
        pk = request.GET.get("indicator", "")
        number = whole_number(pk)
        return Indicator.objects.filter(pk=number).first() if number is not None else None

    def has_change_permission(self, request, obj=None):
        # A retracted observation is kept as it was; reinstate it to correct it.
        if obj is not None and obj.is_retracted:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in services.CORRECTABLE_FIELDS
        }
        if change:
            changed = {name: data[name] for name in form.changed_data if name in data}
            services.observation_correct(obj, by=request.user, **changed)
        else:
            saved = services.observation_record(analyst=request.user, **data)
            obj.pk = saved.pk
            obj._state.adding = False

    @admin.action(description="Retract selected observations", permissions=["change"])
    def retract_selected(self, request, queryset):
        return self._with_reason(
            request,
            queryset.filter(status=Observation.Status.ACCEPTED),
            services.observation_retract,
            title="Retract observations",
            explanation="They stop counting from now on; nothing is deleted, and "
            "“as known on” a past date still shows them as they were.",
            done="Retracted",
        )

    @admin.action(description="Reinstate selected retracted observations", permissions=["change"])
    def reinstate_selected(self, request, queryset):
        return self._with_reason(
            request,
            queryset.filter(status=Observation.Status.RETRACTED),
            services.observation_reinstate,
            title="Reinstate observations",
            explanation="They count again from now on; the retraction stays in their history.",
            done="Reinstated",
        )

    def _with_reason(self, request, queryset, change, *, title, explanation, done):
        """Ask for a reason on an intermediate page, then apply `change` to each row."""
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for observation in queryset:
                change(observation, by=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, f"{done} {len(queryset)} observation(s).", messages.SUCCESS)
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "action": request.POST.get("action", ""),
            "opts": self.model._meta,
            "observations": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tracker/observation/reason.html", context)

    # Imports run as jobs (tracker.observations.imports), never inside the request: the
    # upload page, then the import's own page, which shows its progress while a worker checks
    # the file, its errors row by row, and the button that imports it once checked.
    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path(
                "import/<int:pk>/",
                view(self.import_job_view),
                name="tracker_observation_import_job",
            ),
            path(
                "import/<int:pk>/progress/",
                view(self.import_job_view),
                {"partial": True},
                name="tracker_observation_import_progress",
            ),
            path(
                "import/<int:pk>/confirm/",
                view(self.import_confirm_view),
                name="tracker_observation_import_confirm",
            ),
        ]
        # django-import-export's own confirmation step imports inside the request: not served.
        inherited = [
            url
            for url in super().get_urls()
            if getattr(url, "name", None) != "tracker_observation_process_import"
        ]
        return own + inherited

    def has_import_permission(self, request):
        # An import adds rows and corrects those it names by reference.
        return super().has_import_permission(request) and self.has_change_permission(request)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = imports.import_upload(form.cleaned_data["file"], by=request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return HttpResponseRedirect(
                    reverse("admin:tracker_observation_import_job", args=[job.pk])
                )
        resource = ObservationResource()
        context = {
            **self.admin_site.each_context(request),
            "title": "Import observations",
            "opts": self.model._meta,
            "form": form,
            "required_columns": resource.REQUIRED_COLUMNS,
            "optional_columns": [
                name
                for name in resource.get_import_column_names()
                if name not in resource.REQUIRED_COLUMNS
            ],
            "recent": ObservationImport.objects.defer("content").select_related("uploaded_by")[:20],
        }
        return TemplateResponse(request, "admin/tracker/observation/import.html", context)

    def import_job_view(self, request, pk, partial=False):
        if not self.has_import_permission(request):
            raise PermissionDenied
        # Never the file itself (up to 20 MB): this page is polled every second.
        job = get_object_or_404(
            ObservationImport.objects.defer("content").select_related(
                "uploaded_by", "confirmed_by"
            ),
            pk=pk,
        )
        previewed = {row["number"] for row in job.preview if row["outcome"] == "bad"}
        # Every bad row, the previewed ones and those past the preview's limit.
        numbered = {int(m[1]) for e in job.errors if (m := ROW_ERROR.match(e))}
        bad_rows = sorted(previewed | numbered)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {job.filename}",
            "opts": self.model._meta,
            "job": job,
            "rows_read": imports.import_progress(job),
            "bad_rows": bad_rows,
            # A previewed row's problems are shown beside its cells; the list keeps the
            # file's own and those of bad rows past the preview.
            "listed_errors": [
                e for e in job.errors if not ((m := ROW_ERROR.match(e)) and int(m[1]) in previewed)
            ],
            "preview_rows": observation_resources.PREVIEW_ROWS,
        }
        template = "admin/tracker/observation/import_job.html"
        return TemplateResponse(request, f"{template}#status" if partial else template, context)

    @method_decorator(require_POST)
    def import_confirm_view(self, request, pk):
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ObservationImport.objects.defer("content"), pk=pk)
        if imports.import_confirm(job, by=request.user):
            self.message_user(request, f"Importing {job.filename}.", messages.SUCCESS)
        else:
            self.message_user(
                request, f"{job.filename} is not waiting for confirmation.", messages.WARNING
            )
        return HttpResponseRedirect(reverse("admin:tracker_observation_import_job", args=[pk]))


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("order", "name", "score", "description")
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("tracker.tune_indicator") and super().has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("tracker.tune_indicator") and super().has_add_permission(
            request, obj
        )


@admin.register(Indicator)
class IndicatorAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = (
        "name",
        "relationship",
        "family",
        "kind",
        "polarity",
        "weight",
        "cadence_days",
        "observation_count",
    )
    list_filter = ("relationship", "family", "category", "kind", "polarity")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("evidence",)
    inlines = (StageInline,)
    fieldsets = (
        (None, {"fields": ("relationship", "category", "name", "slug", "description", "unit")}),
        ("Grounding text", {"fields": ("seed_paragraph", "seed_quote")}),
        (
            "Scoring (changing these needs the “tune indicator” permission)",
            {"fields": Indicator.SCORING_FIELDS},
        ),
        ("Watch", {"fields": ("cadence_days", "evidence")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("category", "relationship", "family")
            .annotate(observation_total=Count("observations"))
            .order_by("category__order", "name")  # Meta.ordering is dropped with GROUP BY
        )

    @admin.display(description="observations", ordering="observation_total")
    def observation_count(self, obj):
        return obj.observation_total

    @admin.display(description="evidence")
    def evidence(self, obj):
        if obj.pk is None:
            return "—"
        changelist = reverse("admin:tracker_observation_changelist")
        add = reverse("admin:tracker_observation_add")
        return format_html(
            '<a href="{}?indicator__id__exact={}">Its observations</a> · '
            '<a href="{}?indicator={}">Add an observation</a>',
            changelist,
            obj.pk,
            add,
            obj.pk,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("tracker.tune_indicator"):
            fields.extend(Indicator.SCORING_FIELDS)
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalogue_changed(indicator_ids=[form.instance.pk])  # parameters, or the ladder


@admin.register(Source)
class SourceAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = ("name", "kind", "default_reliability", "adapter", "enabled", "health")
    list_filter = ("kind", "default_reliability", "adapter", "enabled")
    search_fields = ("name", "homepage")
    readonly_fields = Source.HEALTH_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "kind", "homepage", "default_reliability")}),
        ("Refreshing", {"fields": ("adapter", "feed_url", "enabled")}),
        ("Health (written by the refresh jobs)", {"fields": readonly_fields}),
    )

    @admin.display(description="health")
    def health(self, obj):
        if not obj.adapter:
            return "—"
        if obj.failing:
            return f"failing ({obj.failures}×): {obj.last_error[:80]}"
        if not obj.last_success_at:
            return "never run"
        ok = f"ok {obj.last_success_at:%Y-%m-%d %H:%M}"
        return f"{ok}, with a warning: {obj.last_warning[:80]}" if obj.last_warning else ok


@admin.register(Originator)
class OriginatorAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = ("name", "kind", "default_reliability")
    list_filter = ("kind", "default_reliability")
    search_fields = ("name", "description")


@admin.register(Signal)
class SignalAdmin(ChangelistGuard, ReadOnlyMixin, NoDeleteMixin, HistoryAdmin):
    """Signals come from refresh jobs and are triaged on /triage/, where decisions are
    recorded; here they can be searched and audited."""

    list_display = ("title", "source", "published_at", "state", "decided_by", "decided_at")
    list_filter = ("state", "source")
    search_fields = ("title", "excerpt", "url", "external_id")
    date_hierarchy = "published_at"
    list_select_related = ("source", "decided_by")


@admin.register(Tripwire)
class TripwireAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = ("indicator", "direction", "threshold", "scenario", "enabled")
    list_filter = ("enabled", "direction", "indicator__relationship", "indicator__category")
    autocomplete_fields = ("indicator",)


@admin.register(Alert)
class AlertAdmin(ChangelistGuard, ReadOnlyMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "title", "emailed_at", "posted_at")
    list_filter = ("kind", "relationship")
    search_fields = ("title", "message", "key")
    date_hierarchy = "created_at"


class ScenarioInline(admin.TabularInline):
    model = Scenario
    extra = 0
    can_delete = False
    fields = ("slug", "name", "lower", "upper", "description")


@admin.register(Relationship)
class RelationshipAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = ("title", "slug", "actor_a", "actor_b")
    inlines = (ScenarioInline,)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The scenario bands may have changed.
        catalogue_changed(indicator_ids=form.instance.indicators.values_list("pk", flat=True))


@admin.register(Category)
class CategoryAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    list_display = ("name", "order")
    ordering = ("order",)


@admin.register(Family)
class FamilyAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    """A family's share of the index is the same in every relationship: changing it needs
    `tracker.tune_family` (which no group holds) and rebuilds every relationship."""

    list_display = ("__str__", "slug", "category", "weight", "order")
    list_filter = ("category",)
    ordering = ("order",)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("tracker.tune_family"):
            fields.extend(("weight", "category"))
        return fields

    def has_add_permission(self, request):
        return request.user.has_perm("tracker.tune_family") and super().has_add_permission(request)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalogue_changed(indicator_ids=form.instance.indicators.values_list("pk", flat=True))


@admin.register(SharedEvent)
class SharedEventAdmin(DayInputs, ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    """An event that bears on several relationships; each links its own observation."""

    list_display = ("title", "occurred_on", "slug", "linked")
    search_fields = ("title", "slug", "description")
    date_hierarchy = "occurred_on"
    prepopulated_fields = {"slug": ("title",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(linked_total=Count("observations"))

    @admin.display(description="observations", ordering="linked_total")
    def linked(self, obj):
        return obj.linked_total


class QuestionAdminForm(forms.ModelForm):
    """An analyst's resolution needs a reason and a source; a rule's needs neither."""

    class Meta:
        model = Question
        fields = (
            "slug",
            *Question.ASKS,
            *Question.RULE_FIELDS,
            *Question.RESOLUTION_FIELDS,
            "alert_move",
        )

    def clean_opens(self):
        opens = self.cleaned_data["opens"]
        if self.instance.pk is None and opens and opens < today_utc():
            raise forms.ValidationError(
                "A new question opens today or later (backtests come from the reviewed "
                "fixtures/<relationship>/questions.toml files)."
            )
        return opens

    def clean(self):
        data = super().clean() or {}
        reopened = "resolution" in self.changed_data and not data.get("resolution")
        if reopened and not data.get("resolution_reason"):
            self.add_error("resolution_reason", "Reopening by hand needs a reason.")
        if "resolution" in self.changed_data and data.get("resolution"):
            for name in ("resolution_reason", "resolution_source"):
                if not data.get(name):
                    self.add_error(name, "Resolving by hand needs a reason and a source.")
        return data


@admin.register(Question)
class QuestionAdmin(DayInputs, ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    """Questions: an analyst writes them and may resolve one by hand (or annul it), with a
    reason and a source; the rule resolves the rest after each recompute."""

    form = QuestionAdminForm
    list_display = ("title", "relationship", "rule", "opens", "closes", "resolution", "resolved_on")
    list_filter = ("relationship", "rule", "resolution")
    search_fields = ("title", "criteria", "slug")
    readonly_fields = ("resolved_by",)
    fieldsets = (
        (None, {"fields": ("slug", *Question.ASKS)}),
        ("Rule", {"fields": Question.RULE_FIELDS}),
        (
            "Resolution (set by the rule, or here with a reason and a source)",
            {"fields": (*Question.RESOLUTION_FIELDS, "resolved_by")},
        ),
        ("Alerts", {"fields": ("alert_move",)}),
    )

    def save_model(self, request, obj, form, change):
        if "resolution" in form.changed_data:
            obj.resolved_by = request.user if obj.resolution else None
            obj._change_reason = (
                f"Resolved {obj.resolution} by hand: {obj.resolution_reason}"
                if obj.resolution
                else f"Reopened by hand: {obj.resolution_reason}"
            )
        super().save_model(request, obj, form, change)


@admin.register(AnalystForecast)
class AnalystForecastAdmin(ChangelistGuard, NoDeleteMixin, HistoryAdmin):
    """An analyst's forecast, dated and kept: to change one's mind, add a new one."""

    list_display = ("question", "analyst", "made_on", "probability")
    list_filter = ("question__relationship", "analyst")
    fields = ("question", "probability", "rationale")  # made today, by whoever adds it
    readonly_fields = ("made_on",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.analyst = request.user
        super().save_model(request, obj, form, change)


@admin.register(QuestionForecast)
class QuestionForecastAdmin(ChangelistGuard, ReadOnlyMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("question", "date", "probability", "method_version")
    list_filter = ("question__relationship", "question")
    date_hierarchy = "date"
