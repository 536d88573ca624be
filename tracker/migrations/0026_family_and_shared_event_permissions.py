"""Readers and analysts read the families; analysts record the events that several
relationships share (linking observations to them). A family's share of the index, like an
indicator's weight, is changed only with `tracker.tune_family`, which no group holds."""

from django.db import migrations

READ = [
    "view_family",
    "view_historicalfamily",
    "view_sharedevent",
    "view_historicalsharedevent",
]
GROUPS = {
    "Reader": READ,
    "Analyst": READ + ["add_sharedevent", "change_sharedevent"],
}


def grant(apps, schema_editor):
    from tracker.migrations import _grants

    _grants.grant(apps, GROUPS)


def revoke(apps, schema_editor):
    from tracker.migrations import _grants

    _grants.revoke(apps, GROUPS)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0025_families_and_shared_events")]

    operations = [migrations.RunPython(grant, revoke)]
