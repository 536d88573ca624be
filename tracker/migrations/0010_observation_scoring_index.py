"""One index serves both an indicator's observations by date and a full rebuild's read: it
holds every column scoring needs, so the rebuild reads the index alone, in order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracker", "0009_observation_score_indicator")]

    operations = [
        # The new index first: queries by (indicator, occurred_on) are never without one.
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(
                fields=[
                    "indicator",
                    "occurred_on",
                    "recorded_at",
                    "id",
                    "status",
                    "magnitude",
                    "value",
                    "stage",
                    "reliability",
                    "credibility",
                ],
                name="observation_scoring",
            ),
        ),
        migrations.RemoveIndex(model_name="observation", name="observation_indicator_date"),
    ]
