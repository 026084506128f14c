"""Issue 15 point 8: the search reads a KVÅ group's offering and its waiting times and forecasts once per process
and data version, and the agreement lines (volume left) on every search. A cached copy must never show a unit that
was deactivated or no longer offers the care, old figures after a new delivery or night's forecasts, or a volume
left that a reservation has since taken."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from avtal.models import Avtal, Avtalsrad, Volymreservation
from katalog.models import KvaGrupp, Vardenhet, Vardutbud
from lagesbild.importers import importera_fil
from lagesbild.manader import manad_plus
from lagesbild.models import Prognos
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.lagesbild.helpers import SPOR_HEADER, write
from tests.sok.helpers import Fragor
from vardformedling.models import Region, Roll

pytestmark = pytest.mark.django_db

URL = "/katalog/sok/"


@pytest.fixture
def lots(client_for):
    return client_for(Roll.VARDLOTS, region="20")


def namn(svar) -> list[str]:
    """The units proposed, in order."""
    html = svar.content.decode()
    return [rad.split("</a>")[0].rsplit(">", 1)[-1] for rad in html.split('class="traff__namn">')[1:]]


def test_a_unit_deactivated_or_no_longer_offering_the_care_is_gone_from_the_next_search(lots):
    a = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon A", lat=60.6, lon=15.6))
    b = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon B", lat=60.6, lon=15.7))
    c = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon C", lat=60.6, lon=15.8))
    assert sorted(namn(lots.get(URL, {"kva": "CJE"}))) == ["Ögon A", "Ögon B", "Ögon C"]

    Vardenhet.objects.filter(pk=a.vardenhet_id).update(aktiv=False)  # as the catalogue import deactivates
    svar = lots.get(URL, {"kva": "CJE"})
    assert sorted(namn(svar)) == ["Ögon B", "Ögon C"]
    assert "1 enhet uteslutna: 1 är inaktiva" in svar.content.decode()

    b.delete()  # the unit no longer offers the group
    enhet = Vardenhet.objects.get(pk=c.vardenhet_id)
    enhet.namn = "Ögon C nytt namn"
    enhet.save()
    VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon D", lat=60.6, lon=15.9))
    assert sorted(namn(lots.get(URL, {"kva": "CJE"}))) == ["Ögon C nytt namn", "Ögon D"]


def test_a_repeated_search_reads_only_the_agreement_lines_and_they_show_the_volume_left_now(lots):
    utbud = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon A", lat=60.6, lon=15.6))
    idag = timezone.localdate()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"), avtal_id="RD 2026/9", vardgivare=utbud.vardenhet.vardgivare,
        avtalstyp="upphandlat", giltig_fran=idag - timedelta(days=10), giltig_till=idag + timedelta(days=300),
    )  # fmt: skip
    rad = Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=9500, takvolym=3)
    forsta = lots.get(URL, {"kva": "CJE"}).content.decode()
    assert "3 kvar av 3" in forsta, forsta[forsta.find("<dt>Avtal") :][:400]

    Volymreservation.objects.create(rad=rad, referens="VF-2026-000001", region_id="20")
    with Fragor() as fragor:
        svar = lots.get(URL, {"kva": "CJE"})
    assert "2 kvar av 3" in svar.content.decode()
    sql = [q["sql"] for q in fragor.captured_queries]
    assert [q for q in sql if q.startswith('SELECT "avtal_avtalsrad"')], "the volume left is read on every search"
    assert not [q for q in sql if q.startswith('SELECT "katalog_vardutbud"') or "lagesbild_matvarde" in q], str(fragor)
    assert fragor.antal <= 5, str(fragor)  # session, user, commissions, lines, capacity offers


def test_a_new_delivery_and_the_nights_forecasts_reach_the_next_search(lots, tmp_path):
    uttag = timezone.localdate() - timedelta(days=2)
    rad = "{d};20;SE2321000180-CACHE1;Enhet A;NGB;90d;alla;40;{median};90;80,0;10,0"
    importera_fil(write(tmp_path, "spor1.csv", SPOR_HEADER, [rad.format(d=uttag, median=60)]), startad_av="test")
    enhet = Vardenhet.objects.get(hsa_id="SE2321000180-CACHE1")
    enhet.lat, enhet.lon = 60.6, 15.6
    enhet.save()
    Vardutbud.objects.create(vardenhet=enhet, kva_id="NGB")
    planerat = manad_plus(date(uttag.year, uttag.month, 1), 2)
    fraga = {"q": "NGB", "datum": planerat.isoformat()}
    assert "median 60\xa0dagar" in lots.get(URL, fraga).content.decode()

    ny = rad.format(d=uttag + timedelta(days=1), median=75)
    importera_fil(write(tmp_path, "spor2.csv", SPOR_HEADER, [ny]), startad_av="test")
    text = lots.get(URL, fraga).content.decode()
    assert "median 75\xa0dagar" in text and "median 60\xa0dagar" not in text

    # The nightly run replaces every forecast with one DELETE and a bulk insert.
    punkter = [{"manad": f"{planerat:%Y-%m}", "median": 150, "lag": 120, "hog": 180}]
    Prognos.objects.all().delete()
    Prognos.objects.bulk_create([
        Prognos(vardenhet=enhet, kva_id="NGB", kalla="SPOR", grundmanad=f"{uttag:%Y-%m}", metod="holt", visas=True,
                skal="Holt.", mae={}, punkter=punkter)
    ])  # fmt: skip
    text = lots.get(URL, fraga).content.decode().replace("\xa0", " ")
    assert "förväntad väntetid vid planerat datum 150 dagar (prognos, Holts metod med dämpad trend" in text


def _avtal(utbud, avtal_id: str, pris: int) -> Avtal:
    idag = timezone.localdate()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"), avtal_id=avtal_id, vardgivare=utbud.vardenhet.vardgivare,
        avtalstyp="upphandlat", giltig_fran=idag - timedelta(days=10), giltig_till=idag + timedelta(days=300),
    )  # fmt: skip
    Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=pris)
    return avtal


def test_which_units_an_agreement_covers_is_read_once_and_follows_every_agreement_and_catalogue_write(lots):
    a = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon A", lat=60.6, lon=15.6))
    avtal = _avtal(a, "RD 2026/7", 9500)
    text = lots.get(URL, {"kva": "CJE"}).content.decode()
    assert "RD 2026/7" in text

    with Fragor() as fragor:
        text = lots.get(URL, {"kva": "CJE"}).content.decode()
    assert "RD 2026/7" in text
    sql = [q["sql"] for q in fragor.captured_queries]
    assert not [q for q in sql if q.startswith('SELECT "avtal_avtal"."id" AS "pk"')], "the covering join is cached"

    # A second unit of the same provider: the agreement names no units, so it covers the new one too.
    b = VardutbudFactory(
        vardenhet=VardenhetFactory(namn="Ögon B", lat=60.6, lon=15.7, vardgivare=a.vardenhet.vardgivare)
    )
    text = lots.get(URL, {"kva": "CJE"}).content.decode()
    assert text.count("RD 2026/7") == 2, text

    # The agreement now names unit B only (the admin's form writes the M2M table): A loses it at once.
    avtal.vardenheter.set([b.vardenhet])
    svar = lots.get(URL, {"kva": "CJE", "med_avtal": "on"})
    assert namn(svar) == ["Ögon B"]

    # A new agreement written in bulk, which sends no signal: the lines read live name it, so its units are read.
    c = VardutbudFactory(vardenhet=VardenhetFactory(namn="Ögon C", lat=60.6, lon=15.8))
    assert namn(lots.get(URL, {"kva": "CJE", "med_avtal": "on"})) == ["Ögon B"]
    idag = timezone.localdate()
    (nytt,) = Avtal.objects.bulk_create([
        Avtal(avtalsagare_id="20", avtal_id="RD 2026/8", vardgivare=c.vardenhet.vardgivare, avtalstyp="upphandlat",
              giltig_fran=idag - timedelta(days=1), giltig_till=idag + timedelta(days=30))
    ])  # fmt: skip
    Avtalsrad.objects.bulk_create([Avtalsrad(avtal=nytt, kva_id="CJE", pris_kr=9000)])
    assert sorted(namn(lots.get(URL, {"kva": "CJE", "med_avtal": "on"}))) == ["Ögon B", "Ögon C"]
