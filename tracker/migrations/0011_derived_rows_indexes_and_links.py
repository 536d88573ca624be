"""Derived rows, for fast rebuilds: an indicator's scores with every column in one index,
which a rebuild reads alone (replacing the plain index on the indicator); and scores and
daily signals, which only a rebuild writes, without a database foreign key (see
tracker.models.DERIVED_LINK). Django still deletes them with their indicator or observation."""

import django.db.models.deletion
from django.db import migrations, models

DERIVED_LINK = {"on_delete": django.db.models.deletion.CASCADE, "db_constraint": False}


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
                db_index=False, related_name="+", to="tracker.indicator", **DERIVED_LINK
            ),
        ),
        migrations.AlterField(
            model_name="observationscore",
            name="observation",
            field=models.OneToOneField(
                primary_key=True,
                related_name="score",
                serialize=False,
                to="tracker.observation",
                **DERIVED_LINK,
            ),
        ),
        migrations.AlterField(
            model_name="indicatorsignal",
            name="indicator",
            field=models.ForeignKey(
                db_index=False, related_name="signals", to="tracker.indicator", **DERIVED_LINK
            ),
        ),
    ]
