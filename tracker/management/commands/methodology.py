"""Regenerate the tables in docs/methodology.md (and the calibration table in README.md) from
the catalogue, the scoring constants and the demo dataset (loaded if the database is empty)."""

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker import methodology
from tracker.clock import today_utc
from tracker.management.database import require_migrated
from tracker.models import Observation, Relationship
from tracker.scoring.compute import compute_series
from tracker.scoring.inputs import current_states, scoring_inputs
from tracker.selectors.series import assessments_from


def demo_calibration() -> str:
    """The calibration table: the demo dataset alone (the timeline's observations, whatever
    else this database holds), scored with the current method and catalogue."""
    relationship = Relationship.objects.get(slug="russia-iran")
    end = max(max(methodology.CALIBRATION_DATES), today_utc())
    demo = set(Observation.objects.filter(reference__startswith="tl-").values_list("pk", flat=True))
    states = [s for s in current_states(relationship) if s.key in demo]
    points = {
        p.date: p
        for p in assessments_from(relationship, states, end)
        if p.date in methodology.CALIBRATION_DATES
    }
    computed = compute_series(scoring_inputs(relationship), states, end)
    names = dict(relationship.scenarios.values_list("slug", "name"))
    return methodology.calibration_table(points, methodology.observed_only_index(computed), names)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args, check=False, **options):
        require_migrated()
        if not Relationship.objects.filter(slug="russia-iran").exists():
            call_command("loaddemo", stdout=io.StringIO())
        calibration = demo_calibration()
        catalogue = methodology.catalogue_tables(settings.BASE_DIR / "fixtures" / "catalogue.toml")
        files = {
            "docs/methodology.md": {"catalogue": catalogue, "calibration": calibration},
            "README.md": {"calibration": calibration},
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
