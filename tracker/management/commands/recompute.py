"""Rebuild the stored daily series (snapshots) of one or every relationship."""

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tracker.management.database import require_migrated
from tracker.models import Relationship
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

    def handle(self, *args, relationship=None, since=None, **options):
        require_migrated()
        relationships = Relationship.objects.order_by("slug")
        if relationship:
            relationships = relationships.filter(slug=relationship)
            if not relationships.exists():
                known = ", ".join(Relationship.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"No relationship {relationship!r} (known: {known}).")
        for one in relationships:
            self.stdout.write(str(snapshots_refresh(one, since=since)))
