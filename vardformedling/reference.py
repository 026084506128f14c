"""Reference data from fixtures/ (regions, KVÅ groups). Used by data migrations and load_demo."""

import csv
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Regions whose care guarantee for treatment is shorter than the national 90 days.
KORTARE_VARDGARANTI = {"13": 60}


def read_csv(name: str) -> list[dict]:
    with (FIXTURES / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def load_regions(Region) -> int:
    for row in read_csv("regioner.csv"):
        Region.objects.update_or_create(
            kod=row["region_kod"],
            defaults={
                "namn": row["namn"],
                "sjukvardsregion": row["sjukvardsregion"],
                "orgnr": row["orgnr"],
                "residensstad": row["residensstad"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "vardgaranti_dagar": KORTARE_VARDGARANTI.get(row["region_kod"], 90),
            },
        )
    return Region.objects.count()


def load_kva_groups(KvaGrupp) -> int:
    for row in read_csv("kva_grupper.csv"):
        KvaGrupp.objects.update_or_create(
            kod=row["kva_grupp"],
            defaults={
                "benamning": row["benamning"],
                "vardomrade": row["vardomrade"],
                "register": row["register"],
            },
        )
    return KvaGrupp.objects.count()
