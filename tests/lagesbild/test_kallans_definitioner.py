"""Figures as the source defines them (#20 point 2): the ASA 3–4 share over the last 12 months whatever window is
chosen, coverage text from the data on every lägesbild page, and retention of delivered files."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from katalog.models import Vardenhet, Vardutbud
from lagesbild import gallring, tasks
from lagesbild.api import tackning
from lagesbild.importers import importera_fil, sha256
from lagesbild.inkorg import mappar
from lagesbild.models import ImportRun
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(tmp_path):
    datum = str(timezone.localdate() - timedelta(days=1))
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(datum)), startad_av="test")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(datum)), startad_av="test")
    return datum


def _text(response) -> str:
    return " ".join(response.content.decode().replace("\xa0", " ").split())


@pytest.mark.parametrize("period", ["90", "365"])
def test_asa_share_is_the_12_month_figure_whatever_the_window(client_for, register, period):
    svar = client_for(Roll.VARDLOTS).get("/lagesbild/", {"kva": "NGB", "period": period})
    falu = next(r for r in svar.context["sida"].object_list if r.hsa_id == "SE2321000180-FALU01")
    assert falu.andel_asa_3_4 == 11.6  # the 365-day row's share, not the 90-day row's 12,5
    if period == "90":
        assert svar.context["riket"][0].andel_asa_3_4 is None  # no national 365-day row delivered: none shown
    assert "ASA 3–4 (senaste 12 mån)" in _text(svar)


def test_asa_share_is_the_12_month_figure_for_a_single_month_too(register):
    from katalog.models import KvaGrupp
    from lagesbild.api import tabellrader
    from tests.lagesbild.helpers import manaden_fore

    rader, _riket, _status = tabellrader(kva=KvaGrupp.objects.get(kod="NGB"), matperiod=manaden_fore(register))
    (falu,) = [r for r in rader if r.hsa_id == "SE2321000180-FALU01"]
    assert (falu.median, falu.andel_asa_3_4) == (205, 11.6)  # the month's median, the 12-month share (not 11,8)


def test_asa_share_is_the_12_month_figure_on_the_unit_page(client_for, register):
    svar = client_for(Roll.VARDLOTS).get("/lagesbild/enheter/SE2321000180-FALU01/")
    text = _text(svar)
    assert "Andel ASA 3–4 senaste 12 månaderna: 11,6 %" in text
    assert "12,5 %" not in text


def test_coverage_is_computed_from_the_data(register):
    ej_rapporterande = Vardenhet.objects.create(hsa_id="SE000-OGON-X", namn="Ögonmottagningen Visby", region_id="09")
    Vardutbud.objects.create(vardenhet=ej_rapporterande, kva_id="CJE")
    from katalog.models import KvaGrupp

    (text,) = tackning(kva=KvaGrupp.objects.get(kod="CJE"))
    assert text.startswith("NCR (leverans ")
    assert "2 vårdenheter i 2 av 21 regioner rapporterar CJE." in text
    assert "Registret är inte heltäckande: 1 av" in text and "(Ögonmottagningen Visby)" in text
    assert "Regioner utan rapporterande enhet: " in text and "Gotland" in text and "Uppsala," not in text
    alla = tackning()
    assert [t.split(" ")[0] for t in alla] == ["SPOR", "NCR"]
    (vt,) = tackning(kallor=["VANTETIDER"])
    assert vt == "Väntetidsdatabasen: ingen leverans har lästs in, så täckningen är okänd."


def test_coverage_follows_a_new_delivery_at_once_though_reporting_units_are_cached(
    register, tmp_path, django_assert_num_queries
):
    """The reporting units are cached per delivery (a DISTINCT over the delivery's rows, a third of the unit view at
    seed_scale 1): the second read runs no query for them, and a newer delivery with one more unit shows at once."""
    from katalog.models import KvaGrupp
    from vardformedling.referensdata import glom_allt

    cje = KvaGrupp.objects.get(kod="CJE")
    (forst,) = tackning(kva=cje)
    assert "2 vårdenheter i 2 av 21 regioner rapporterar CJE." in forst
    with django_assert_num_queries(1):  # the units offering CJE (with names); none for the reporting units
        assert tackning(kva=cje) == [forst]
    datum = str(timezone.localdate())
    rader = [*ncr_rows(datum), f"{datum};09;SE2321000065-VISBY1;Ögonmottagningen Visby;CJE;90d;alla;40;50;90;80,0"]
    assert not importera_fil(write(tmp_path, "ncr2.csv", NCR_HEADER, rader), startad_av="test").fel_text
    glom_allt()  # the newest deliveries are forgotten on commit, which this test's transaction never reaches
    (ny,) = tackning(kva=cje)
    assert "3 vårdenheter i 3 av 21 regioner rapporterar CJE." in ny and "Gotland" not in ny


def test_every_lagesbild_page_says_what_the_registers_cover(client_for, register, tmp_path):
    manad = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    vt = [f"{manad};00;atgard;Alla;100;10;50;50", f"{manad};20;atgard;Alla;40;8;20;20"]
    importera_fil(write(tmp_path, f"vantetider_{manad.replace('-', '')}.csv", VT_HEADER, vt), startad_av="test")
    c = client_for(Roll.VARDLOTS)
    tabell = _text(c.get("/lagesbild/", {"kva": "CJE"}))
    assert "2 vårdenheter i 2 av 21 regioner rapporterar CJE" in tabell
    enhet = _text(c.get("/lagesbild/enheter/SE2321000180-FALU01/"))
    assert "SPOR (leverans" in enhet and "rapporterar." in enhet
    vantetider = _text(c.get("/lagesbild/vantetider/"))
    assert f"Väntetidsdatabasen ({manad}" in vantetider and "1 av 21 regioner har rapporterat" in vantetider
    assert "Inte heltäckande – regioner utan uppgifter:" in vantetider


def _fil(mapp: str, namn: str, innehall: bytes, alder_dagar: int):
    fil = mappar()[mapp] / namn
    fil.write_bytes(innehall)
    t = time.time() - alder_dagar * 86400
    os.utime(fil, (t, t))
    return fil


def test_archive_retention_removes_old_files_and_keeps_their_checksums(tmp_path):
    assert settings.LAGESBILD_ARKIV_MANADER == 13
    assert settings.CELERY_BEAT_SCHEDULE["lagesbild-gallra-arkiv"]["task"] == "lagesbild.tasks.gallra_arkiv"
    gammal = _fil("archive", "spor_20250101.csv", b"gammal leverans\n", 420)
    summa = sha256(gammal)
    run = ImportRun.objects.create(filnamn="spor_20250101.csv", checksumma=summa, status="klar", startad_av="beat")
    okand = _fil("rejected", "trasig.csv", b"avvisad utan logg\n", 500)
    okand_summa = sha256(okand)
    ny = _fil("archive", "spor_20261101.csv", b"ny leverans\n", 30)
    assert tasks.gallra_arkiv() == {"borttagna": 2, "kvar": 1}
    assert not gammal.exists() and not okand.exists() and ny.exists()
    run.refresh_from_db()
    assert run.checksumma == summa and run.fil_gallrad is not None
    loggad = ImportRun.objects.get(checksumma=okand_summa)
    assert loggad.startad_av == "gallring" and loggad.fil_gallrad is not None
    assert tasks.gallra_arkiv() == {"borttagna": 0, "kvar": 1}


def test_retention_period_is_a_setting(settings):
    settings.LAGESBILD_ARKIV_MANADER = 1
    fil = _fil("archive", "x.csv", b"x\n", 40)
    gallring.gallra()
    assert not fil.exists()
