"""Reference data from fixtures/ (regions, KVÅ groups). Used by data migrations and load_demo."""

import csv
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Regions whose care guarantee for treatment is shorter than the national 90 days.
KORTARE_VARDGARANTI = {"13": 60}


def read_csv(name: str) -> list[dict]:
    """The rows of a fixture; lines starting with "#" before or between rows are comments (source, version)."""
    with (FIXTURES / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader((rad for rad in f if not rad.startswith("#")), delimiter=";"))


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
    """Create or update the groups of fixtures/kva_grupper.csv. `KvaGrupp` may be a migration's historical model:
    only the columns it has are written (the synonyms arrived later)."""
    falt = {f.name for f in KvaGrupp._meta.get_fields()}
    for row in read_csv("kva_grupper.csv"):
        varden = {
            "benamning": row["benamning"],
            "vardomrade": row["vardomrade"],
            "register": row["register"],
            "synonymer": normalisera_synonymer(row.get("synonymer") or ""),
        }
        KvaGrupp.objects.update_or_create(kod=row["kva_grupp"], defaults={k: v for k, v in varden.items() if k in falt})
    return KvaGrupp.objects.count()


def normalisera_synonymer(text: str) -> str:
    """Comma-separated everyday words, trimmed, lower-case, without duplicates, in their given order."""
    ord_ = [o.strip().lower() for o in text.split(",")]
    return ",".join(dict.fromkeys(o for o in ord_ if o))
