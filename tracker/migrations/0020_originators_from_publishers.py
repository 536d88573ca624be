"""Every stored observation gets an originator: its publisher, taken as its own originator
(what the method assumed until now, made explicit). `loaddemo` then moves the demo's rows to
the originators that fixtures/demo_observations.csv names, row by row.

Snapshots stored by the draft of method 2.0 are relabelled "2.0-draft", so that the next
refresh rebuilds them under method 2.0 as finished (reliability on the originator,
credibility apart, one line of evidence per originator)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Analysts keep the originator list as they keep the source list, and cite further
# publishers; readers read both.
READ = ["view_originator", "view_historicaloriginator", "view_citation", "view_historicalcitation"]
GROUPS = {
    "Reader": READ,
    "Analyst": READ + ["add_originator", "change_originator", "add_citation", "change_citation"],
}

FOR_SOURCE_KIND = {
    "news": "journalism",
    "state_media": "journalism",
    "aggregator": "journalism",
    "government": "government",
    "think_tank": "think_tank",
    "dataset": "dataset",
}


def originators_from_publishers(apps, schema_editor):
    Source = apps.get_model("tracker", "Source")
    Originator = apps.get_model("tracker", "Originator")
    Observation = apps.get_model("tracker", "Observation")
    HistoricalObservation = apps.get_model("tracker", "HistoricalObservation")
    # Every publisher that any version of an observation cites, current or past.
    used = set(Observation.objects.values_list("source_id", flat=True))
    used |= set(HistoricalObservation.objects.values_list("source_id", flat=True))
    for source in Source.objects.filter(pk__in=used):
        originator, _ = Originator.objects.get_or_create(
            name=source.name,
            defaults={
                "kind": FOR_SOURCE_KIND.get(source.kind, "journalism"),
                "default_reliability": source.default_reliability,
                "description": "The publisher's own reporting (no other originator named).",
            },
        )
        Observation.objects.filter(source_id=source.pk, originator__isnull=True).update(
            originator=originator
        )
        # The history says the same of every earlier version: as known then, the claim was
        # the publisher's (an "as known on" replay scores it as it scores today).
        HistoricalObservation.objects.filter(
            source_id=source.pk, originator__isnull=True
        ).update(originator_id=originator.pk)


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


def relabel_draft_snapshots(apps, schema_editor):
    Snapshot = apps.get_model("tracker", "Snapshot")
    Snapshot.objects.filter(method_version="2.0").update(method_version="2.0-draft")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_originator_caveat_citation"),
    ]

    operations = [
        migrations.RunPython(originators_from_publishers, migrations.RunPython.noop),
        migrations.RunPython(relabel_draft_snapshots, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
