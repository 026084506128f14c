"""Registration and the duplicate check respect the user's region (issue 22, findings 2 and 3): a case's home region is
the commission's, and an open case of the same patient elsewhere is neither named nor placed, only hinted at and
logged for the region that holds it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Arende, ArendeNummer, Atkomstlogg
from katalog.models import KvaGrupp
from tests.factories import make_user
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.django_db

PNR = make_test_number(1961, 7, 14, 231)


def _data(**extra):
    return {
        "personnummer": PNR,
        "namn": "Dubbel Dubbelsson",
        "kontaktvag": "telefon",
        "kva": "CJE",
        "beslutsdatum": (timezone.localdate() - timedelta(days=10)).isoformat(),
        **extra,
    }


def _klient(region_kod: str, hsa_id: str) -> Client:
    client = Client()
    client.force_login(
        make_user(Roll.VARDLOTS, region_kod, hsa_id=hsa_id), backend="vardformedling.auth.SithsStubBackend"
    )
    return client


def _registrerad_i(region_kod: str) -> Arende:
    user = make_user(Roll.VARDLOTS, region_kod)
    return services.arende_registrera(
        anvandare=user,
        uppdrag=Medarbetaruppdrag.objects.get(user=user),
        personnummer=PNR,
        namn="Dubbel Dubbelsson",
        kva=KvaGrupp.objects.get(kod="CJE"),
        beslutsdatum=timezone.localdate() - timedelta(days=20),
    )


# --- Finding 3: the home region is the commission's ------------------------------------------------------------------


def test_a_posted_region_other_than_the_commission_s_is_ignored_and_no_case_number_of_it_is_used(client_for):
    # The attack: a Dalarna navigator posted region=06 and used up one of Jönköping's case numbers.
    client = client_for(Roll.VARDLOTS, "20")
    page = client.get("/arenden/nytt/").content.decode()
    assert 'name="region"' not in page and "20 Region Dalarna" in page
    response = client.post("/arenden/nytt/", _data(region="06"))
    assert response.status_code == 302
    arende = Arende.objects.get()
    assert arende.region_id == "20" and arende.case_id.startswith(f"VF-{timezone.localdate().year}-20-")
    assert not ArendeNummer.objects.filter(region_id="06").exists()


def test_the_service_refuses_a_region_other_than_the_commission_s_and_writes_nothing(db):
    user = make_user(Roll.VARDLOTS, "20")
    with pytest.raises(ValidationError) as exc:
        services.arende_registrera(
            anvandare=user,
            uppdrag=Medarbetaruppdrag.objects.get(user=user),
            region=Region.objects.get(kod="06"),
            personnummer=PNR,
            namn="X",
            kva=KvaGrupp.objects.get(kod="CJE"),
            beslutsdatum=timezone.localdate(),
        )
    assert "20 Region Dalarna" in exc.value.message_dict["region"][0]
    assert not Arende.objects.exists() and not ArendeNummer.objects.exists()


@pytest.mark.parametrize("roll", [Roll.ADMINISTRATOR, Roll.MOTTAGARE])
def test_a_commission_without_a_navigator_s_region_registers_nothing(db, roll):
    user = make_user(roll, None)
    with pytest.raises(ValidationError):
        services.arende_registrera(
            anvandare=user,
            uppdrag=Medarbetaruppdrag.objects.get(user=user),
            personnummer=PNR,
            namn="X",
            kva=KvaGrupp.objects.get(kod="CJE"),
            beslutsdatum=timezone.localdate(),
        )
    assert not Arende.objects.exists()


# --- Finding 2: the duplicate warning is no oracle across regions ---------------------------------------------------


def test_a_duplicate_in_another_region_is_hinted_at_without_case_id_or_region_and_logged_for_that_region(db):
    # The attack: a Västernorrland navigator learnt the ID of a Jönköping case from the warning, unlogged.
    annan = _registrerad_i("06")
    client = _klient("22", "SE2321000206-VL02")
    response = client.post("/arenden/nytt/", _data())
    assert response.status_code == 422
    body = response.content.decode()
    assert "Patienten kan redan vara förmedlad för samma vårdtjänst i en annan region" in body
    assert "Kontakta patientens hemregion" in body
    assert annan.case_id not in body and annan.case_id.replace("-", "") not in body
    assert "Jönköping" not in body and "-06-" not in body
    rad = Atkomstlogg.objects.get(hsa_id="SE2321000206-VL02")
    assert (rad.case_id, rad.region_kod, rad.handling) == (annan.case_id, "06", "dubblettkontroll, annan region")
    # Registering anyway is still possible (the patient may have moved); the new case is region 22's.
    response = client.post("/arenden/nytt/", _data(tillat_dubblett="on"))
    assert response.status_code == 302
    assert Arende.objects.filter(region_id="22").count() == 1


def test_a_duplicate_in_the_own_region_is_named_and_logged(db):
    egen = _registrerad_i("20")
    client = _klient("20", "SE2321000180-VL09")
    response = client.post("/arenden/nytt/", _data())
    assert response.status_code == 422
    assert f'href="/arenden/{egen.case_id}/"' in response.content.decode()
    rad = Atkomstlogg.objects.get(hsa_id="SE2321000180-VL09")
    assert (rad.case_id, rad.region_kod, rad.handling) == (egen.case_id, "20", "dubblettkontroll")


def test_the_service_names_the_case_only_within_the_region(db):
    annan = _registrerad_i("06")
    user = make_user(Roll.VARDLOTS, "22")
    with pytest.raises(services.DubblettFel) as exc:
        services.arende_registrera(
            anvandare=user,
            uppdrag=Medarbetaruppdrag.objects.get(user=user),
            personnummer=PNR,
            namn="X",
            kva=KvaGrupp.objects.get(kod="CJE"),
            beslutsdatum=timezone.localdate(),
        )
    assert annan.case_id not in str(exc.value.messages) and exc.value.code == "dubblett_annan_region"
    assert Arende.objects.count() == 1
