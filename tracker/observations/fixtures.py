"""Load the reviewed catalogues and lists: the families every relationship shares
(fixtures/families.toml), each relationship's catalogue (fixtures/<slug>/catalogue.toml), the
sources, originators and feeds, and the events several relationships share.

Loading is idempotent: a row that matches the file is left alone (no history row); a row
that differs is updated through `full_clean()` and keeps its previous version in history.
"""

import csv
import datetime as dt
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from tracker.models import (
    Category,
    Family,
    Indicator,
    Originator,
    Question,
    Relationship,
    Scenario,
    SharedEvent,
    Source,
    Stage,
)


@dataclass
class LoadReport:
    """What a load created, updated (field by field) and left unchanged."""

    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    updates: list[str] = field(default_factory=list)

    def __str__(self):
        lines = [
            f"{model}: {self.created[model]} created, {self.unchanged[model]} unchanged"
            for model in sorted(set(self.created) | set(self.unchanged))
        ]
        return "\n".join([*lines, *self.updates])


def relationship_folders(fixtures: Path) -> list[Path]:
    """The folders of `fixtures` that hold a relationship's catalogue, by name."""
    return sorted(p.parent for p in fixtures.glob("*/catalogue.toml"))


def upsert(model, lookup: dict, values: dict, report: LoadReport):
    """Create, update only what differs, or leave alone; always through full_clean()."""
    name = model._meta.verbose_name_plural
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        report.created[name] += 1
        return instance
    changed = {f: v for f, v in values.items() if getattr(instance, f) != v}
    if not changed:
        report.unchanged[name] += 1
        return instance
    for attribute, new in changed.items():
        report.updates.append(
            f"{name} {instance}: {attribute} {getattr(instance, attribute)!r} -> {new!r}"
        )
        setattr(instance, attribute, new)
    instance.full_clean()
    instance._change_reason = "Catalogue file changed"
    instance.save()
    return instance


INDICATOR_FIELDS = (
    "name",
    "description",
    "unit",
    *Indicator.SCORING_FIELDS,
    "cadence_days",
    "seed_paragraph",
    "seed_quote",
)
# What a field the file leaves out takes: the model's own default.
DEFAULTS = {
    field.name: field.get_default()
    for field in Indicator._meta.concrete_fields
    if field.name in INDICATOR_FIELDS
}


# What an indicator of a family takes when its entry sets none: an event all three, a level
# or a stage its cadence.
FAMILY_DEFAULTS = ("half_life_days", "saturation", "cadence_days")


@transaction.atomic
def families_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load the categories and the indicator families that every catalogue uses."""
    report = report or LoadReport()
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    categories = {}
    for order, spec in enumerate(data["categories"]):
        categories[spec["slug"]] = upsert(
            Category,
            {"slug": spec["slug"]},
            {"name": spec["name"], "description": spec.get("description", ""), "order": order},
            report,
        )
    for order, spec in enumerate(data["families"]):
        upsert(
            Family,
            {"slug": spec["slug"]},
            {
                "name": spec["name"],
                "category": categories[spec["category"]],
                "weight": spec["weight"],
                "description": spec.get("description", "").strip(),
                "order": order,
            },
            report,
        )
    return report


def family_defaults(path: Path) -> dict[str, dict]:
    """Each family's event defaults (FAMILY_DEFAULTS), read from families.toml."""
    with path.open("rb") as handle:
        families = tomllib.load(handle)["families"]
    return {f["slug"]: {k: f[k] for k in FAMILY_DEFAULTS if k in f} for f in families}


