from datetime import date, timedelta

import pytest

from avtal.models import Avtal, Avtalsrad
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.sok.helpers import Fakes, vantetid
from vardformedling.models import Region, Roll

pytestmark = pytest.mark.django_db


def avtal(vardgivare, avtal_id, enheter=(), pris=21000):
    a = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id=avtal_id,
        vardgivare=vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=date.today() - timedelta(days=30),
        giltig_till=date.today() + timedelta(days=300),
    )
    a.vardenheter.set(enheter)
    Avtalsrad.objects.create(avtal=a, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=pris, takvolym=100)
    return a


def test_the_unit_page_shows_offering_agreements_waiting_times_and_link(client_for, monkeypatch):
    fakes = Fakes(monkeypatch)
    vu = VardutbudFactory(max_asa=4, narkos=True)
    enhet = vu.vardenhet
    sibling = VardenhetFactory(vardgivare=enhet.vardgivare)
    avtal(enhet.vardgivare, "RD 2026/11")  # covers all the provider's units
    avtal(enhet.vardgivare, "RD 2026/12", enheter=[enhet])
    avtal(enhet.vardgivare, "RD 2026/13", enheter=[sibling])  # another unit only
    fakes.vantetider = {enhet.pk: vantetid(33, antal=80)}

    body = client_for(Roll.VARDLOTS).get(f"/katalog/enheter/{enhet.hsa_id}/").content.decode()

    assert "CJE Extrakapsulär" in body and "1–4" in body
    assert "RD 2026/11" in body and "RD 2026/12" in body and "RD 2026/13" not in body
    assert "median <strong>33\xa0dagar</strong>" in body
    assert f'href="/lagesbild/enheter/{enhet.hsa_id}/"' in body


def test_a_unit_without_waiting_data_says_so(client_for, monkeypatch):
    Fakes(monkeypatch)
    vu = VardutbudFactory()
    body = client_for(Roll.VARDLOTS).get(f"/katalog/enheter/{vu.vardenhet.hsa_id}/").content.decode()
    assert "uppgift saknas" in body and "Inga avtal omfattar enheten." in body


def test_an_unknown_unit_is_404(client_for):
    assert client_for(Roll.VARDLOTS).get("/katalog/enheter/SE0000000000-X/").status_code == 404


def test_a_receiving_unit_may_not_open_the_unit_page(client_for):
    enhet = VardenhetFactory()
    assert client_for(Roll.MOTTAGARE).get(f"/katalog/enheter/{enhet.hsa_id}/").status_code == 403


def test_the_unit_page_uses_a_bounded_number_of_queries(client_for, monkeypatch, django_assert_max_num_queries):
    Fakes(monkeypatch)
    vu = VardutbudFactory()
    for i in range(15):
        avtal(vu.vardenhet.vardgivare, f"RD 2026/{i}")
    client = client_for(Roll.VARDLOTS)
    with django_assert_max_num_queries(13):  # 12 + the unit's public keys (issue 16)
        assert client.get(f"/katalog/enheter/{vu.vardenhet.hsa_id}/").status_code == 200


def test_the_unit_page_shows_the_fingerprints_of_the_unit_s_public_keys(client_for):
    """Public keys are catalogue data: two units compare fingerprints out of band (issue 16 point 4)."""
    from vardformedling.nycklar import enhetsnycklar

    enhet = VardutbudFactory().vardenhet
    client = client_for(Roll.VARDLOTS)
    assert "ingen ännu" in client.get(f"/katalog/enheter/{enhet.hsa_id}/").content.decode()
    publik = enhetsnycklar.skapa(enhet.hsa_id, enhet.region_id)
    body = client.get(f"/katalog/enheter/{enhet.hsa_id}/").content.decode()
    assert publik.kryptering_fingeravtryck in body and publik.signering_fingeravtryck in body


def test_the_unit_page_reads_waiting_times_for_all_offered_groups_at_once(
    client_for, tmp_path, django_assert_max_num_queries
):
    """Real register data: the page's query count doesn't grow with the number of KVÅ groups the unit offers."""
    from django.utils import timezone

    from katalog.models import Vardenhet
    from lagesbild.importers import importera_fil
    from tests.lagesbild.helpers import SPOR_HEADER, spor_rows, write

    idag = str(timezone.localdate() - timedelta(days=1))
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(idag)), startad_av="test")
    enhet = Vardenhet.objects.get(hsa_id="SE2321000180-FALU01")
    grupper = list(KvaGrupp.objects.filter(register="SPOR").exclude(kod="NGB").order_by("kod")[:5])
    assert len(grupper) == 5
    VardutbudFactory(vardenhet=enhet, kva=KvaGrupp.objects.get(kod="NGB"))
    client = client_for(Roll.VARDLOTS)
    url = f"/katalog/enheter/{enhet.hsa_id}/"
    with django_assert_max_num_queries(30) as en_grupp:
        body = client.get(url).content.decode()
    assert "median <strong>212\xa0dagar</strong>" in body
    for kva in grupper:
        VardutbudFactory(vardenhet=enhet, kva=kva)
    with django_assert_max_num_queries(len(en_grupp.captured_queries)):
        body = client.get(url).content.decode()
    assert "median <strong>212\xa0dagar</strong>" in body and body.count("uppgift saknas") >= 5
