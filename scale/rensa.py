"""Removing synthetic data (seed_scale --reset), in dependency order. Demo and real data are left alone."""

from django.db import transaction
from django.db.models import Q

from scale import MARKOR


@transaction.atomic
def rensa() -> str:
    from arenden.models import Arende
    from avtal.models import Avtal, AvtalsUppladdning, Volymreservation
    from katalog.models import KatalogImport, Vardenhet, Vardgivare
    from lagesbild.models import ImportRun, Leverans, Matvarde
    from scale.arenden import syntetiska_arenden
    from vardformedling.models import User

    arenden = Arende.objects.filter(syntetiska_arenden())
    case_ids = list(arenden.values_list("case_id", flat=True))
    for i in range(0, len(case_ids), 5000):
        Volymreservation.objects.filter(referens__in=case_ids[i : i + 5000]).delete()
    n_arenden = arenden.delete()[1].get("arenden.Arende", 0)
    User.objects.filter(hsa_id__contains=f"-{MARKOR}").delete()
    n_avtal = Avtal.objects.filter(avtal_id__startswith=f"{MARKOR}-").delete()[1].get("avtal.Avtal", 0)
    AvtalsUppladdning.objects.filter(filnamn__startswith="seed_scale").delete()
    leveranser = Leverans.objects.filter(import_run__in=ImportRun.objects.filter(startad_av="seed_scale"))
    Matvarde.objects.filter(leverans_id__in=leveranser.values("pk")).delete()
    leveranser.delete()
    enheter = Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}")
    Matvarde.objects.filter(vardenhet__in=enheter).delete()
    n_enheter = enheter.delete()[1].get("katalog.Vardenhet", 0)
    Vardgivare.objects.filter(Q(orgnr__startswith="559") | Q(orgnr__startswith="802"), vardenheter__isnull=True,
                              avtal__isnull=True).delete()  # fmt: skip
    # The importer skips a file it has seen (same checksum); forget the synthetic extracts so a new seed applies.
    KatalogImport.objects.filter(filnamn__startswith="seed_scale").delete()
    return f"Tog bort {n_arenden} ärenden, {n_avtal} avtal och {n_enheter} enheter."
