"""Regenerate the tables in docs/methodology.md (and the calibration table in README.md) from
the catalogue, the scoring constants and the demo dataset (loaded if the database is empty)."""

import datetime as dt
import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker import methodology
from tracker.clock import today_utc
from tracker.forecasts import maths
from tracker.forecasts.service import LEAST, Timeline, forecast_question
from tracker.management.database import require_migrated
from tracker.models import Observation, Question, Relationship
from tracker.observations.fixtures import relationship_folders
from tracker.scoring import method, sensitivity
from tracker.scoring.inputs import (
    current_states,
    scoring_inputs,
    state_rows,
    states_as_known_on,
)
from tracker.selectors.series import assessments_from


def demo_calibration() -> tuple[str, str]:
    """The calibration table (method 2.0, as known on each date and with hindsight) and the
    comparison of the method versions: the demo dataset alone (the timeline's observations,
    whatever else this database holds), with the current catalogue."""
    relationship = Relationship.objects.get(slug="russia-iran")
    end = max(max(methodology.CALIBRATION_DATES), today_utc())
    demo = Observation.objects.filter(reference__startswith="tl-")
    keys = set(demo.values_list("pk", flat=True))
    names = dict(relationship.scenarios.values_list("slug", "name"))
    current = [s for s in current_states(relationship) if s.key in keys]

    def on_dates(states, until, version=method.METHOD_VERSION):
        return {
            p.date: p
            for p in assessments_from(relationship, states, until, version)
            if p.date in methodology.CALIBRATION_DATES
        }

    hindsight = on_dates(current, end)
    rows = []
    for day in methodology.CALIBRATION_DATES:
        moment = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        then = [s for s in states_as_known_on(relationship, moment) if s.key in keys]
        sources = (
            demo.filter(recorded_at__lte=moment, occurred_on__lte=day, status="accepted")
            .values("source")
            .distinct()
            .count()
        )
        rows.append(
            methodology.CalibrationRow(day, on_dates(then, day)[day], hindsight[day], sources)
        )
    versions = {v: on_dates(current, end, v) for v in method.METHOD_VERSIONS}
    return (
        methodology.calibration_table(rows, names),
        methodology.method_comparison_table(versions, names),
    )


DEMO_REFERENCE = r"^(?:[a-z]+-)?tl-\d"  # a demo row names its timeline row: tl-07b, dprk-tl-12


def demo_relationships() -> str:
    """Every watched relationship's demo, as known at each year end (only what had been
    recorded by then), under the default method."""
    by_title = {}
    names: dict[str, str] = {}
    for relationship in Relationship.objects.order_by("title"):
        names |= dict(relationship.scenarios.values_list("slug", "name"))
        demo = Observation.objects.filter(
            indicator__relationship=relationship, reference__regex=DEMO_REFERENCE
        )
        keys = set(demo.values_list("pk", flat=True))
        found = {}
        for day in methodology.YEAR_ENDS:
            moment = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
            then = [s for s in states_as_known_on(relationship, moment) if s.key in keys]
            if not then:
                continue
            points = assessments_from(relationship, then, day, method.METHOD_VERSION)
            found[day] = next(p for p in points if p.date == day)
        by_title[relationship.title] = found
    return methodology.relationships_table(by_title, names)


def demo_sensitivity() -> str:
    """The demo dataset's verdict under each parameter variant on the calibration dates, with
    hindsight (every report of the dataset), the full table for the last date."""
    relationship = Relationship.objects.get(slug="russia-iran")
    keys = set(Observation.objects.filter(reference__startswith="tl-").values_list("pk", flat=True))
    names = dict(relationship.scenarios.values_list("slug", "name"))
    inputs = scoring_inputs(relationship)
    categories = dict(
        relationship.indicators.values_list("category__slug", "category__name").distinct()
    )
    tried = sensitivity.variants(inputs.specs, categories)
    states = [s for s in current_states(relationship) if s.key in keys]
    columns = sensitivity.ObservationColumns.from_rows(state_rows(states))
    results = {}
    for day in methodology.CALIBRATION_DATES:
        found = sensitivity.evaluate(inputs.specs, inputs.scenarios, columns, day, tried)
        if found is not None:
            results[day] = found
    return methodology.sensitivity_table(results, names)


def demo_forecasts() -> tuple[str, str]:
    """The demo questions forecast on FORECAST_DAY, in memory (nothing stored): each
    resolved question's scores beside the baselines'."""
    relationship = Relationship.objects.get(slug="russia-iran")
    timeline = Timeline(relationship)
    questions = relationship.questions.exclude(rule=Question.Rule.NONE).select_related(
        "indicator", "stage", "scenario", "relationship"
    )
    outcomes = [(q, forecast_question(q, timeline, methodology.FORECAST_DAY)) for q in questions]
    resolved = [(q, o) for q, o in outcomes if o.resolution in ("yes", "no") and o.forecasts]
    yes = sum(o.resolution == "yes" for _, o in resolved)
    day_max = dt.date.max
    rows = []
    for question, outcome in sorted(resolved, key=lambda pair: pair[1].resolved_on or day_max):
        if outcome.resolved_on is None:
            continue
        answer = outcome.resolution == "yes"
        ps = [p for _, p in outcome.forecasts]
        rate = (yes - answer) / (len(resolved) - 1)

        def both(probabilities, answer=answer):
            return (maths.brier(probabilities, answer), maths.log_score(probabilities, answer))

        rows.append(
            methodology.ForecastRow(
                title=question.title,
                answer=outcome.resolution,
                known_on=outcome.resolved_on,
                days=len(ps),
                entente=both(ps),
                base_rate=both([rate] * len(ps)),
                no_change=both([LEAST] * len(ps)),
            )
        )
    return methodology.forecast_tables(rows, sum(not o.resolution for _, o in outcomes))


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args, check=False, **options):
        require_migrated()
        if not Relationship.objects.filter(slug="russia-iran").exists():
            call_command("loaddemo", stdout=io.StringIO())
        calibration, versions = demo_calibration()
        relationships = demo_relationships()
        forecasts, forecast_questions = demo_forecasts()
        fixtures = settings.BASE_DIR / "fixtures"
        catalogue = methodology.catalogue_tables(
            fixtures / "families.toml",
            [folder / "catalogue.toml" for folder in relationship_folders(fixtures)],
        )
        files = {
            "docs/methodology.md": {
                "catalogue": catalogue,
                "calibration": calibration,
                "versions": versions,
                "relationships": relationships,
                "sensitivity": demo_sensitivity(),
                "forecasts": forecasts,
                "forecast-questions": forecast_questions,
            },
            "README.md": {
                "calibration": calibration,
                "relationships": relationships,
                "forecasts": forecasts,
            },
        }
        for name, sections in files.items():
            path = settings.BASE_DIR / name
            text = path.read_text(encoding="utf-8")
            updated = methodology.replace_sections(text, sections)
            if not check:
                path.write_text(updated, encoding="utf-8")
                self.stdout.write(f"wrote {name}")
            elif updated != text:
                self.stderr.write(f"{name} is stale: run python manage.py methodology")
                raise SystemExit(1)
            else:
                self.stdout.write(f"{name} is up to date")
