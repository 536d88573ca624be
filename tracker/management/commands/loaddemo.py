"""Load the families, every relationship's catalogue, the sources and the demo observations;
running it twice changes nothing.

The fixtures folder holds the shared files (families.toml, sources.csv, originators.csv,
feeds.toml, shared_events.toml) and one folder per relationship with its catalogue.toml,
observations.csv and, optionally, questions.toml."""

import datetime as dt
from collections import Counter
from pathlib import Path

import tablib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tracker.management.database import require_migrated
from tracker.observations.fixtures import (
    catalogue_load,
    families_load,
    feeds_load,
    originators_load,
    questions_load,
    relationship_folders,
    shared_events_load,
    sources_load,
)
from tracker.observations.resources import DemoObservationResource, observations_import

DEMO_USERS = (
    # username, group, is_staff, is_superuser
    ("admin", None, True, True),
    ("analyst", "Analyst", True, False),
    ("reader", "Reader", False, False),
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures",
            type=Path,
            default=settings.BASE_DIR / "fixtures",
            help="Folder with families.toml, sources.csv, originators.csv, feeds.toml, "
            "shared_events.toml and a folder per relationship (catalogue.toml, "
            "observations.csv, questions.toml).",
        )
        parser.add_argument(
            "--users",
            action="store_true",
            help="Also create the demo logins admin, analyst and reader (DEBUG only).",
        )
        parser.add_argument(
            "--password",
            default="entente-demo",
            help="Password of the demo logins (default: entente-demo).",
        )

    def handle(self, *args, fixtures: Path, users: bool, password: str, **options):
        require_migrated()
        if users and not settings.DEBUG:
            raise CommandError("Demo logins are only created with DEBUG on.")
        with transaction.atomic():
            report = families_load(fixtures / "families.toml")
            folders = relationship_folders(fixtures)
            try:
                for folder in folders:
                    catalogue_load(
                        folder / "catalogue.toml", report, families=fixtures / "families.toml"
                    )
            except ValueError as error:
                raise CommandError(f"Nothing was loaded: {error}") from None
            sources_load(fixtures / "sources.csv", report)
            originators_load(fixtures / "originators.csv", report)
            feeds_load(fixtures / "feeds.toml", report)
            if (fixtures / "shared_events.toml").exists():
                shared_events_load(fixtures / "shared_events.toml", report)
            totals: Counter[str] = Counter()
            for folder in folders:
                totals += self._observations(folder)
            for folder in folders:
                if (folder / "questions.toml").exists():
                    try:
                        questions_load(folder / "questions.toml", report)
                    except (ValueError, ValidationError) as error:
                        raise CommandError(f"Nothing was loaded: {error}") from None
        self.stdout.write(str(report))
        self.stdout.write(
            f"observations: {totals['new']} created, {totals['update']} updated, "
            f"{totals['skip']} unchanged"
        )
        if users:
            self._create_users(password)
            self._hourly_refresh_due_now()

    def _observations(self, folder: Path) -> Counter:
        name = f"{folder.name}/observations.csv"
        dataset = tablib.Dataset().load(
            (folder / "observations.csv").read_text(encoding="utf-8"), format="csv"
        )
        result, errors = observations_import(dataset, resource=DemoObservationResource())
        if errors:
            raise CommandError(
                f"{name} was not loaded (nothing was written):\n" + "\n".join(errors)
            )
        return Counter(result.totals)

    def _hourly_refresh_due_now(self):
        """So that the demo's beat sends its first job at start, not an hour later."""
        from django_celery_beat.models import PeriodicTask

        hour_ago = timezone.now() - dt.timedelta(hours=1, minutes=1)
        PeriodicTask.objects.filter(task="tracker.tasks.refresh_sources").update(
            last_run_at=hour_ago
        )

    def _create_users(self, password):
        for username, group, is_staff, is_superuser in DEMO_USERS:
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"is_staff": is_staff, "is_superuser": is_superuser}
            )
            if created:
                user.set_password(password)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            self.stdout.write(f"login: {username} / {password}" + (" (new)" if created else ""))
