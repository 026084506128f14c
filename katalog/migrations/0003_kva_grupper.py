from django.db import migrations


def forwards(apps, schema_editor):
    from vardformedling.reference import load_kva_groups

    load_kva_groups(apps.get_model("katalog", "KvaGrupp"))


class Migration(migrations.Migration):
    dependencies = [("katalog", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
