"""Create the Analyst and Reader groups with their permissions.

Analysts record, correct and retract observations and keep the source list; they read the
catalogue but cannot change it (nor its weights: that needs `tracker.tune_indicator`).
Readers only read.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOGUE = ("relationship", "category", "indicator", "stage", "scenario")
READ = [f"view_{model}" for model in (*CATALOGUE, "observation", "source")]
HISTORY = [f"view_historical{model}" for model in (*CATALOGUE, "observation", "source")]
GROUPS = {
    "Reader": READ + HISTORY,
    "Analyst": READ
    + HISTORY
    + ["add_observation", "change_observation", "add_source", "change_source"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("tracker")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="tracker", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_catalogue_and_observations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
