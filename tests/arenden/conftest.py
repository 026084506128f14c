"""Fixtures for case tests: a navigator, a receiving unit with an agreement line, and cases in each step."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from arenden import services
from arenden.services import remisskuvert
from avtal.models import Avtal, Avtalsrad
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.personnummer import make_test_number

_serial = iter(range(1, 999))


def pnr() -> str:
    return make_test_number(1950, 3, 4, next(_serial))


@pytest.fixture
def lots(db):
    return make_user(Roll.VARDLOTS, "20", namn="Test Lots")


@pytest.fixture
def lots_uppdrag(lots):
    return Medarbetaruppdrag.objects.get(user=lots)


@pytest.fixture
def mottagande_enhet(db):
    return VardenhetFactory(hsa_id="SE5560000001-TEST01", namn="Testkliniken Uppsala")


@pytest.fixture
def mottagare(mottagande_enhet):
    return make_user(Roll.MOTTAGARE, "03", mottagande_enhet, namn="Test Mottagare")


@pytest.fixture
def mottagare_uppdrag(mottagare):
    return Medarbetaruppdrag.objects.get(user=mottagare)


@pytest.fixture
def avtalsrad(mottagande_enhet):
    idag = timezone.localdate()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id="TEST-2026-1",
        vardgivare=mottagande_enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=100),
        giltig_till=idag + timedelta(days=300),
        far_nyttjas_av_alla=True,
    )
    return Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=9500, takvolym=2)


@pytest.fixture
def registrera(lots, lots_uppdrag):
    def _registrera(**kwargs):
        data = {
            "anvandare": lots,
            "uppdrag": lots_uppdrag,
            "region": Region.objects.get(kod="20"),
            "personnummer": pnr(),
            "namn": "Test Testsson",
            "kva": KvaGrupp.objects.get(kod="CJE"),
            "beslutsdatum": timezone.localdate() - timedelta(days=60),
        }
        data.update(kwargs)
        return services.arende_registrera(**data)

    return _registrera


@pytest.fixture
def arende_i_steg(registrera, lots, lots_uppdrag, mottagande_enhet, mottagare, mottagare_uppdrag, avtalsrad):
    """`arende_i_steg("bekraftad")` → a case driven through the services to that status."""

    def _drive(status: str, **kwargs):
        a = registrera(**kwargs)
        patient = a.identitet  # what was registered (never read back from the database here)
        a = _drive_from(a, status)
        a.identitet = patient
        return a

    def _drive_from(a, status: str):
        if status == "behov":
            return a
        a = services.arende_bedom(arende=a, anvandare=lots, uppdrag=lots_uppdrag, lamplig=True)
        if status == "hitta_vardgivare":
            return a
        e = services.erbjudande_lamna(
            arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad, forvantat_datum=date.today()
        )
        services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=True)
        a.refresh_from_db()
        if status == "formedla":
            return a
        services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss"])
        a.refresh_from_db()
        if status == "remiss_skickad":
            return a
        remisskuvert.kvittera_arende(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag)  # the inbox first
        a = services.remiss_bekrafta(
            arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag, planerat_datum=date.today()
        )
        if status == "bekraftad":
            return a
        a = services.vard_utford(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag, utfort_datum=date.today())
        if status == "utford":
            return a
        a = services.arende_aterremittera(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag)
        if status == "uppfoljning":
            return a
        a = services.uppfoljning_registrera(arende=a, anvandare=lots)
        return services.arende_avsluta(arende=a, anvandare=lots)

    return _drive


@pytest.fixture
def region_20_utan_nyckel(monkeypatch):
    """Region 20's key service does not answer (its token was removed); other regions' do."""
    from vardformedling.nycklar.fel import NyckelEjTillganglig, Orsak
    from vardformedling.nycklar.tjanst import nyckeltjanst

    tjanst = nyckeltjanst()

    def _nere(region_kod, *args, **kwargs):
        raise NyckelEjTillganglig(region_kod, Orsak.TOKEN_SAKNAS, "testet tog bort token")

    for metod in ("unwrap_many", "wrap", "keyed_hash"):
        original = getattr(tjanst, metod)
        monkeypatch.setattr(
            tjanst, metod, lambda rk, *a, _o=original, **k: _nere(rk) if rk == "20" else _o(rk, *a, **k)
        )