@transaction.atomic
def catalogue_load(
    path: Path, report: LoadReport | None = None, *, families: Path | None = None
) -> LoadReport:
    """Load a relationship with its scenarios, indicators and ladders. Its families (and
    their categories) must be loaded first; `families` (families.toml) gives the event
    defaults an indicator of a family takes when it sets none."""
    report = report or LoadReport()
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    defaults = family_defaults(families) if families else {}

    spec = data["relationship"]
    relationship = upsert(
        Relationship,
        {"slug": spec["slug"]},
        {
            k: spec.get(k, "").strip()
            for k in ("title", "actor_a", "actor_b", "question", "description", "grounding")
        },
        report,
    )
    for spec in data["scenarios"]:
        upsert(
            Scenario,
            {"relationship": relationship, "slug": spec["slug"]},
            {k: spec.get(k, "") for k in ("name", "description", "lower", "upper")},
            report,
        )
    known = {f.slug: f for f in Family.objects.select_related("category")}
    for spec in data["indicators"]:
        family = known.get(spec.get("family", ""))
        if family is None:
            raise ValueError(
                f"{path.name}: indicator {spec['slug']!r} names no known family "
                f"({spec.get('family')!r}; known: {', '.join(sorted(known))})"
            )
        if spec.get("category", family.category.slug) != family.category.slug:
            raise ValueError(
                f"{path.name}: indicator {spec['slug']!r} is in the category of its family "
                f"{family.slug!r}, {family.category.slug!r}, not {spec['category']!r}"
            )
        fill = defaults.get(family.slug, {})
        if spec.get("kind") != Indicator.Kind.EVENT:
            fill = {k: v for k, v in fill.items() if k == "cadence_days"}
        spec = fill | spec
        values = {f: spec.get(f, DEFAULTS[f]) for f in INDICATOR_FIELDS}
        values["description"] = values["description"].strip()
        values["family"] = family
        indicator = upsert(
            Indicator,
            {"slug": spec["slug"]},
            {**values, "relationship": relationship, "category": family.category},
            report,
        )
        ladder = spec.get("stages", [])
        if ladder:
            stages_retire(indicator, {stage["name"] for stage in ladder}, report)
        for order, stage in enumerate(ladder):
            upsert(
                Stage,
                {"indicator": indicator, "name": stage["name"]},
                {
                    "order": order,
                    "score": stage["score"],
                    "description": stage.get("description", ""),
                },
                report,
            )
    return report


def stages_retire(indicator: Indicator, names: set[str], report: LoadReport):
    """Make room for a reworded ladder: a stage the file no longer names is deleted, or, while
    observations still use it, moved above the ladder (the next load deletes it once unused).
    Otherwise a new stage would collide with its place on the ladder."""
    stale = indicator.stages.exclude(name__in=names).order_by("order")
    if not stale.exists():
        return
    top = max(len(names), max(indicator.stages.values_list("order", flat=True)) + 1)
    for stage in stale:
        if not stage.observations.exists():
            report.updates.append(f"stages {stage}: removed, no longer in the catalogue")
            stage.delete()
        elif stage.order < len(names):
            report.updates.append(
                f"stages {stage}: no longer in the catalogue, kept above the ladder while "
                "observations use it"
            )
            stage.order = top
            top += 1
            stage.full_clean()
            stage._change_reason = "Catalogue file changed"
            stage.save()


@transaction.atomic
def sources_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load publishers from a CSV file with name, kind, homepage, default_reliability."""
    report = report or LoadReport()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            upsert(
                Source,
                {"name": row["name"].strip()},
                {
                    "kind": row["kind"].strip(),
                    "homepage": row["homepage"].strip(),
                    "default_reliability": row["default_reliability"].strip(),
                },
                report,
            )
    return report


def originators_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load originators (who asserted the claims) from a CSV file with name, kind,
    default_reliability, description."""
    report = report or LoadReport()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            upsert(
                Originator,
                {"name": row["name"].strip()},
                {
                    "kind": row["kind"].strip(),
                    "default_reliability": row["default_reliability"].strip(),
                    "description": row["description"].strip(),
                },
                report,
            )
    return report


