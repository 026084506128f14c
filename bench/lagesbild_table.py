"""Benchmark: lägesbild comparison table for one KVÅ group over all units. Target p95 < 200 ms, bounded queries.

    .venv/bin/python bench/lagesbild_table.py [--antal 200] [--scale 1]

Uses the KVÅ group offered by the most units, unit level, 90 days, sorted by median: `--antal` full pages, then
half as many of the filter form's HTMX requests (HX-Request, HX-Target: resultat; answered with the fragment).
Queries per page are printed (they must not grow with the number of units). Reference: /healthz, same run.
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 200


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from django.db.models import Count

    from katalog.models import Vardutbud
    from vardformedling.models import Roll

    kva = (
        Vardutbud.objects.values("kva_id").annotate(n=Count("id")).exclude(kva_id__in=["CJE", "CJC", "CJD"])
        .order_by("-n").first()["kva_id"]
    )  # fmt: skip
    client, _ = klient(Roll.VARDLOTS, "20")
    ref = referens(antal)
    url = f"/lagesbild/?kva={kva}&period=90&niva=enhet&sort=median"
    sida = mat(client, url, antal)
    fragment = mat(client, url, antal // 2, htmx="resultat")
    return [
        rapportera(f"Lägesbild, tabell {kva} alla enheter", url, sida, ref, MAL_P95_MS),
        rapportera(f"Lägesbild, tabell {kva} alla enheter (HTMX-filter)", url, fragment, ref, MAL_P95_MS),
    ]


if __name__ == "__main__":
    kor(main, __doc__)
