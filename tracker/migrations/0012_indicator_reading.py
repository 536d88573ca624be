"""One word, one meaning: the computed 0–1 value of an indicator is its *reading*; a *signal*
is only ever an item a refresh found for triage. Renames IndicatorSignal and its field."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_derived_rows_indexes_and_links")]

    operations = [
        migrations.RemoveConstraint(model_name="indicatorsignal", name="signal_one_per_day"),
        migrations.RenameModel(old_name="IndicatorSignal", new_name="IndicatorReading"),
        migrations.RenameField(model_name="indicatorreading", old_name="signal", new_name="reading"),
        migrations.AddConstraint(
            model_name="indicatorreading",
            constraint=models.UniqueConstraint(
                fields=["indicator", "date"], name="reading_one_per_day"
            ),
        ),
        # Help texts that said "signal"; the related name (indicator.readings).
        migrations.AlterField(
            model_name='historicalindicator',
            name='ceiling',
            field=models.FloatField(blank=True, help_text='Level indicators: the value that maps to reading 1.', null=True),
        ),
        migrations.AlterField(
            model_name='historicalindicator',
            name='floor',
            field=models.FloatField(blank=True, help_text='Level indicators: the value that maps to reading 0.', null=True),
        ),
        migrations.AlterField(
            model_name='historicalindicator',
            name='saturation',
            field=models.FloatField(blank=True, help_text='Event indicators: graded magnitude at which the reading reaches ~63% of full.', null=True, validators=[django.core.validators.MinValueValidator(0.01)]),
        ),
        migrations.AlterField(
            model_name='historicalstage',
            name='score',
            field=models.FloatField(help_text='Reading of this stage, 0 (none) to 1 (full).', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
        ),
        migrations.AlterField(
            model_name='historicaltripwire',
            name='threshold',
            field=models.FloatField(help_text="On the indicator's reading scale, 0 to 1.", validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
        ),
        migrations.AlterField(
            model_name='indicator',
            name='ceiling',
            field=models.FloatField(blank=True, help_text='Level indicators: the value that maps to reading 1.', null=True),
        ),
        migrations.AlterField(
            model_name='indicator',
            name='floor',
            field=models.FloatField(blank=True, help_text='Level indicators: the value that maps to reading 0.', null=True),
        ),
        migrations.AlterField(
            model_name='indicator',
            name='saturation',
            field=models.FloatField(blank=True, help_text='Event indicators: graded magnitude at which the reading reaches ~63% of full.', null=True, validators=[django.core.validators.MinValueValidator(0.01)]),
        ),
        migrations.AlterField(
            model_name='indicatorreading',
            name='indicator',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='tracker.indicator'),
        ),
        migrations.AlterField(
            model_name='indicatorreading',
            name='reading',
            field=models.FloatField(help_text="The indicator's reading s, 0 to 1."),
        ),
        migrations.AlterField(
            model_name='indicatorreading',
            name='strength',
            field=models.FloatField(help_text='Event: graded decayed sum; else the reading.'),
        ),
        migrations.AlterField(
            model_name='stage',
            name='score',
            field=models.FloatField(help_text='Reading of this stage, 0 (none) to 1 (full).', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
        ),
        migrations.AlterField(
            model_name='tripwire',
            name='threshold',
            field=models.FloatField(help_text="On the indicator's reading scale, 0 to 1.", validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
        ),
    ]