@transaction.atomic
def shared_events_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load the events several relationships share (slug, title, occurred_on, description);
    each relationship's observations link to them by slug."""
    report = report or LoadReport()
    with path.open("rb") as handle:
        events = tomllib.load(handle).get("events", [])
    for spec in events:
        upsert(
            SharedEvent,
            {"slug": spec["slug"]},
            {
                "title": spec["title"],
                "occurred_on": spec["occurred_on"],
                "description": spec.get("description", "").strip(),
            },
            report,
        )
    return report


FEED_FIELDS = ("kind", "homepage", "default_reliability", "adapter", "feed_url")


@transaction.atomic
def feeds_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load the sources that refresh jobs fetch; a new one starts disabled (an operator
    enables it), and reloading never changes whether an existing one is enabled."""
    report = report or LoadReport()
    with path.open("rb") as handle:
        feeds = tomllib.load(handle)["feeds"]
    for spec in feeds:
        upsert(Source, {"name": spec["name"]}, {f: spec.get(f, "") for f in FEED_FIELDS}, report)
    return report


# A rule field the file leaves out takes the model's own default.
RULE_DEFAULTS = {
    f.name: f.get_default()
    for f in Question._meta.concrete_fields
    if f.name in Question.RULE_FIELDS
}
PLAIN_RULE_FIELDS = ("direction", "threshold", "min_magnitude", "min_grade", "days")  # as written


@transaction.atomic
def questions_load(path: Path, report: LoadReport | None = None) -> LoadReport:
    """Load forecast questions (fixtures/<relationship>/questions.toml): their wording,
    window and rule.

    What a question's rule or an analyst decided (its resolution) is never loaded: the
    file defines questions, the evidence answers them. A fault names its question, and
    nothing of the file is written.
    """
    report = report or LoadReport()
    with path.open("rb") as handle:
        questions = tomllib.load(handle)["questions"]
    for number, spec in enumerate(questions, 1):
        name = f"{path.name}, question {number} ({spec.get('slug', 'no slug')})"
        try:
            values = _question_values(spec)
        except (ObjectDoesNotExist, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{name}: {error}") from None
        upsert(Question, {"slug": spec["slug"]}, values, report)
    return report


def _question_values(spec: dict) -> dict:
    relationship = Relationship.objects.get(slug=spec["relationship"])
    rule = dict(spec["rule"])
    values = {f: spec[f] for f in Question.ASKS if f != "relationship"}
    for day in ("opens", "closes"):
        if not isinstance(values[day], dt.date) or isinstance(values[day], dt.datetime):
            raise ValueError(f"{day} must be a date (YYYY-MM-DD), not {values[day]!r}")
    values |= RULE_DEFAULTS | {"relationship": relationship, "rule": rule.pop("kind")}
    if "indicator" in rule:
        slug = rule.pop("indicator")
        values["indicator"] = relationship.indicators.filter(slug=slug).first()
        if values["indicator"] is None:
            raise ValueError(f"{relationship.slug} has no indicator {slug!r}")
    if "stage" in rule:
        stage = rule.pop("stage")
        if values["indicator"] is None:
            raise ValueError("a stage needs its indicator")
        values["stage"] = values["indicator"].stages.filter(name=stage).first()
        if values["stage"] is None:
            raise ValueError(f"{values['indicator'].slug} has no rung {stage!r}")
    if "scenario" in rule:
        values["scenario"] = relationship.scenarios.get(slug=rule.pop("scenario"))
    directions = [d for d in ("above", "below") if d in rule]
    if len(directions) > 1:
        raise ValueError("a level rule is either above or below a value, not both")
    for direction in directions:
        values["direction"], values["threshold"] = direction, float(rule.pop(direction))
    for field_name in PLAIN_RULE_FIELDS:
        if field_name in rule:
            values[field_name] = rule.pop(field_name)
    if rule:
        raise ValueError(f"unknown rule fields {sorted(rule)}")
    return values
