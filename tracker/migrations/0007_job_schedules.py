"""The jobs' schedules, in django-celery-beat's tables so that operators edit them in the admin.

Hourly: refresh every enabled source. Nightly (02:30 UTC): rebuild every relationship's
snapshots (which evaluates alerts). Daily (06:00 UTC): check for stale indicators.
"""

import json

from django.db import migrations

TASKS = (
    ("Refresh enabled sources", "tracker.tasks.refresh_sources", "interval", {"every": 1, "period": "hours"}),
    ("Recompute snapshots", "tracker.tasks.recompute_all", "crontab", {"minute": "30", "hour": "2"}),
    ("Check stale indicators", "tracker.tasks.check_stale_indicators", "crontab", {"minute": "0", "hour": "6"}),
)


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, task, kind, spec in TASKS:
        if kind == "interval":
            schedule, _ = IntervalSchedule.objects.get_or_create(**spec)
            extra = {"interval": schedule}
        else:
            schedule, _ = CrontabSchedule.objects.get_or_create(
                day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC", **spec
            )
            extra = {"crontab": schedule}
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "args": json.dumps([]), **extra}
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_source_health_signals_tripwires_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
