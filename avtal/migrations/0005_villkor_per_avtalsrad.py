"""`villkor` moves from the agreement to each of its lines (KATALOG_AVTAL.md: conditions are per care service).

Every existing line gets its agreement's terms, so nothing a user saw is lost; then the agreement's column goes.
Reversing copies the first line's terms back (lines of one agreement had the same terms before this migration).
Also: an agreement upload can be cancelled ("avbruten")."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def villkor_till_rader(apps, schema_editor):
    Avtal = apps.get_model("avtal", "Avtal")
    Avtalsrad = apps.get_model("avtal", "Avtalsrad")
    Avtalsrad.objects.exclude(avtal__villkor="").update(
        villkor=Subquery(Avtal.objects.filter(pk=OuterRef("avtal_id")).values("villkor")[:1])
    )


def villkor_till_avtal(apps, schema_editor):
    Avtal = apps.get_model("avtal", "Avtal")
    Avtalsrad = apps.get_model("avtal", "Avtalsrad")
    forsta = Avtalsrad.objects.filter(avtal_id=OuterRef("pk")).exclude(villkor="").order_by("kva_id").values("villkor")
    Avtal.objects.update(villkor=models.functions.Coalesce(Subquery(forsta[:1]), models.Value("")))


class Migration(migrations.Migration):
    dependencies = [("avtal", "0004_index_for_statistik_och_volym")]

    operations = [
        migrations.AddField(model_name="avtalsrad", name="villkor", field=models.TextField(blank=True)),
        migrations.RunPython(villkor_till_rader, villkor_till_avtal),
        migrations.RemoveField(model_name="avtal", name="villkor"),
        migrations.AlterField(
            model_name="avtalsuppladdning",
            name="status",
            field=models.CharField(
                choices=[
                    ("mottagen", "Mottagen, kontrolleras"),
                    ("avvisad", "Avvisad"),
                    ("granskning", "Väntar på bekräftelse"),
                    ("avbruten", "Avbruten"),
                    ("tillampar", "Tillämpas"),
                    ("tillampad", "Tillämpad"),
                    ("misslyckad", "Misslyckades"),
                ],
                default="mottagen",
                max_length=12,
            ),
        ),
    ]
