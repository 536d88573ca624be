"""Scores carry their observation's indicator, so a rebuild compares them without a join."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_indicators(apps, schema_editor):
    ObservationScore = apps.get_model("tracker", "ObservationScore")
    Observation = apps.get_model("tracker", "Observation")
    ObservationScore.objects.update(
        indicator_id=Subquery(
            Observation.objects.filter(pk=OuterRef("observation_id")).values("indicator_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0008_group_permissions_for_jobs")]

    operations = [
        migrations.AddField(
            model_name="observationscore",
            name="indicator",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tracker.indicator",
            ),
        ),
        migrations.RunPython(copy_indicators, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="observationscore",
            name="indicator",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tracker.indicator",
            ),
        ),
    ]
