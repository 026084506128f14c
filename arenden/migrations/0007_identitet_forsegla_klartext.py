"""Issue 16 step 2 of 3: seals every case's clear-text personnummer, name and contact details under its region's
key (arenden.services.identitet.flytta_klartext, the same write path as registration). Needs each region's key
service (NYCKELTJANST); a region whose key cannot be used stops the migration with its Swedish message before any
clear column is dropped. Not reversible: the clear text is not written back."""

from django.db import migrations


def forsegla(apps, schema_editor):
    from arenden.services.identitet import flytta_klartext

    flytta_klartext(apps.get_model("arenden", "Arende"))


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0006_identitet_forseglad_falt'),
    ]

    operations = [
        migrations.RunPython(forsegla, migrations.RunPython.noop, elidable=False),
    ]
