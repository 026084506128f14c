# Issue 16: a trip's free-text note (about the patient) sealed under the case's data key; the clear column dropped.

from django.db import migrations, models


def forsegla(apps, schema_editor):
    from arenden.services.identitet import flytta_resenoter

    flytta_resenoter(apps.get_model("arenden", "Resa"))


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0016_overforing_kuvert_kvittens'),
    ]

    operations = [
        migrations.AddField(
            model_name='resa',
            name='anteckning_chiffer',
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forsegla, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(
            model_name='resa',
            name='anteckning',
        ),
    ]
