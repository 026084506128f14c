import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from katalog.models import Kapacitetsannons, KvaGrupp
from tests.factories import UserFactory, VardenhetFactory
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


def annons(**kw):
    data = {
        "typ": "erbjuder",
        "kva": KvaGrupp.objects.get(kod="CJE"),
        "antal": 20,
        "period": "v. 10–14",
        "kontakt": "Lisa, 010-123",
        "giltig_till": timezone.localdate() + timedelta(days=14),
        "skapad_av": UserFactory(),
    }
    data.update(kw)
    return Kapacitetsannons.objects.create(**data)


def form_data(**kw):
    data = {
        "typ": "erbjuder",
        "kva": "CJE",
        "antal": "20",
        "period": "v. 10–14",
        "kontakt": "Lisa, 010-123",
        "giltig_till": (timezone.localdate() + timedelta(days=14)).isoformat(),
    }
    data.update(kw)
    return data


def test_a_receiving_unit_can_publish_an_offer_in_its_units_name(client_for):
    enhet = VardenhetFactory(namn="Demo Ögonklinik Uppsala")
    client = client_for(Roll.MOTTAGARE, vardenhet=enhet)
    response = client.post("/katalog/kapacitet/ny/", form_data())
    assert response.status_code == 302
    a = Kapacitetsannons.objects.get()
    assert (a.vardenhet, a.region_id, a.antal, a.kva_id) == (enhet, "03", 20, "CJE")
    listing = client.get("/katalog/kapacitet/").content.decode()
    assert "20 × CJE" in listing and "Demo Ögonklinik Uppsala" in listing


def test_the_form_proposes_expiry_in_14_days(client_for):
    body = client_for(Roll.VARDLOTS).get("/katalog/kapacitet/ny/").content.decode()
    assert (timezone.localdate() + timedelta(days=14)).isoformat() in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"giltig_till": (timezone.localdate() + timedelta(days=91)).isoformat()}, "högst 90 dagar"),
        ({"giltig_till": (timezone.localdate() - timedelta(days=1)).isoformat()}, "före i dag"),
        ({"antal": "0"}, "minst 1"),
        ({"period": ""}, "Ange perioden"),
        ({"period": "", "period_fran": "2026-12-10", "period_till": "2026-12-01"}, "före dess början"),
    ],
)
def test_invalid_announcements_are_rejected_with_a_message(client_for, change, message):
    response = client_for(Roll.VARDLOTS).post("/katalog/kapacitet/ny/", form_data(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Kapacitetsannons.objects.exists()


def test_expired_and_withdrawn_announcements_are_hidden_newest_first(client_for):
    idag = timezone.localdate()
    annons(antal=11, giltig_till=idag - timedelta(days=1))
    annons(antal=12, aterkallad=True)
    annons(antal=13, giltig_till=idag)  # last day: still shown
    annons(antal=14, typ="efterfragar")
    body = client_for(Roll.VARDLOTS).get("/katalog/kapacitet/").content.decode()
    assert "11 × CJE" not in body and "12 × CJE" not in body
    assert body.index("14 × CJE") < body.index("13 × CJE")


def test_the_list_filters_by_type_service_and_region(client_for):
    enhet = VardenhetFactory()
    annons(antal=21, vardenhet=enhet, region=enhet.region)
    annons(antal=22, typ="efterfragar")
    annons(antal=23, kva=KvaGrupp.objects.get(kod="NGB"))
    client = client_for(Roll.VARDLOTS)
    assert "22 × CJE" not in client.get("/katalog/kapacitet/?typ=erbjuder").content.decode()
    body = client.get("/katalog/kapacitet/?kva=NGB").content.decode()
    assert "23 × NGB" in body and "21 × CJE" not in body
    body = client.get("/katalog/kapacitet/?region=03").content.decode()
    assert "21 × CJE" in body and "22 × CJE" not in body


def test_the_author_can_withdraw_and_others_cannot(client_for):
    author = client_for(Roll.VARDLOTS)
    author.post("/katalog/kapacitet/ny/", form_data())
    a = Kapacitetsannons.objects.get()

    other = client_for(Roll.VARDLOTS)
    assert other.post(f"/katalog/kapacitet/{a.pk}/aterkalla/").status_code == 404
    assert "Återkalla" not in other.get("/katalog/kapacitet/").content.decode()

    assert author.post(f"/katalog/kapacitet/{a.pk}/aterkalla/").status_code == 302
    a.refresh_from_db()
    assert a.aterkallad and a.aterkallad_tid is not None
    assert "20 × CJE" not in author.get("/katalog/kapacitet/").content.decode()


def test_withdrawing_needs_post_and_csrf(client_for):
    author = client_for(Roll.VARDLOTS)
    author.post("/katalog/kapacitet/ny/", form_data())
    a = Kapacitetsannons.objects.get()
    assert author.get(f"/katalog/kapacitet/{a.pk}/aterkalla/").status_code == 405
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = author.cookies
    assert csrf_client.post(f"/katalog/kapacitet/{a.pk}/aterkalla/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    assert client.get("/katalog/kapacitet/")["Location"].startswith("/login/")


def test_navigators_see_new_offers_on_the_start_page(client_for):
    annons(antal=31, vardenhet=VardenhetFactory(namn="Erbjudande enheten"))
    annons(antal=32, typ="efterfragar")
    body = client_for(Roll.VARDLOTS).get("/").content.decode()
    assert "Nya kapacitetserbjudanden" in body
    assert "Erbjudande enheten: 31 × CJE" in body and "32 × CJE" not in body


def test_administrators_do_not_get_the_offer_panel(client_for):
    annons()
    assert "Nya kapacitetserbjudanden" not in client_for(Roll.ADMINISTRATOR).get("/").content.decode()


def test_receiving_units_are_invited_to_offer_capacity_on_the_start_page(client_for):
    body = client_for(Roll.MOTTAGARE).get("/").content.decode()
    assert 'href="/katalog/kapacitet/ny/?typ=erbjuder"' in body


def test_administrators_see_the_latest_catalogue_import_on_the_start_page(client_for):
    import katalog.demo

    katalog.demo.load()
    body = client_for(Roll.ADMINISTRATOR).get("/").content.decode()
    assert "Senaste katalogutdrag: katalog_demo.csv" in body and 'href="/katalog/import/"' in body


def test_filtering_with_htmx_returns_only_the_list(client_for):
    annons(antal=41)
    response = client_for(Roll.VARDLOTS).get("/katalog/kapacitet/?typ=erbjuder", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "41 × CJE" in body and "<html" not in body
    assert "no-store" in response["Cache-Control"]


def test_the_type_is_a_choice_between_two_without_a_blank(client_for):
    body = client_for(Roll.MOTTAGARE).get("/katalog/kapacitet/ny/?typ=erbjuder").content.decode()
    assert "---------</label>" not in body and body.count('name="typ"') == 2
    erbjuder = re.search(r'<input[^>]*value="erbjuder"[^>]*>', body).group(0)
    assert "checked" in erbjuder  # ?typ=erbjuder (the start-page link) preselects the type
