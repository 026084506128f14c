"""The demo agreements import through the real importer, cover the demo catalogue and are idempotent."""

import csv

from avtal import demo
from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning
from katalog.models import Vardenhet, Vardgivare
from vardformedling.reference import FIXTURES


def _demo_katalog():
    with (FIXTURES / "demo" / "katalog_demo.csv").open(encoding="utf-8-sig") as f:
        for r in csv.DictReader(f, delimiter=";"):
            vg, _ = Vardgivare.objects.get_or_create(
                hsa_id=r["vardgivare_hsaid"],
                defaults={"orgnr": r["vardgivare_orgnr"], "namn": r["vardgivare_namn"], "agarform": r["agarform"]},
            )
            Vardenhet.objects.get_or_create(
                hsa_id=r["vardenhet_hsaid"],
                defaults={"namn": r["vardenhet_namn"], "vardgivare": vg, "region_id": r["region_kod"]},
            )


def test_demo_agreements_load_and_reload_without_changes(db):
    _demo_katalog()
    demo.load()
    assert AvtalsUppladdning.objects.get().fel == []
    assert Avtal.objects.count() == 15
    assert AvtalsUppladdning.objects.get().status == "tillampad"
    koloskopi = Avtalsrad.objects.get(kva_id="UJF")
    assert koloskopi.takvolym == 20
    assert Avtal.objects.get(avtal_id="RS 2025/1187").far_nyttjas_av_alla
    andrad = dict(Avtal.objects.values_list("pk", "andrad"))
    demo.load()
    senaste = AvtalsUppladdning.objects.latest("skapad")
    assert (senaste.antal_nya, senaste.antal_andrade, senaste.antal_oforandrade) == (0, 0, 15)
    assert dict(Avtal.objects.values_list("pk", "andrad")) == andrad
