"""Benchmark: the lägesbild unit view (/lagesbild/enheter/<hsa_id>/, 18 months per KVÅ group). Target p95 < 200 ms.

    .venv/bin/python bench/lagesbild_unit.py [--antal 200] [--scale 1]

Cycles over the 20 units that offer the most KVÅ groups (the heaviest pages: one chart and table per group).
Reference: /healthz, same run.
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 200


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from django.db.models import Count

    from katalog.models import Vardenhet
    from vardformedling.models import Roll

    client, _ = klient(Roll.VARDLOTS, "20")
    enheter = list(
        Vardenhet.objects.annotate(n=Count("vardutbud")).order_by("-n", "pk").values_list("hsa_id", flat=True)[:20]
    )
    urls = [f"/lagesbild/enheter/{h}/" for h in enheter]
    res = mat(client, urls, antal)
    return [rapportera("Lägesbild, enhetsvy (18 mån)", urls[0] if urls else "-", res, referens(antal), MAL_P95_MS)]


if __name__ == "__main__":
    kor(main, __doc__)
