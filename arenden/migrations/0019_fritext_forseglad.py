# Issue 16 point 1: the remaining free text about the patient (the case's diagnosis in words, medication,
# interpreter need, assessment/outcome/closing/parking reasons; the history's typed reasons; offer comments;
# deviations) sealed under the case's data key; the clear columns dropped (history and offers keep a clear column
# for the portal's own texts only).

from django.db import migrations, models


def forsegla(apps, schema_editor):
    from arenden.services.identitet import flytta_fritext

    flytta_fritext(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0018_patientkanal'),
    ]

    operations = [
        migrations.AddField(
            model_name='arende',
            name='avslut_motivering_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='bevakning_orsak_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='diagnos_text_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='lakemedel_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='lamplighet_motivering_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='tolkbehov_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='utfall_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arendehandelse',
            name='motivering_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='avvikelse',
            name='atgard_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='avvikelse',
            name='vad_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='erbjudande',
            name='fritext_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.RunPython(forsegla, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(
            model_name='arende',
            name='avslut_motivering',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='bevakning_orsak',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='diagnos_text',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='lakemedel',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='lamplighet_motivering',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='tolkbehov',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='utfall',
        ),
        migrations.RemoveField(
            model_name='avvikelse',
            name='atgard',
        ),
        migrations.RemoveField(
            model_name='avvikelse',
            name='vad',
        ),
    ]
