"""Demo data through the real importers, the shared api (search and follow-up use it), staleness warnings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from katalog.models import Vardenhet
from lagesbild import api, demo
from lagesbild.importers import importera_fil
from lagesbild.models import ImportRun, ImportStatus, Matvarde, Prognos, VantetidManad
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, write

pytestmark = pytest.mark.django_db


def test_demo_imports_recent_register_files_and_18_months_and_is_idempotent():
    demo.load()
    assert not ImportRun.objects.exclude(status=ImportStatus.KLAR).exists()
    assert api.inaktuella_kallor() == []
    assert VantetidManad.objects.riket().get(typ="atgard", manad="2024-01-01").antal_vantande == 200231
    assert VantetidManad.objects.riket().filter(typ="besok").count() == 18
    cje = api.vantetider_for_enheter(kva_kod="CJE")
    assert len(cje) > 10
    assert any(v.undertryckt for v in Matvarde.objects.filter(undertryckt=True)[:1])
    urval = set(Matvarde.objects.values_list("urval", flat=True))
    assert {"alla", "narkos", "inom_3m"} <= urval
    # The forecasts are computed as the nightly task would (#20): the demo shows some and withholds others.
    assert Prognos.objects.filter(visas=True).exists() and Prognos.objects.filter(visas=False).exists()
    prognoser = Prognos.objects.count()
    count = Matvarde.objects.count()
    demo.load()
    assert Matvarde.objects.count() == count and Prognos.objects.count() == prognoser
    assert set(ImportRun.objects.order_by("-id").values_list("status", flat=True)[:5]) == {ImportStatus.REDAN_INLAST}


def test_vantetider_for_enheter_takes_the_newest_figure_with_two_queries(tmp_path, django_assert_num_queries):
    idag = timezone.localdate()
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(str(idag - timedelta(days=2)))), startad_av="x")
    # The same unit in SPOR for CJE, a newer delivery: that figure wins.
    spor = [f"{idag - timedelta(days=1)};22;SE2321000206-OGON01;Sundsvall;CJE;90d;alla;12;99;150;60,0;10,0"]
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor), startad_av="x")
    sundsvall = Vardenhet.objects.get(hsa_id="SE2321000206-OGON01")
    uppsala = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    with django_assert_num_queries(2):
        result = api.vantetider_for_enheter(kva_kod="cje", vardenhet_ids=[sundsvall.pk, uppsala.pk])
    assert result[sundsvall.pk] == api.Vantetid(99, 12, False, "SPOR", idag - timedelta(days=1))
    assert result[uppsala.pk].median_dagar == 34 and result[uppsala.pk].kalla == "NCR"
    assert api.vantetider_for_enheter(kva_kod="CJE", period="365d") == {}
    assert api.vantetider_for_enheter(kva_kod="CJE", vardenhet_ids=[]) == {}


def test_stale_and_missing_sources_are_named_in_swedish(tmp_path):
    gammal = timezone.localdate() - timedelta(days=8)
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(str(gammal))), startad_av="x")
    varningar = api.inaktuella_kallor()
    assert f"NCR: senaste leverans {gammal:%Y-%m-%d} (8 dagar sedan) – uppgifterna kan vara inaktuella." in varningar
    assert any(v.startswith("SPOR: ingen leverans") for v in varningar)
    assert any(v.startswith("Väntetidsdatabasen: ingen leverans") for v in varningar)
    assert api.inaktuella_kallor(["SPOR"]) == [v for v in varningar if v.startswith("SPOR")]


def test_stale_warning_is_shown_on_the_table_and_unit_pages(client_for, tmp_path):
    from vardformedling.models import Roll

    gammal = timezone.localdate() - timedelta(days=4)
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(str(gammal))), startad_av="x")
    client = client_for(Roll.VARDLOTS)
    for url in ("/lagesbild/?kva=CJE", "/lagesbild/enheter/SE2321000206-OGON01/"):
        body = client.get(url).content.decode()
        assert '<p class="stale" role="status" data-live-note>NCR: senaste leverans' in body, url
