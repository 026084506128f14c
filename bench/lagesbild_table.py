"""Benchmark: lägesbild table for one KVÅ group over all units (target p95 < 200 ms) and the unit view.

    .venv/bin/python bench/lagesbild_table.py [--antal 200] [--scale 1]

The table uses the KVÅ group offered by the most units, unit level, 90 days, sorted by median; the unit view
cycles over units with the most groups (18 months of history per group). Reference: /healthz, same run.
"""

from _common import argument, forbered, klient, mat, rapportera, referens

MAL_P95_MS = 200


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from django.db.models import Count

    from katalog.models import Vardenhet, Vardutbud
    from vardformedling.models import Roll

    kva = (
        Vardutbud.objects.values("kva_id").annotate(n=Count("id")).exclude(kva_id__in=["CJE", "CJC", "CJD"])
        .order_by("-n").first()["kva_id"]
    )  # fmt: skip
    client, _ = klient(Roll.VARDLOTS, "20")
    ref = referens(antal)
    tabell_url = f"/lagesbild/?kva={kva}&period=90&niva=enhet&sort=median"
    ut = [
        rapportera(f"Lägesbild, tabell {kva} alla enheter", tabell_url, mat(client, tabell_url, antal), ref, MAL_P95_MS)
    ]
    enheter = list(
        Vardenhet.objects.annotate(n=Count("vardutbud")).order_by("-n", "pk").values_list("hsa_id", flat=True)[:20]
    )
    enhet_urls = [f"/lagesbild/enheter/{h}/" for h in enheter]
    ut.append(
        rapportera("Lägesbild, enhetsvy (18 mån)", enhet_urls[0], mat(client, enhet_urls, antal), ref, MAL_P95_MS)
    )
    return ut


if __name__ == "__main__":
    a = argument(__doc__)
    main(a.antal, a.scale)
