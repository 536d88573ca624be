"""Analysts write questions and their own forecasts (the admin and the analyst form); readers
read them. Entente's daily forecasts are derived rows: no group writes them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = [
    "view_question",
    "view_historicalquestion",
    "view_questionforecast",
    "view_analystforecast",
    "view_historicalanalystforecast",
]
GROUPS = {
    "Reader": READ,
    "Analyst": READ + ["add_question", "change_question", "add_analystforecast"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tracker")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("tracker", "0023_questions_and_forecasts")]

    operations = [migrations.RunPython(grant, revoke)]
