"""The sweep that finishes recomputes a lost message, a dead worker or a broker outage left
pending (tracker.tasks.recompute_overdue), every minute; editable in the admin."""

import json

from django.db import migrations

NAME = "Finish overdue recomputes"


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "tracker.tasks.recompute_overdue",
            "args": json.dumps([]),
            "interval": every_minute,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_pending_recompute"),
        ("tracker", "0007_job_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
