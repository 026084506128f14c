"""Benchmark (issue #19 point 8): the agreement page and the filtered agreement list with reported volume on every
line, and the settlement page of a region-month with 2,000 invoice lines, each beside /healthz in the same run.

    .venv/bin/python bench/kapacitet.py [--antal 200] [--scale 1]

Seeds what seed_scale does not have yet (idempotent): one reported figure per line for each of the last three months,
and 2,000 invoice lines dated this month on region 20's cases; and region 20's delivery plans (PLANSERIER series of
13 weeks) for the delivery-plan page (no target in the issue; measured beside the rest). Targets: p95 < 150 ms
(agreement page, list), < 300 ms (settlement)."""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_AVTAL_MS = 150
MAL_AVRAKNING_MS = 300
FAKTURARADER = 2000
PLANSERIER = 40


def _seed_leveransplaner() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from avtal.leveransplan import mandag
    from avtal.models import Avtalsrad, Leveransplan

    if Leveransplan.objects.filter(planerad_av_id="20").exists():
        return
    denna = mandag(timezone.localdate())
    par = list(
        Avtalsrad.objects.filter(avtal__avtalsagare_id="20")
        .values_list("avtal__vardgivare_id", "kva_id")
        .distinct()[:PLANSERIER]
    )
    veckor = [(denna + timedelta(weeks=v), 5 + v % 3) for v in range(-4, 9)]
    Leveransplan.objects.bulk_create(
        Leveransplan(planerad_av_id="20", vardgivare_id=vg, kva_id=kva, vecka=vecka, antal=antal)
        for vg, kva in par
        for vecka, antal in veckor
    )


def _seed_rapporterad_volym() -> None:
    from datetime import date

    from django.utils import timezone

    from avtal.models import Avtalsrad, RapporteradVolym
    from vardformedling.models import Region

    if RapporteradVolym.objects.exists():
        return
    idag = timezone.localdate()
    manader = [date((idag.year * 12 + idag.month - 1 - n) // 12, (idag.year * 12 + idag.month - 1 - n) % 12 + 1, 1)
               for n in (1, 2, 3)]  # fmt: skip
    regioner = list(Region.objects.values_list("kod", flat=True))
    rader = []
    for i, (pk, agare) in enumerate(Avtalsrad.objects.values_list("pk", "avtal__avtalsagare_id")):
        for j, m in enumerate(manader):
            region = agare if j else regioner[i % len(regioner)]
            rader.append(RapporteradVolym(rad_id=pk, region_id=region, manad=m, antal=1 + (i + j) % 4, via="fil"))
    RapporteradVolym.objects.bulk_create(rader, batch_size=5000, ignore_conflicts=True)


def _seed_fakturarader(manad) -> None:
    from decimal import Decimal

    from arenden.models import Arende, Fakturarad

    finns = Fakturarad.objects.filter(arende__region_id="20", datum__gte=manad).count()
    if finns >= FAKTURARADER:
        return
    fall = list(Arende.objects.filter(region_id="20").values_list("pk", "mottagande_enhet_id")[:FAKTURARADER])
    rader = []
    for i in range(FAKTURARADER - finns):
        pk, enhet = fall[i % len(fall)]
        resa = i % 5 == 4
        avvikelse = Decimal(500) if i % 17 == 0 else Decimal(0)
        rader.append(Fakturarad(
            arende_id=pk, vardenhet_id=enhet, typ="resa" if resa else "vard", avser="Taxi" if resa else "Operation",
            datum=manad, belopp=Decimal(640) if resa else Decimal(12500) + avvikelse,
            avtalat_pris=None if resa else Decimal(12500), avvikelse=None if resa else avvikelse,
            avvikelse_text="500 kr över avtalat pris" if avvikelse else "",
        ))  # fmt: skip
    Fakturarad.objects.bulk_create(rader, batch_size=2000)


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from urllib.parse import quote

    from django.utils import timezone

    from avtal.models import Avtal
    from vardformedling.models import Roll

    _seed_rapporterad_volym()
    manad = timezone.localdate().replace(day=1)
    _seed_fakturarader(manad)
    _seed_leveransplaner()
    client, _ = klient(Roll.KOORDINATOR, "20")
    avtal = list(Avtal.objects.order_by("pk").values_list("avtal_id", "avtalsagare_id")[:antal])
    sidor = [f"/avtal/{quote(a)}/?agare={agare}" for a, agare in avtal]
    listor = ["/avtal/?kva=CJE&status=giltiga", "/avtal/?min_region=1&sort=slut", "/avtal/?agare=20&typ=upphandlat",
              "/avtal/?kva=NGB&min_region=1&ordning=fallande"]  # fmt: skip
    ref = referens(antal)
    return [
        rapportera(
            "Avtalssida (rapporterad volym på varje rad)", sidor[0], mat(client, sidor, antal), ref, MAL_AVTAL_MS
        ),
        rapportera("Avtalslista med filter", listor[0], mat(client, listor, antal), ref, MAL_AVTAL_MS),
        rapportera(
            f"Avräkning, en region-månad med {FAKTURARADER} fakturarader",
            f"/arenden/avrakning/?manad={manad:%Y-%m}",
            mat(client, [f"/arenden/avrakning/?manad={manad:%Y-%m}"], max(antal // 4, 20)),
            ref,
            MAL_AVRAKNING_MS,
        ),
        rapportera(
            f"Leveransplaner, {PLANSERIER} serier à 13 veckor (plan mot utfall)",
            "/leveransplaner/",
            mat(client, ["/leveransplaner/"], max(antal // 4, 20)),
            ref,
            None,
        ),
    ]


if __name__ == "__main__":
    kor(main, __doc__)
