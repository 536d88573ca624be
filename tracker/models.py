"""The domain: a watched relationship, its indicator catalogue, and graded observations.

Database constraints hold every rule that can be written as a CHECK; `clean()` holds the rest
(rules that span rows, such as "a stage of the indicator's own ladder"). Writes go through
`tracker.services`, which calls `full_clean()` before saving. Every model keeps its history
(django-simple-history): corrections never overwrite silently, and observations are retracted,
never deleted.
"""

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.clock import today_utc, utc_date
from tracker.dates import EARLIEST


class HttpsURLField(models.URLField):
    """A URL whose form field reads a bare host as https (Django 6's default, chosen now)."""

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        # Passed on only when given: URLField's own default form class must stand.
        if form_class is not None:
            kwargs["form_class"] = form_class
        if choices_form_class is not None:
            kwargs["choices_form_class"] = choices_form_class
        return super().formfield(**kwargs)


class Relationship(models.Model):
    """A watched partnership, e.g. Russia–Iran."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    actor_a = models.CharField("first actor", max_length=100)
    actor_b = models.CharField("second actor", max_length=100)
    question = models.TextField(help_text="The question the dashboard answers.")
    description = models.TextField(blank=True)
    grounding = models.CharField(
        max_length=200,
        blank=True,
        help_text="The text the catalogue cites (a file of numbered paragraphs in the "
        "repository, e.g. seeds/paragraphs.md).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def pair(self) -> str:
        """The two actors, the short name a crowded chart or table uses ("Russia–Iran")."""
        return f"{self.actor_a}–{self.actor_b}"


class Category(models.Model):
    """A theme that groups indicators (military transfers, divergence and trust, ...)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Family(models.Model):
    """What every relationship is measured on (arms each way, the treaty ladder, ...): its
    share of the alignment index is the same in every relationship, so that indices compare
    (method 3.0; fixtures/families.toml gives the reasons)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(
        max_length=100, help_text="{a} and {b} stand for the relationship's two actors."
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="families")
    weight = models.FloatField(
        validators=[MinValueValidator(0.01)],
        help_text="Share of the alignment index, out of the families' total (100), in every "
        "relationship.",
    )
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name_plural = "families"
        permissions = [("tune_family", "Can change a family's share of the index")]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="family_weight_positive"),
        ]

    def __str__(self):
        return self.label()

    def label(self, a: str = "the first actor", b: str = "the second actor") -> str:
        """The name with the actors filled in: label("Russia", "Iran") is "Arms and
        technology to Russia"."""
        return self.name.format(a=a, b=b)


