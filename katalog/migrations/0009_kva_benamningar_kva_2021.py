from django.db import migrations

# Codes the fixture held before its names were checked against KVÅ 2021 (issue 20): PAF and PHD are not Swedish KVÅ
# codes (chapter P is V in KVÅ), DHB and JHC carried another group's name and everyday words.
UTGANGNA = ["PAF", "PHD", "DHB", "JHC"]


def ladda_kva_grupper(apps, schema_editor):
    # fixtures/kva_grupper.csv now carries Socialstyrelsen's KVÅ 2021 group texts: load it again, and leave the codes
    # that left it unnamed, so that an administrator is asked to name them if register files still bring them.
    from vardformedling.reference import load_kva_groups

    KvaGrupp = apps.get_model("katalog", "KvaGrupp")
    load_kva_groups(KvaGrupp)
    KvaGrupp.objects.filter(kod__in=UTGANGNA).update(benamning="", vardomrade="", synonymer="")


class Migration(migrations.Migration):
    dependencies = [
        ("katalog", "0008_kvalitetsmatt_reoperation"),
    ]

    operations = [
        migrations.RunPython(ladda_kva_grupper, migrations.RunPython.noop),
    ]
