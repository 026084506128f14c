"""Demo catalogue (minimal until the catalogue importer lands)."""

from django.db import transaction

from katalog.models import KvaGrupp, Vardenhet, Vardgivare, Vardutbud

UNITS = [
    (
        "SE5560000001-0000",
        "556000-0001",
        "Demo Ögonklinik AB",
        "privat",
        "SE5560000001-OGON02",
        "Demo Ögonklinik Uppsala",
        "03",
        "Uppsala",
        59.8590,
        17.6450,
        ["CJE", "CJC"],
        3,
        True,
    ),
    (
        "SE2321000180-0000",
        "232100-0180",
        "Region Dalarna",
        "offentlig",
        "SE2321000180-FALU01",
        "Ortopedkliniken Falu lasarett",
        "20",
        "Falun",
        60.6140,
        15.6460,
        ["NGB", "NFB"],
        3,
        True,
    ),
]


@transaction.atomic
def load(stdout=None) -> None:
    for vg_hsa, orgnr, vg_namn, agarform, ve_hsa, ve_namn, region, ort, lat, lon, kva, asa, narkos in UNITS:
        vg, _ = Vardgivare.objects.update_or_create(
            hsa_id=vg_hsa, defaults={"orgnr": orgnr, "namn": vg_namn, "agarform": agarform}
        )
        ve, _ = Vardenhet.objects.update_or_create(
            hsa_id=ve_hsa,
            defaults={
                "namn": ve_namn,
                "vardgivare": vg,
                "region_id": region,
                "ort": ort,
                "lat": lat,
                "lon": lon,
            },
        )
        for kod in kva:
            Vardutbud.objects.update_or_create(
                vardenhet=ve, kva=KvaGrupp.objects.get(kod=kod), defaults={"max_asa": asa, "narkos": narkos}
            )
