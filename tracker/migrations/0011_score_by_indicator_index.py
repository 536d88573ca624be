"""An indicator's scores with every column in one index, which a rebuild reads alone; it
replaces the plain index on the indicator."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracker", "0010_observation_scoring_index")]

    operations = [
        migrations.AddIndex(
            model_name="observationscore",
            index=models.Index(
                fields=["indicator", "observation", "alliance", "diagnosticity", "favours"],
                name="score_by_indicator",
            ),
        ),
        migrations.AlterField(
            model_name="observationscore",
            name="indicator",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tracker.indicator",
            ),
        ),
    ]
