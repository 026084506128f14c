"""Issue 17 point 4: a waiting-list patient's hash becomes the cases' keyed hash of the personnummer (HMAC-SHA256 under
the region's HMAC key, `arenden.services.identitet.pnr_hash`) instead of an HMAC under a key derived from it, so a list
patient and an open case of the same person have equal hashes. Each list's identities are opened with its data key
(the region's key service, NYCKELTJANST) and hashed again; not reversible (the old derived hashes are not kept)."""

from django.db import migrations


def omhasha(apps, schema_editor):
    from arenden.vantelista.importer import omhasha

    omhasha(apps.get_model("arenden", "Vantelista"), apps.get_model("arenden", "VantelistaPatient"))


class Migration(migrations.Migration):

    dependencies = [
        ("arenden", "0014_vantelista_lagrad_risk"),
    ]

    operations = [
        migrations.RunPython(omhasha, migrations.RunPython.noop, elidable=False),
    ]