class Indicator(models.Model):
    """Something observable that moves the relationship toward alliance or divergence."""

    class Kind(models.TextChoices):
        EVENT = "event", "Event (decays, saturates)"
        LEVEL = "level", "Level (latest value)"
        STAGE = "stage", "Stage (ordered ladder)"

        @property
        def article(self) -> str:
            return f"an {self.value}" if self.value == "event" else f"a {self.value}"

    class Polarity(models.IntegerChoices):
        TOWARD_ALLIANCE = 1, "Toward alliance"
        TOWARD_DIVERGENCE = -1, "Toward divergence"

    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, related_name="indicators"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="indicators")
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        related_name="indicators",
        null=True,
        blank=True,
        help_text="What it measures in common with other relationships. Method 3.0 shares the "
        "family's weight among its indicators by their own weights.",
    )
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    seed_paragraph = models.PositiveSmallIntegerField(
        help_text="The paragraph of the relationship's grounding text (for Russia–Iran, the "
        "seed article, seeds/paragraphs.md) that grounds it."
    )
    seed_quote = models.CharField(
        max_length=300, help_text="A short quote from that paragraph, verbatim."
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    unit = models.CharField(max_length=100, blank=True)
    polarity = models.SmallIntegerField(choices=Polarity.choices)
    weight = models.FloatField(
        validators=[MinValueValidator(0.01)],
        help_text="Share in its family (method 3.0), or in the whole index (methods 1.0, 2.0).",
    )
    half_life_days = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Event indicators: days for one event's weight to halve.",
    )
    saturation = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01)],
        help_text="Event indicators: graded magnitude at which the reading reaches ~63% of full.",
    )
    floor = models.FloatField(
        null=True, blank=True, help_text="Level indicators: the value that maps to reading 0."
    )
    ceiling = models.FloatField(
        null=True, blank=True, help_text="Level indicators: the value that maps to reading 1."
    )
    cadence_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="Days without an observation before the indicator counts as stale.",
    )
    sigma = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0.01)],
        help_text="Scenario odds: spread of one observation's evidence; smaller is more "
        "diagnostic.",
    )

    history = HistoricalRecords()

    # The fields that change the numbers; editing them needs `tracker.tune_indicator`.
    SCORING_FIELDS = (
        "family",
        "kind",
        "polarity",
        "weight",
        "half_life_days",
        "saturation",
        "floor",
        "ceiling",
        "sigma",
    )
    # Which measure an observation of each kind carries.
    MEASURE_FIELD = {Kind.EVENT: "magnitude", Kind.LEVEL: "value", Kind.STAGE: "stage"}
    # Which parameters each kind needs.
    _KIND_FIELDS = {
        Kind.EVENT: ("half_life_days", "saturation"),
        Kind.LEVEL: ("floor", "ceiling"),
        Kind.STAGE: (),
    }

    class Meta:
        ordering = ["category__order", "name"]
        permissions = [("tune_indicator", "Can change indicator weights and scoring parameters")]
        constraints = [
            models.CheckConstraint(
                condition=Q(polarity__in=[1, -1]), name="indicator_polarity_plus_or_minus_one"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
            models.CheckConstraint(condition=Q(sigma__gt=0), name="indicator_sigma_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["event", "level", "stage"]), name="indicator_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="event") | Q(half_life_days__gt=0, saturation__gt=0),
                name="indicator_event_has_decay_and_saturation",
            ),
            models.CheckConstraint(
                condition=~Q(kind="level")
                | Q(floor__isnull=False, ceiling__isnull=False, floor__lt=F("ceiling")),
                name="indicator_level_floor_below_ceiling",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        family = self.family if self.family_id else None
        if family is not None and self.category_id and family.category_id != self.category_id:
            errors["category"] = (
                f"Indicators of the family {family.slug!r} are in its "
                f"category, {family.category.name!r}."
            )
        for kind, fields in self._KIND_FIELDS.items():
            for field in fields:
                value = getattr(self, field)
                if kind == self.kind and value is None:
                    errors[field] = f"Required for {self.kind} indicators."
                elif kind != self.kind and value is not None:
                    errors[field] = f"Only {kind} indicators use this; leave it empty."
        if (
            self.kind == self.Kind.LEVEL
            and self.floor is not None
            and self.ceiling is not None
            and self.floor >= self.ceiling
        ):
            errors["ceiling"] = "The ceiling must be above the floor."
        if self.pk and self.observations.exists():
            saved_kind = Indicator.objects.filter(pk=self.pk).values_list("kind", flat=True)[0]
            if saved_kind != self.kind:
                errors["kind"] = (
                    "This indicator already has observations of its kind; "
                    "create a new indicator instead."
                )
        if errors:
            raise ValidationError(errors)


class Stage(models.Model):
    """One rung of a stage indicator's ladder (a deal's lifecycle, a treaty step)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(help_text="Position on the ladder, lowest first.")
    name = models.CharField(max_length=100)
    score = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Reading of this stage, 0 (none) to 1 (full).",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    _change_reason: str  # for the history row of its next save

    class Meta:
        ordering = ["indicator", "order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "order"], name="stage_unique_order"),
            models.UniqueConstraint(fields=["indicator", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="stage_score_between_0_and_1"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.score:g})"


class Scenario(models.Model):
    """Where the relationship could be heading: a band of the alignment index."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, related_name="scenarios"
    )
    slug = models.SlugField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    lower = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    upper = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["relationship", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["relationship", "slug"], name="scenario_unique_slug"),
            models.CheckConstraint(
                condition=Q(lower__gte=0, upper__lte=100, lower__lt=F("upper")),
                name="scenario_band_within_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.lower:g}–{self.upper:g})"

    @property
    def centre(self) -> float:
        return (self.lower + self.upper) / 2

    def clean(self):
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValidationError({"upper": "The upper bound must be above the lower bound."})


class Reliability(models.TextChoices):
    """Admiralty (NATO) source reliability."""

    A = "A", "A – completely reliable"
    B = "B", "B – usually reliable"
    C = "C", "C – fairly reliable"
    D = "D", "D – not usually reliable"
    E = "E", "E – unreliable"
    F = "F", "F – reliability cannot be judged"


class Credibility(models.IntegerChoices):
    """Admiralty (NATO) information credibility."""

    CONFIRMED = 1, "1 – confirmed by other sources"
    PROBABLE = 2, "2 – probably true"
    POSSIBLE = 3, "3 – possibly true"
    DOUBTFUL = 4, "4 – doubtful"
    IMPROBABLE = 5, "5 – improbable"
    UNKNOWN = 6, "6 – truth cannot be judged"


class Source(models.Model):
    """A publisher or feed that observations cite."""

    class Kind(models.TextChoices):
        NEWS = "news", "News outlet"
        STATE_MEDIA = "state_media", "State media"
        AGGREGATOR = "aggregator", "Aggregator or mirror"
        GOVERNMENT = "government", "Government"
        THINK_TANK = "think_tank", "Think tank"
        DATASET = "dataset", "Dataset"

    class Adapter(models.TextChoices):
        RSS = "rss", "RSS or Atom feed"
        GDELT = "gdelt", "GDELT events (1.0 or 2.0, zipped or plain)"
        OFAC_SDN = "ofac_sdn", "OFAC SDN list"
        OFAC_CONSOLIDATED = "ofac_cons", "OFAC Consolidated (non-SDN) list"
        UN_SC = "un_sc", "UN Security Council Consolidated List"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    homepage = HttpsURLField(blank=True)
    default_reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        help_text="Used for new observations from this source unless the analyst grades otherwise.",
    )
    feed_url = HttpsURLField("feed URL", max_length=500, blank=True)
    adapter = models.CharField(max_length=10, choices=Adapter.choices, blank=True)
    enabled = models.BooleanField(
        default=False, help_text="Refresh jobs fetch only enabled sources with an adapter."
    )
    # Health, written by the refresh jobs (not kept in history: it changes every hour).
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_warning = models.TextField(
        blank=True,
        editable=False,
        help_text="What the last successful refresh read past (a damaged feed, a mislabelled "
        "encoding); its signals are whole.",
    )
    failures = models.PositiveIntegerField(
        default=0, editable=False, help_text="Failed refreshes in a row."
    )
    fetch_count = models.PositiveIntegerField(default=0, editable=False)
    signal_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Signals found, all refreshes together."
    )

    # The refresh job's bookkeeping, shown read-only; not history worth keeping.
    HEALTH_FIELDS = (
        "last_fetched_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "last_warning",
        "failures",
        "fetch_count",
        "signal_count",
    )
    history = HistoricalRecords(excluded_fields=["etag", "last_modified", *HEALTH_FIELDS])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_reliability__in=Reliability.values),
                name="source_reliability_a_to_f",
            ),
            models.CheckConstraint(
                condition=Q(enabled=False) | ~Q(adapter=""),
                name="source_enabled_needs_adapter",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.enabled and not self.adapter:
            raise ValidationError({"adapter": "Choose an adapter to enable refreshing."})

    @property
    def failing(self) -> bool:
        """Its last refresh failed (an enabled feed that needs an operator's look)."""
        return self.failures > 0


class Originator(models.Model):
    """Who asserted a claim: a government, an intelligence service, a company, a newsroom's
    own reporting. A publisher (`Source`) only relays it; reliability is graded on this, and
    the reports of one originator are one line of evidence however many outlets carry them."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "Government or official"
        INTELLIGENCE = "intelligence", "Intelligence service"
        MILITARY = "military", "Armed forces"
        COMPANY = "company", "Company"
        INTERNATIONAL = "international", "International body"
        JOURNALISM = "journalism", "A newsroom's own reporting"
        THINK_TANK = "think_tank", "Think tank or researcher"
        DATASET = "dataset", "Dataset"

    # A publisher kind's usual originator when an observation names none: its own reporting.
    FOR_SOURCE_KIND = {
        "news": Kind.JOURNALISM,
        "state_media": Kind.JOURNALISM,
        "aggregator": Kind.JOURNALISM,
        "government": Kind.GOVERNMENT,
        "think_tank": Kind.THINK_TANK,
        "dataset": Kind.DATASET,
    }

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=13, choices=Kind.choices)
    default_reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        help_text="Its usual Admiralty reliability; new observations take it unless graded.",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_reliability__in=Reliability.values),
                name="originator_reliability_a_to_f",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def for_source(cls, source: "Source") -> "Originator":
        """The publisher taken as its own originator, when an observation names no other."""
        originator, _ = cls.objects.get_or_create(
            name=source.name,
            defaults={
                "kind": cls.FOR_SOURCE_KIND.get(source.kind, cls.Kind.JOURNALISM),
                "default_reliability": source.default_reliability,
                "description": "The publisher's own reporting (no other originator named).",
            },
        )
        return originator


class SharedEvent(models.Model):
    """One happening that bears on more than one relationship (a China–Iran–Russia drill;
    Iranian drone know-how passed to North Korea through Russia). Recorded once here; each
    relationship scores it with its own observation, linked to it, graded on its own
    indicator, so that every side shows the others."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    occurred_on = models.DateField()
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_on", "slug"]

    def __str__(self):
        return self.title


class ObservationQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(status=Observation.Status.ACCEPTED)

    def scorable(self):
        """Accepted and dated within the accepted range: what the method scores. A row
        stored before the range was checked is left out, and an alert names it."""
        return self.accepted().filter(occurred_on__gte=EARLIEST)

    def unscorable(self):
        return self.accepted().filter(occurred_on__lt=EARLIEST)


class Observation(models.Model):
    """One dated, sourced, graded piece of evidence about an indicator."""

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RETRACTED = "retracted", "Retracted"

    class Caveat(models.TextChoices):
        """Why a claim may mislead whatever its grade (deception and denial)."""

        NONE = "", "None"
        DENIAL = "denial", "Official denial of a party's own conduct"
        INTERESTED = "interested", "Claim by an interested party"

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations")
    shared_event = models.ForeignKey(
        SharedEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observations",
        help_text="The event this report shares with other relationships' observations.",
    )
    occurred_on = models.DateField(
        help_text="When it happened. With month or year precision, the first day of the period."
    )
    precision = models.CharField(
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text="Many reports give only a month or a year.",
    )
    recorded_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="When Entente learned it; set automatically.",
    )
    magnitude = models.FloatField(
        null=True,
        blank=True,
        help_text="Event indicators only: how strong this event is, in the indicator's unit.",
    )
    value = models.FloatField(
        null=True, blank=True, help_text="Level indicators only: the value in the indicator's unit."
    )
    stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observations",
        help_text="Stage indicators only: a stage of this indicator's ladder.",
    )
    summary = models.TextField(help_text="What happened, in your own words.")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="observations",
        help_text="The publisher where it was read (it relays the claim).",
    )
    url = HttpsURLField("URL", max_length=500, blank=True)
    quote = models.TextField(blank=True, help_text="The source's own words, verbatim.")
    originator = models.ForeignKey(
        Originator,
        on_delete=models.PROTECT,
        related_name="observations",
        blank=True,
        help_text="Who asserted the claim; left empty, the publisher's own reporting.",
    )
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        help_text="Admiralty grade of the originator for this report.",
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, help_text="Admiralty grade of the claim itself."
    )
    caveat = models.CharField(
        max_length=10,
        choices=Caveat.choices,
        blank=True,
        default=Caveat.NONE,
        help_text="A denial or a claim by an interested party keeps half its weight of evidence.",
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observations",
    )
    # No index on status: nearly every row is accepted, and an index on it misleads SQLite's
    # planner away from (indicator, occurred_on) when finding a series' first date.
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.ACCEPTED)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.TextField(blank=True)
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="Optional stable key from an import file; re-importing it updates this row.",
    )

    objects = ObservationQuerySet.as_manager()
    history = HistoricalRecords()
    # Who changed it and why, for the history row of its next save: set by the services
    # for one save (django-simple-history reads them from the instance).
    _history_user: Any
    _change_reason: str

    # What an analyst enters (and may correct); provenance and status are kept by the app.
    ENTRY_FIELDS = (
        "indicator",
        "occurred_on",
        "precision",
        "magnitude",
        "value",
        "stage",
        "summary",
        "source",
        "url",
        "quote",
        "originator",
        "reliability",
        "credibility",
        "caveat",
    )

    class Meta:
        ordering = ["-occurred_on", "-recorded_at"]
        indexes = [
            # An indicator's observations in date order, and every column scoring reads:
            # a full rebuild reads a million observations from this index alone, in order,
            # without touching the table (twice as fast as the table, on either database).
            models.Index(
                fields=[
                    *("indicator", "occurred_on", "recorded_at", "id", "status"),
                    *("magnitude", "value", "stage", "reliability", "credibility"),
                    *("originator", "caveat"),
                ],
                name="observation_scoring",
            ),
            # The latest evidence across a relationship, newest first.
            models.Index(fields=["occurred_on"], name="observation_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="observation_reliability_a_to_f",
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="observation_credibility_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(magnitude__isnull=False, value__isnull=True, stage__isnull=True)
                | Q(magnitude__isnull=True, value__isnull=False, stage__isnull=True)
                | Q(magnitude__isnull=True, value__isnull=True, stage__isnull=False),
                name="observation_one_of_magnitude_value_stage",
            ),
            models.CheckConstraint(
                condition=Q(magnitude__isnull=True) | Q(magnitude__gt=0),
                name="observation_magnitude_positive",
            ),
            models.CheckConstraint(
                condition=Q(precision__in=["day", "month", "year"]),
                name="observation_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(caveat__in=["", "denial", "interested"]),
                name="observation_caveat_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", retracted_at__isnull=True)
                | Q(status="retracted", retracted_at__isnull=False),
                name="observation_retracted_has_date",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="observation_unique_reference",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} — {self.occurred_label}"

    def save(self, *args, **kwargs):
        # The first version of an observation dates from when it was recorded, so that
        # "as known on" replays a backdated import (the demo) as it would have been.
        if self.originator_id is None and self.source_id is not None:
            self.originator = Originator.for_source(self.source)
        backdate = self._state.adding and not hasattr(self, "_history_date")
        if backdate:
            self._history_date = self.recorded_at
        try:
            super().save(*args, **kwargs)
        finally:
            if backdate:
                del self._history_date

    @property
    def grade(self) -> str:
        """The Admiralty grade as analysts write it, e.g. "B2"."""
        return f"{self.reliability}{self.credibility}"

    @property
    def occurred_label(self) -> str:
        """The event date at its precision: "17 Jan 2025", "Jul 2022" or "2023"."""
        if self.precision == self.Precision.YEAR:
            return f"{self.occurred_on:%Y}"
        if self.precision == self.Precision.MONTH:
            return f"{self.occurred_on:%b %Y}"
        return f"{self.occurred_on.day} {self.occurred_on:%b %Y}"

    @property
    def is_retracted(self) -> bool:
        return self.status == self.Status.RETRACTED

    def clean(self):
        errors: dict[str, str] = {}
        self._clean_measure(errors)
        self._clean_dates(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_measure(self, errors):
        """Exactly the measure the indicator's kind takes, and a stage of its own ladder."""
        for field in ("magnitude", "value"):
            number = getattr(self, field)
            if number is not None and not math.isfinite(number):
                errors[field] = "Enter a finite number."
        if self.magnitude is not None and self.magnitude <= 0:
            errors.setdefault("magnitude", "The magnitude must be above zero.")
        if self.indicator_id is None:
            return
        indicator = self.indicator
        wanted = Indicator.MEASURE_FIELD[Indicator.Kind(indicator.kind)]
        for kind, field in Indicator.MEASURE_FIELD.items():
            given = getattr(self, "stage_id" if field == "stage" else field) is not None
            if field == wanted and not given:
                errors.setdefault(
                    field, f"“{indicator.name}” is {kind.article} indicator: enter its {field}."
                )
            elif field != wanted and given:
                errors.setdefault(
                    field,
                    f"Only {kind} indicators take a {field}; “{indicator.name}” takes a {wanted}.",
                )
        if self.stage is not None and self.stage.indicator_id != indicator.pk:
            errors["stage"] = f"Choose a stage of the “{indicator.name}” ladder."

    def _clean_dates(self, errors):
        if self.occurred_on is None:
            return
        recorded = self.recorded_at or timezone.now()
        if self.occurred_on < EARLIEST:
            errors["occurred_on"] = f"The date cannot be before {EARLIEST:%-d %B %Y}."
        elif self.occurred_on > utc_date(recorded):
            errors["occurred_on"] = (
                "The date cannot be in the future (after the day it was recorded)."
            )
        if self.precision == self.Precision.MONTH and self.occurred_on.day != 1:
            errors["occurred_on"] = (
                f"With month precision, enter the first day of the month "
                f"({self.occurred_on.replace(day=1).isoformat()})."
            )
        if self.precision == self.Precision.YEAR and (
            self.occurred_on.month,
            self.occurred_on.day,
        ) != (1, 1):
            errors["occurred_on"] = (
                f"With year precision, enter 1 January ({self.occurred_on.year}-01-01)."
            )


class Citation(models.Model):
    """Another publisher that carried an observation's claim. It is another place to read
    the claim, not another line of evidence: the claim's originator is the observation's."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    url = HttpsURLField("URL", max_length=500, blank=True)
    quote = models.TextField(blank=True, help_text="This publisher's own words, verbatim.")

    history = HistoricalRecords()
    _change_reason: str  # for the history row of its next save

    class Meta:
        ordering = ["observation", "source__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["observation", "source", "url"], name="citation_once_per_place"
            ),
        ]

    def __str__(self):
        return f"{self.source} on {self.observation}"


class ObservationImport(models.Model):
    """A CSV file of observations, checked and then imported by a job, never inside a
    request. Kept once done (what was imported, by whom, with which errors): the record of
    an import, as the observations' history is the record of each row."""

    class Status(models.TextChoices):
        CHECKING = "checking", "checking"
        READY = "ready", "checked, waiting for confirmation"
        REFUSED = "refused", "refused: nothing imported"
        IMPORTING = "importing", "importing"
        IMPORTED = "imported", "imported"

    RUNNING = (Status.CHECKING, Status.IMPORTING)

    filename = models.CharField(max_length=255)
    content = models.TextField(help_text="The file as uploaded (UTF-8 text).")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="observation_imports",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKING)
    asked_at = models.DateTimeField(
        default=timezone.now, help_text="When its job was last asked for (the sweep's clock)."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs of the current step (a crashed job is run again, so far)."
    )
    rows = models.PositiveIntegerField(default=0, help_text="Data rows in the file.")
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="One line per problem.")
    preview = models.JSONField(
        default=list,
        blank=True,
        help_text="The rows as checked, good and bad: each one's cells, outcome and problems "
        "by column (tracker.observations.resources.row_previews).",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-uploaded_at", "-pk")
        indexes = [models.Index(fields=["status", "asked_at"])]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING


class PendingRecompute(models.Model):
    """A relationship whose stored series a change has made stale. Written in the change's
    own transaction, so that no committed change can go unscored: the job that the change
    enqueues removes it once the series is up to date, and a periodic sweep finishes any
    that a lost message, a dead worker or a broker outage left behind."""

    relationship = models.OneToOneField(
        Relationship, on_delete=models.CASCADE, primary_key=True, related_name="pending"
    )
    since = models.DateField(
        null=True, blank=True, help_text="The earliest day a change touched; empty: all days."
    )
    indicators = models.JSONField(
        default=list, blank=True, help_text="Indicators whose evidence changed (with a day)."
    )
    requested_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(
        default=1,
        help_text="Bumped by each change merged in: a recompute removes only what it saw.",
    )

    def __str__(self):
        return f"{self.relationship}: recompute from {self.since or 'the start'}"


class Snapshot(models.Model):
    """The computed assessment of a relationship on one day (rebuilt by tracker.series.refresh)."""

    # The (relationship, date) unique index serves the lookups by day; no separate FK index.
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="snapshots", db_index=False
    )
    date = models.DateField()
    index = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    band = models.SlugField(db_index=False, help_text="The scenario whose band holds the index.")
    momentum = models.FloatField(help_text="Index change over the last 90 days.")
    coverage = models.FloatField(help_text="Share of the catalogue's weight with evidence.")
    covered = models.PositiveIntegerField(help_text="Indicators with evidence.")
    freshness = models.FloatField(
        default=0.0, help_text="Weighted mean freshness of the evidence in hand, 0 to 1."
    )
    odds = models.JSONField(help_text="Scenario slug to probability; sums to 1.")
    categories = models.JSONField(help_text="Category slug to sub-index.")
    families = models.JSONField(default=dict, help_text="Family slug to sub-index.")
    method_version = models.CharField(max_length=20)

    class Meta:
        ordering = ["relationship", "date"]
        # Every page asks for the relationship's newest row (its data version): from the
        # unique index below, that walked all its days (0.3 ms a page); from this, one entry.
        indexes = [models.Index(fields=["relationship", "id"], name="snapshot_newest")]
        constraints = [
            models.UniqueConstraint(fields=["relationship", "date"], name="snapshot_one_per_day"),
            models.CheckConstraint(
                condition=Q(low__lte=F("index"), index__lte=F("high"), low__gte=0, high__lte=100),
                name="snapshot_low_index_high",
            ),
        ]

    def __str__(self):
        return f"{self.relationship} on {self.date}: {self.index:.1f}"


