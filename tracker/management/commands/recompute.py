"""Rebuild the stored daily series (snapshots) of one or every relationship; or, with
--method, score them with that method version in memory and print its year ends (the stored
series keeps the default method, so that no page mixes two)."""

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tracker.clock import today_utc
from tracker.forecasts.service import forecasts_refresh
from tracker.management.database import require_migrated
from tracker.models import QuestionForecast, Relationship
from tracker.scoring import method
from tracker.scoring.compute import compute_series
from tracker.scoring.inputs import current_states, scoring_inputs
from tracker.series.refresh import snapshots_refresh


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"write the date as YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--relationship", help="Slug of one relationship (default: all).")
        parser.add_argument(
            "--since",
            type=iso_date,
            help="Rebuild from this date on (default: everything, from the first observation).",
        )
        parser.add_argument(
            "--method",
            choices=method.METHOD_VERSIONS,
            help="Print the series under this method version at each year end and today, "
            f"without storing it (the stored series uses {method.METHOD_VERSION}).",
        )

    def handle(self, *args, relationship=None, since=None, method=None, **options):
        require_migrated()
        relationships = Relationship.objects.order_by("slug")
        if relationship:
            relationships = relationships.filter(slug=relationship)
            if not relationships.exists():
                known = ", ".join(Relationship.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"No relationship {relationship!r} (known: {known}).")
        for one in relationships:
            if method is None:
                self.stdout.write(str(snapshots_refresh(one, since=since)))
                forecasts_refresh(one)
                forecasts = QuestionForecast.objects.filter(question__relationship=one)
                self.stdout.write(
                    f"{one.slug}: {one.questions.count()} question(s) resolved by rule and "
                    f"forecast ({forecasts.count()} daily forecasts)"
                )
            else:
                self._print(one, method)

    def _print(self, relationship, version):
        inputs = scoring_inputs(relationship)
        today = today_utc()
        computed = compute_series(inputs, current_states(relationship), today, version)
        self.stdout.write(f"{relationship.slug}, method {version}:")
        if computed is None:
            self.stdout.write("  no accepted observations")
            return
        slugs = [s.slug for s in inputs.scenarios]
        for n, day in enumerate(computed.dates):
            if not (day.month == 12 and day.day == 31) and day != today:
                continue
            a = computed.aggregate
            odds = " ".join(f"{slug} {p:.0%}" for slug, p in zip(slugs, a.odds[n], strict=True))
            self.stdout.write(
                f"  {day}  index {a.index[n]:5.1f} ({a.low[n]:.1f}–{a.high[n]:.1f})  "
                f"{a.bands[n]}  odds {odds}  coverage {a.coverage[n]:.0%}"
            )
