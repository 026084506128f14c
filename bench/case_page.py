"""Benchmark: the case page (/arenden/<case_id>/) over 200 different cases of region 20, as a navigator.

    .venv/bin/python bench/case_page.py [--antal 200] [--scale 1]

Each view also writes its PDL access-log row (part of the measured time). Target: p95 < 150 ms (as search).
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 150


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from arenden.models import Arende
    from vardformedling.models import Roll

    client, _ = klient(Roll.VARDLOTS, "20")
    ids = list(Arende.objects.filter(region_id="20").order_by("-pk").values_list("case_id", flat=True)[:antal])
    urls = [f"/arenden/{c}/" for c in ids]
    return [rapportera("Ärendesida", urls[0], mat(client, urls, antal), referens(antal), MAL_P95_MS)]


if __name__ == "__main__":
    kor(main, __doc__)