# Scores and daily readings are derived rows: only a rebuild writes them, from the observations
# it has just read in the same transaction, under the relationship's lock, and it rewrites
# them whole. Django still deletes them with their indicator or observation (CASCADE, done by
# the ORM), but the database does not check each one: on PostgreSQL, whose foreign keys Django
# makes deferred, checking the million rows of a full rebuild at commit took 10 s of it. So
# each derived link is `on_delete=models.CASCADE, db_constraint=False`.


class ReadingSeries(models.Model):
    """One indicator's computed readings, a day at a time from `first`: what the index is
    made of, stored as one array (a row per day, a column per field of READING_FIELDS,
    little-endian float64) instead of a database row per day.

    No query filters or sorts on a day's reading: pages read one indicator's window, one day
    of a few indicators, or each one's latest reading. Kept as rows, a ten-year catalogue of
    200 indicators was 730,000 of them, rewritten on every nightly rebuild; as arrays it is
    200, and a window is read by byte offset (SUBSTR) without loading the rest.
    """

    # Derived rows carry no database foreign key: see Snapshot.
    indicator = models.OneToOneField(
        Indicator,
        primary_key=True,
        related_name="reading_series",
        on_delete=models.CASCADE,
        db_constraint=False,
    )
    first = models.DateField(help_text="The day of the first row.")
    days = models.PositiveIntegerField(help_text="How many days the array holds.")
    values = models.BinaryField(help_text="days x fields, float64, little-endian.")
    last_reading = models.FloatField(help_text="The reading on the last day (s, 0 to 1).")
    scores_digest = models.CharField(
        max_length=32,
        blank=True,
        help_text="A digest of the indicator's stored observation scores, written with them: "
        "a rebuild that finds the same leaves them alone without reading them back.",
    )

    # The fields of each day, in their column order ("observed" is 0 or 1).
    FIELDS = (
        "reading",  # the indicator's reading s, 0 to 1
        "alliance",
        "grade",  # mean grade of the evidence that counts (2.0: the claims' mean credibility)
        "strength",  # event: graded decayed sum; else the reading
        "observed",  # has evidence by this day
        "freshness",  # 2^(-age / half-life) of its latest evidence; 0 with none
        "evidenced",  # alliance-ness as its latest evidence left it (undecayed)
        "source_doubt",  # method 2.0: the originators' shared error, one line each
    )

    def __str__(self):
        return f"{self.indicator}: {self.days} days from {self.first}"

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=self.days - 1)


