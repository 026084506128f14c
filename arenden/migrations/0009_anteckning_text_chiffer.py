# Issue 16: staff notes (free text about the patient) sealed under the case's data key.

from django.db import migrations, models


def forsegla(apps, schema_editor):
    from arenden.services.identitet import flytta_anteckningar

    flytta_anteckningar(apps.get_model("arenden", "Anteckning"), apps.get_model("arenden", "Arende"))


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0008_identitet_ta_bort_klartext'),
    ]

    operations = [
        migrations.AlterField(
            model_name='anteckning',
            name='text',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='anteckning',
            name='text_chiffer',
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forsegla, migrations.RunPython.noop, elidable=False),
    ]
