"""Benchmark: ranked search (Hitta vårdgivare) with every filter, 200 requests as a navigator.

Targets (issue #15 point 8, at seed_scale --scale 1): p95 < 150 ms, at most 10 queries, and a median at most
50× the median of /healthz timed the same way in the same run.

    .venv/bin/python bench/search.py [--antal 200] [--scale 1]

Filters: KVÅ group, patient region (agreements usable by region 20 with volume left), ASA 3, general
anaesthesia, maximum distance, maximum median wait, ownership (all), with the default weights; cycles over four
KVÅ groups so no single plan is cached. `--antal` full pages, then half as many of the filter form's HTMX
requests (HX-Request; answered with the result fragment). Uses DATABASE_URL (default vf_bench; seeded when empty).
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 150
MAL_KVOT_HEALTHZ = 50
MAL_FRAGOR = 10
KVA = ["NGB", "CJE", "JAB", "KED"]


def urls() -> list[str]:
    return [
        f"/katalog/sok/?q={k}&kva={k}&patientregion=20&asa=3&narkos=on&med_avtal=on&max_avstand=1500"
        f"&max_vantetid=400&agarform=&v_vantetid=4&v_avstand=2&v_pris=1&v_avtal=2&v_formaga=1"
        for k in KVA
    ]


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from vardformedling.models import Roll

    client, _ = klient(Roll.VARDLOTS, "20")
    ref = referens(antal)
    sida = mat(client, urls(), antal)
    fragment = mat(client, urls(), antal // 2, htmx=True)
    mal = {"mal_kvot_ref": MAL_KVOT_HEALTHZ, "mal_fragor": MAL_FRAGOR}
    return [
        rapportera("Sök vårdgivare (alla filter)", urls()[0], sida, ref, MAL_P95_MS, **mal),
        rapportera("Sök vårdgivare (alla filter, HTMX-filter)", urls()[0], fragment, ref, MAL_P95_MS, **mal),
    ]


if __name__ == "__main__":
    kor(main, __doc__)