class ObservationScore(models.Model):
    """What one accepted observation said, as scored: its alliance-ness and diagnosticity."""

    observation = models.OneToOneField(
        Observation,
        primary_key=True,
        related_name="score",
        on_delete=models.CASCADE,
        db_constraint=False,
    )
    # The observation's indicator, copied: a rebuild reads and compares an indicator's scores
    # by the index below instead of joining a million observations.
    indicator = models.ForeignKey(
        Indicator, related_name="+", db_index=False, on_delete=models.CASCADE, db_constraint=False
    )
    alliance = models.FloatField(help_text="The indicator's alliance-ness it implied.")
    diagnosticity = models.FloatField(help_text="Range of its log-likelihoods across scenarios.")
    favours = models.SlugField(db_index=False, help_text="The scenario it supports most.")

    class Meta:
        indexes = [
            # An indicator's scores with every column: a rebuild reads a million of them
            # from this index alone, without touching the table.
            models.Index(
                fields=["indicator", "observation", "alliance", "diagnosticity", "favours"],
                name="score_by_indicator",
            ),
            # The most diagnostic first, ties by observation: a chart's key events are the
            # first few of this order that fall in its window (no sort of a million rows).
            models.Index(fields=["-diagnosticity", "observation"], name="score_by_diagnosticity"),
        ]

    def __str__(self):
        return f"{self.observation}: {self.diagnosticity:.2f} for {self.favours}"


