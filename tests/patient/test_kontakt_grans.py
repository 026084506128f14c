"""The limits on a patient's contact requests (third review): a few open requests per patient at a time, and a
per-patient rate over the hour by the API's counter helper. A refusal is 422 with a Swedish message, as a page and
as an HTMX request, and writes nothing."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from arenden.models import Arende, Kalla, Status
from arenden.services.patientsvar import KONTAKT_HANDELSE, MAX_OPPNA_KONTAKTFORFRAGNINGAR
from katalog.models import KvaGrupp
from patient.session import SESSION_PATIENT
from patient.views import _kontakt_raknare
from tests.patient.conftest import patientklient

pytestmark = pytest.mark.django_db

URL = "/patient/kontakta-mig/"


@pytest.fixture
def nollstall():
    """Clears a client's patient's counter of this hour before and after the test (the counter is in the shared
    cache and follows the patient, so other tests' requests in the same hour would count)."""
    nycklar = []

    def gor(klient):
        hashar = klient.session[SESSION_PATIENT]["hashar"]
        nyckel = _kontakt_raknare(SimpleNamespace(hashar=hashar))
        nycklar.append(nyckel)
        cache.delete(nyckel)
        return klient

    yield gor
    for nyckel in nycklar:
        cache.delete(nyckel)


def _grupper(antal: int) -> list[str]:
    """KVÅ groups the patient has no case for (Tolvan's own case is CJE) and that the form offers."""
    grupper = KvaGrupp.objects.exclude(kod="CJE").exclude(benamning="").order_by("kod")
    return list(grupper.values_list("kod", flat=True)[:antal])


def _fraga(klient, kva: str, region: str = "06", **htmx):
    return klient.post(URL, {"region": region, "kva": kva, "orsak": "annat"}, secure=True, **htmx)


def _patientens() -> int:
    """The cases the patient's pages registered (the demo world's own cases are of source `patient` too)."""
    return Arende.objects.filter(kalla=Kalla.PATIENT, handelser__handelse=KONTAKT_HANDELSE).count()


def test_a_patient_has_at_most_a_few_open_contact_requests_at_a_time(varld, tolvan, nollstall):
    nollstall(tolvan)
    grupper = _grupper(MAX_OPPNA_KONTAKTFORFRAGNINGAR + 1)
    # Under the limit each request is a case; the case the region registered itself (CJE) does not count.
    for i, kva in enumerate(grupper[:MAX_OPPNA_KONTAKTFORFRAGNINGAR]):
        svar = _fraga(tolvan, kva, region=["06", "20", "01"][i % 3])
        assert svar.status_code == 302, svar.content.decode()[:2000]
    assert _patientens() == MAX_OPPNA_KONTAKTFORFRAGNINGAR
    # One more, as a page and as an HTMX request: 422, the message in the form, nothing written.
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        svar = _fraga(tolvan, grupper[-1], **htmx)
        sida = svar.content.decode()
        assert svar.status_code == 422
        assert f"Du har redan {MAX_OPPNA_KONTAKTFORFRAGNINGAR} frågor om vård på annat håll" in sida
        assert 'role="alert"' in sida and "ring vårdförmedlingen i din region" in sida
        assert _patientens() == MAX_OPPNA_KONTAKTFORFRAGNINGAR
    # Another patient has limits of their own.
    tio = nollstall(patientklient("tio"))
    assert _fraga(tio, grupper[-1]).status_code == 302
    # When the region has closed one of the patient's requests, the patient may ask again.
    Arende.objects.filter(kalla=Kalla.PATIENT, kva_id=grupper[0]).update(status=Status.AVSLUTAD_TIDIGT)
    assert _fraga(tolvan, grupper[-1]).status_code == 302
    assert Arende.objects.filter(kalla=Kalla.PATIENT, kva_id=grupper[-1]).count() == 2


def test_a_patients_contact_requests_are_rate_limited_per_hour(varld, tolvan, nollstall, settings):
    settings.PATIENT_KONTAKT_PER_TIMME = 2
    nollstall(tolvan)
    forsta, andra = _grupper(2)
    assert _fraga(tolvan, forsta).status_code == 302
    # A refused duplicate counts too: it cost the same key operations.
    assert "redan ett ärende" in _fraga(tolvan, forsta).content.decode()
    # A form with errors does not count: it never reaches the keys.
    assert tolvan.post(URL, {"region": "06"}, secure=True).status_code == 422
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        svar = _fraga(tolvan, andra, **htmx)
        sida = svar.content.decode()
        assert svar.status_code == 422
        assert "Du har skickat många frågor den senaste timmen" in sida and 'role="alert"' in sida
    assert not Arende.objects.filter(kva_id=andra).exists()
    # The count follows the patient, not the session: signing in again does not reset it.
    igen = patientklient("tolvan")
    assert "Du har skickat många frågor" in _fraga(igen, andra).content.decode()
    assert _patientens() == 1
    # Another patient is counted apart.
    tio = nollstall(patientklient("tio"))
    assert _fraga(tio, andra).status_code == 302
