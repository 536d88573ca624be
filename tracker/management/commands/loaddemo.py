"""Load the catalogue, the sources and the demo observations; running it twice changes nothing."""

import datetime as dt
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
    feeds_load,
    originators_load,
    questions_load,
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
            help="Folder with catalogue.toml, sources.csv, originators.csv, feeds.toml and "
            "demo_observations.csv.",
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
            report = catalogue_load(fixtures / "catalogue.toml")
            sources_load(fixtures / "sources.csv", report)
            originators_load(fixtures / "originators.csv", report)
            feeds_load(fixtures / "feeds.toml", report)
            dataset = tablib.Dataset().load(
                (fixtures / "demo_observations.csv").read_text(encoding="utf-8"), format="csv"
            )
            result, errors = observations_import(dataset, resource=DemoObservationResource())
            if errors:
                raise CommandError(
                    "demo_observations.csv was not loaded (nothing was written):\n"
                    + "\n".join(errors)
                )
            if (fixtures / "questions.toml").exists():
                try:
                    questions_load(fixtures / "questions.toml", report)
                except (ValueError, ValidationError) as error:
                    raise CommandError(f"Nothing was loaded: {error}") from None
        self.stdout.write(str(report))
        totals = result.totals
        self.stdout.write(
            f"observations: {totals['new']} created, {totals['update']} updated, "
            f"{totals['skip']} unchanged"
        )
        if users:
            self._create_users(password)
            self._hourly_refresh_due_now()

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