class Signal(models.Model):
    """An item a refresh job found (a feed entry, a dataset row), waiting for triage."""

    class State(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="signals")
    external_id = models.CharField(max_length=255, help_text="Unique per source.")
    published_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now, editable=False)
    title = models.CharField(max_length=300)
    url = HttpsURLField("URL", max_length=500, blank=True)
    excerpt = models.TextField(blank=True)
    suggested = models.ManyToManyField(Indicator, blank=True, related_name="signals_suggested")
    proposal = models.JSONField(
        default=dict, blank=True, help_text="What a structured dataset proposes to record."
    )
    state = models.CharField(max_length=9, choices=State.choices, default=State.NEW)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Several signals can become one observation (a day's new sanctions designations).
    observation = models.ForeignKey(
        Observation, on_delete=models.PROTECT, null=True, blank=True, related_name="signals"
    )

    history = HistoricalRecords(m2m_fields=[suggested])
    # Who changed it and why, for the history row of its next save: set by the services
    # for one save (django-simple-history reads them from the instance).
    _history_user: Any
    _change_reason: str

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["state", "published_at"], name="signal_triage")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="signal_unique_per_source"
            ),
            models.CheckConstraint(
                condition=Q(state="new", decided_at__isnull=True)
                | Q(~Q(state="new"), decided_at__isnull=False),
                name="signal_decision_dated",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(observation__isnull=False),
                name="signal_accepted_has_observation",
            ),
        ]

    def __str__(self):
        return f"{self.source}: {self.title[:80]}"


