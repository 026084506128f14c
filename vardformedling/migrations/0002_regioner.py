from django.db import migrations


def forwards(apps, schema_editor):
    from vardformedling.reference import load_regions

    load_regions(apps.get_model("vardformedling", "Region"))


class Migration(migrations.Migration):
    dependencies = [("vardformedling", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
