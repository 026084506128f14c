"""An authorised attack on the receiving unit's inbox (issue 16 point 4): an envelope of another transfer put in a
transfer's place, a genuine receipt for another envelope, a receipt replayed, and the inbox of another unit of
the same care provider. SECURITY.md lists them."""

import pytest
from django.test import Client

from arenden import services
from arenden.models import Atkomstlogg, Overforing
from arenden.services import remisskuvert
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.nycklar.fel import KuvertManipulerat, KvittoAnnatKuvert

pytestmark = pytest.mark.django_db


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def tva(arende_i_steg, lots, lots_uppdrag, django_capture_on_commit_callbacks):
    """Two cases of region 20 transferred to the same receiving unit, both envelopes in the outbox."""
    ut = []
    for namn in ("Första Patient", "Andra Patient"):
        a = arende_i_steg("formedla", namn=namn)
        with django_capture_on_commit_callbacks(execute=True):
            o = services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss"])
        o.refresh_from_db()
        ut.append((a, o))
    return ut


def test_a_validly_signed_envelope_of_another_transfer_put_in_its_place_is_refused(tva, mottagare):
    (_, o1), (_, o2) = tva
    Overforing.objects.filter(pk=o1.pk).update(kuvert=o2.kuvert)  # the routing row now points at the other envelope
    c = _klient(mottagare)
    svar = c.get(f"/arenden/inkorg/{o1.pk}/")
    body = svar.content.decode()
    assert svar.status_code == 422 and KuvertManipulerat.meddelande in body
    assert "Andra Patient" not in body and "Första Patient" not in body
    assert not Atkomstlogg.objects.filter(handling="identitet öppna remiss").exists()
    svar = c.post(f"/arenden/inkorg/{o1.pk}/kvittera/", {"kuvert": o1.kuvert_sha256})
    assert svar.status_code == 422
    for o in (o1, o2):
        o.refresh_from_db()
        assert o.mottagen is None and o.kvittens == ""


def test_a_genuine_receipt_for_another_envelope_or_replayed_counts_for_nothing(tva, mottagare):
    (a1, o1), (_, o2) = tva
    privat = enhetsnycklar.privat(o1.mottagare.hsa_id, o1.mottagare.region_id)
    # The unit's own, correctly signed receipt for envelope 1, presented for transfer 2.
    kvitto_1 = kuvert.kvittera(o1.kuvert_sha256, mottagare_signeringsnyckel=privat, arende_id=a1.case_id)
    with pytest.raises(KvittoAnnatKuvert):
        remisskuvert.kvittens_registrera(overforing=o2, kvittens=kvitto_1, anvandare=mottagare)
    o2.refresh_from_db()
    assert o2.mottagen is None and o2.kvittens == ""
    # Envelope 1 received through the page; its receipt replayed (page or service) changes nothing.
    c = _klient(mottagare)
    assert c.post(f"/arenden/inkorg/{o1.pk}/kvittera/", {"kuvert": o1.kuvert_sha256}).status_code == 302
    o1.refresh_from_db()
    forsta = (o1.mottagen, o1.kvittens, o1.mottagen_av_id)
    svar = c.post(f"/arenden/inkorg/{o1.pk}/kvittera/", {"kuvert": o1.kuvert_sha256}, HTTP_HX_REQUEST="true")
    assert svar.status_code == 409 and remisskuvert.REDAN_MOTTAGEN in svar.content.decode()
    with pytest.raises(Exception, match="redan kvitterad"):
        remisskuvert.kvittens_registrera(overforing=o1, kvittens=kvitto_1, anvandare=mottagare)
    o1.refresh_from_db()
    assert (o1.mottagen, o1.kvittens, o1.mottagen_av_id) == forsta
    o2.refresh_from_db()
    assert o2.mottagen is None


def test_another_unit_of_the_same_care_provider_sees_no_envelope_of_its_sister_unit(tva, mottagande_enhet):
    (a1, o1), _ = tva
    syster = VardenhetFactory(vardgivare=mottagande_enhet.vardgivare, region_id=mottagande_enhet.region_id)
    user = make_user(Roll.MOTTAGARE, mottagande_enhet.region_id, syster, namn="Syster Mottagare")
    c = _klient(user)
    lista = c.get("/arenden/inkorg/").content.decode()
    assert a1.case_id not in lista
    assert c.get(f"/arenden/inkorg/{o1.pk}/").status_code == 404
    assert c.post(f"/arenden/inkorg/{o1.pk}/kvittera/", {"kuvert": o1.kuvert_sha256}).status_code == 404
    o1.refresh_from_db()
    assert o1.mottagen is None