class Tripwire(models.Model):
    """A signpost: an indicator's reading crossing a threshold raises an alert."""

    class Direction(models.TextChoices):
        ABOVE = "above", "rises above"
        BELOW = "below", "falls below"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="tripwires")
    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="The scenario this signpost points to, if any.",
    )
    direction = models.CharField(max_length=5, choices=Direction.choices, default=Direction.ABOVE)
    threshold = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="On the indicator's reading scale, 0 to 1.",
    )
    note = models.TextField(blank=True, help_text="Why this matters.")
    enabled = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "threshold"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0, threshold__lte=1), name="tripwire_threshold_0_1"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.get_direction_display()} {self.threshold:g}"

    def crossed(self, before: float | None, after: float) -> bool:
        """True if the reading went from this side of the threshold to the other."""
        if self.direction == self.Direction.ABOVE:
            return after > self.threshold and (before is None or before <= self.threshold)
        return after < self.threshold and (before is None or before >= self.threshold)


class Alert(models.Model):
    """Something an analyst should look at now; raised once, sent once."""

    class Kind(models.TextChoices):
        BAND = "band", "Band change"
        MOMENTUM = "momentum", "Momentum crossing"
        STALE = "stale", "Stale indicator"
        TRIPWIRE = "tripwire", "Tripwire crossed"
        EVIDENCE = "evidence", "Highly diagnostic evidence"
        DATA = "data", "Evidence left out (bad data)"
        FORECAST = "forecast", "Forecast moved"

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(
        max_length=200, unique=True, help_text="Identifies the event, so it is raised once."
    )
    title = models.CharField(max_length=200)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


