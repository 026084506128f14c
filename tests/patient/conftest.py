"""Fixtures for the patient's pages: Tolvan (demo patient) with a case in region 20 and two open offers sent
through 1177, and another patient's case in the same region."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Erbjudande
from katalog.models import KvaGrupp
from patient.inloggning import DEMO_PER_NYCKEL
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Medarbetaruppdrag, Region, Roll

TOLVAN = DEMO_PER_NYCKEL["tolvan"]
TIO = DEMO_PER_NYCKEL["tio"]


def _case(lots, uppdrag, patient, *, dagar=60):
    return services.arende_registrera(
        anvandare=lots,
        uppdrag=uppdrag,
        personnummer=patient.personnummer,
        namn=patient.namn,
        kva=KvaGrupp.objects.get(kod="CJE"),
        beslutsdatum=timezone.localdate() - timedelta(days=dagar),
        tillat_dubblett=True,
        lamplig=True,
    )


@pytest.fixture
def varld(db):
    return bygg_varld()


def bygg_varld():
    """Vera Lots (region 20), Tolvan's case with two open offers at two units, and Tio's case with one."""
    lots = make_user(Roll.VARDLOTS, "20", namn="Vera Lots")
    uppdrag = Medarbetaruppdrag.objects.get(user=lots)
    Region.objects.filter(kod="20").update(vardformedling_telefon="08-465 004 20")
    enhet_a = VardenhetFactory(namn="Ögonkliniken Uppsala", ort="Uppsala", lat=59.86, lon=17.64)
    enhet_b = VardenhetFactory(namn="Ögonkliniken Falun", ort="Falun", lat=60.61, lon=15.63)
    arende = _case(lots, uppdrag, TOLVAN)
    datum = timezone.localdate() + timedelta(days=20)
    erbjudanden = [
        services.erbjudande_lamna(
            arende=arende, anvandare=lots, uppdrag=uppdrag, vardenhet=e, forvantat_datum=datum,
            erbjudet_via=Erbjudande.Via.V1177,
        )
        for e in (enhet_a, enhet_b)
    ]  # fmt: skip
    annat = _case(lots, uppdrag, TIO)
    services.erbjudande_lamna(arende=annat, anvandare=lots, uppdrag=uppdrag, vardenhet=enhet_a)
    arende.refresh_from_db()

    class V:
        pass

    v = V()
    v.lots, v.uppdrag, v.arende, v.erbjudanden, v.annat = lots, uppdrag, arende, erbjudanden, annat
    return v


def patientklient(nyckel: str = "tolvan") -> Client:
    client = Client()
    response = client.post("/patient/logga-in/", {"patient": nyckel}, secure=True)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def tolvan(varld):
    return patientklient("tolvan")