QUESTION_HORIZON_YEARS = 10  # a question may close up to ten years ahead


class Question(models.Model):
    """A forecast question about a relationship, resolved by a rule on its indicators where
    one fits (tracker.forecasts), or by an analyst with a reason and a source."""

    class Rule(models.TextChoices):
        STAGE = "stage", "Stage reached"
        EVENT = "event", "Event recorded"
        LEVEL = "level", "Level crossed"
        BAND = "band", "Band held"
        NONE = "none", "No rule (an analyst resolves it)"

    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        YES = "yes", "Yes"
        NO = "no", "No"
        ANNULLED = "annulled", "Annulled"

    class Direction(models.TextChoices):
        ABOVE = "above", "above"
        BELOW = "below", "below"

    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, related_name="questions"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    criteria = models.TextField(help_text="What resolves it yes or no, in words.")
    opens = models.DateField(help_text="The first day a forecast is made.")
    closes = models.DateField(help_text="The last day the answer may happen.")
    rule = models.CharField(max_length=5, choices=Rule.choices, default=Rule.NONE)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="questions"
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, help_text="Stage rule: the rung."
    )
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, null=True, blank=True, help_text="Band rule: the band."
    )
    direction = models.CharField(max_length=5, choices=Direction.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True, help_text="Level rule: the value.")
    min_magnitude = models.FloatField(default=1.0, help_text="Event rule: at least this.")
    min_grade = models.CharField(
        max_length=2, default="F6", help_text='Event and stage rules: e.g. "B2" (A–B, 1–2).'
    )
    days = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Band rule: consecutive days."
    )
    resolution = models.CharField(
        max_length=8, choices=Resolution.choices, blank=True, default=Resolution.OPEN
    )
    resolved_on = models.DateField(
        null=True, blank=True, help_text="The day the answer was known (recorded)."
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the rule resolved it.",
    )
    resolution_reason = models.TextField(blank=True)
    resolution_source = HttpsURLField("resolution source", blank=True)
    alert_move = models.FloatField(
        default=0.15,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text="Alert when Entente's forecast moves more than this in a day (0.15: 15 points).",
    )

    history = HistoricalRecords()
    _change_reason: str

    class Meta:
        ordering = ["closes", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(opens__lte=F("closes")), name="question_window"),
            models.CheckConstraint(
                condition=Q(resolution="", resolved_on__isnull=True)
                | Q(~Q(resolution=""), resolved_on__isnull=False),
                name="question_resolution_dated",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolution == self.Resolution.OPEN

    # What a question asks: its wording, window and rule. Fixed once it has opened, so that
    # no question is rewritten after its forecasts began (annul it and write another).
    ASKS = ("relationship", "title", "criteria", "opens", "closes")
    RULE_FIELDS = (
        "rule", "indicator", "stage", "scenario", "direction", "threshold", "min_magnitude",
        "min_grade", "days",
    )  # fmt: skip
    RESOLUTION_FIELDS = ("resolution", "resolved_on", "resolution_reason", "resolution_source")

    def _frozen_changes(self) -> dict[str, str]:
        if self.pk is None:
            return {}
        stored = Question.objects.filter(pk=self.pk).first()
        if stored is None or stored.opens > today_utc():
            return {}
        asked = self.ASKS + self.RULE_FIELDS
        columns = (f.attname for f in self._meta.concrete_fields if f.name in asked)
        return {
            column.removesuffix("_id"): "The question has opened: what it asks cannot change "
            "(annul it, with a reason, and write another)."
            for column in columns
            if getattr(self, column) != getattr(stored, column)
        }

    def clean(self):
        need = {
            self.Rule.STAGE: ("indicator", "stage"),
            self.Rule.EVENT: ("indicator",),
            self.Rule.LEVEL: ("indicator", "direction", "threshold"),
            self.Rule.BAND: ("scenario",),
        }.get(self.Rule(self.rule), ())
        errors = {
            name: "This rule needs it."
            for name in need
            if getattr(self, name if name in ("direction", "threshold") else f"{name}_id")
            in (None, "")
        }
        kind = {"stage": "stage", "event": "event", "level": "level"}.get(self.rule)
        indicator = self.indicator if self.indicator_id else None
        stage = self.stage if self.stage_id else None
        if kind and indicator is not None and indicator.kind != kind:
            errors["indicator"] = f"A {self.rule} rule needs a {kind} indicator."
        if stage is not None and indicator is not None and stage.indicator_id != indicator.pk:
            errors["stage"] = "Choose a rung of the question's indicator."
        if indicator is not None and indicator.relationship_id != self.relationship_id:
            errors["indicator"] = "Choose an indicator of the question's relationship."
        if (
            len(self.min_grade) != 2
            or self.min_grade[0] not in "ABCDEF"
            or self.min_grade[1] not in "123456"
        ):
            errors["min_grade"] = 'A reliability A–F and a credibility 1–6, e.g. "B2".'
        if self.opens and self.closes and self.opens > self.closes:
            errors["closes"] = "The question must close on or after it opens."
        horizon = today_utc() + dt.timedelta(days=366 * QUESTION_HORIZON_YEARS)
        for name in ("opens", "closes"):
            day = getattr(self, name)
            if day and not EARLIEST <= day <= horizon:
                errors[name] = f"Choose a day from {EARLIEST} to {horizon}."
        errors |= self._frozen_changes()
        if self.resolution and not self.resolved_on:
            errors["resolved_on"] = "Say when the answer was known."
        if errors:
            raise ValidationError(errors)


class QuestionForecast(models.Model):
    """Entente's probability for a question on one day, from what it knew that day
    (a derived row: tracker.forecasts rewrites a question's forecasts whole)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="forecasts")
    date = models.DateField()
    probability = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    method_version = models.CharField(max_length=20)

    class Meta:
        ordering = ["question", "date"]
        constraints = [
            models.UniqueConstraint(fields=["question", "date"], name="forecast_one_per_day"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1), name="forecast_probability"
            ),
        ]

    def __str__(self):
        return f"{self.question.slug} on {self.date}: {self.probability:.2f}"


class AnalystForecast(models.Model):
    """An analyst's probability for a question, dated, with a short rationale."""

    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="analyst_forecasts"
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_on = models.DateField(default=today_utc)
    probability = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    rationale = models.CharField(max_length=500)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "made_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1),
                name="analyst_forecast_probability",
            ),
        ]

    def __str__(self):
        return f"{self.analyst} on {self.question.slug}, {self.made_on}: {self.probability:.2f}"

    def clean(self):
        question = self.question if self.question_id else None
        if question is None:
            return
        if self.pk is None and not question.is_open:
            raise ValidationError("The question is resolved: it takes no more forecasts.")
        if self.made_on and not question.opens <= self.made_on <= min(question.closes, today_utc()):
            raise ValidationError(
                {"made_on": "Made on a day the question is open, and not later than today."}
            )
