"""End-to-end referral (issue 16 point 4): the envelope in the SDK outbox holds no identity in clear, only the
receiving unit opens it (logged), its signed receipt is verified before the transfer counts as received, and a
tampered envelope or a receipt signed with another key is refused with a Swedish message (PKCS#11 backend)."""

import base64
import json
import logging

import pytest
from django.test import Client

from arenden import services
from arenden.models import Atkomstlogg
from arenden.services import identitet, remisskuvert
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Medarbetaruppdrag, Roll
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.nycklar.fel import KuvertManipulerat, KvittoOgiltigt

pytestmark = pytest.mark.django_db


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def _former(personnummer: str) -> list[str]:
    """Every written form of a 12-digit personnummer: 12 and 10 digits, with dash, with plus."""
    p = personnummer
    return [p, p[2:], f"{p[:8]}-{p[8:]}", f"{p[2:8]}-{p[8:]}", f"{p[2:8]}+{p[8:]}", f"{p[:8]}+{p[8:]}"]


@pytest.fixture
def overford(arende_i_steg, lots, lots_uppdrag, django_capture_on_commit_callbacks):
    """A case transferred to the receiving unit, its envelope published in the outbox."""
    a = arende_i_steg("formedla")
    with django_capture_on_commit_callbacks(execute=True):
        o = services.arende_overfor(
            arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss", "journalutdrag"]
        )
    o.refresh_from_db()
    return a, o


def test_the_envelope_in_the_outbox_holds_no_identity_in_clear_and_only_routing_metadata(overford, settings):
    a, o = overford
    data = (settings.SDK_OUTBOX / o.kuvert).read_bytes()
    for form in _former(a.identitet.personnummer):
        assert form.encode() not in data, form
    assert a.identitet.namn.encode() not in data
    for del_ in a.identitet.namn.split():
        assert del_.encode() not in data
    metadata = kuvert.las_metadata(data)
    assert set(metadata) == {
        "arende_id", "avsandare", "mottagare", "avsandarnyckel", "mottagarnyckel", "kuvert_id", "skapad", "dokument"
    }  # fmt: skip
    assert metadata["arende_id"] == a.case_id and metadata["mottagare"] == a.mottagande_enhet.hsa_id
    assert [d["namn"] for d in metadata["dokument"]] == ["Remiss", "Journalutdrag"]
    assert o.kuvert_sha256 == kuvert.kuvert_hash(data) and o.metadata == metadata and o.mottagen is None
    # Reading the identity to seal it was a logged access by the sending navigator.
    assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet skicka remiss").count() == 1


def test_a_transfer_through_the_page_logs_the_identity_read_with_who_and_where(arende_i_steg, lots, settings):
    a = arende_i_steg("formedla")
    svar = _klient(lots).post(
        f"/arenden/{a.case_id}/atgard/overfor/", {"overfor-dokument": "remiss", "overfor-version": a.version}
    )
    assert svar.status_code == 302
    rad = Atkomstlogg.objects.get(case_id=a.case_id, handling="identitet skicka remiss")
    assert (rad.hsa_id, rad.ip, rad.region_kod) == (lots.hsa_id, "127.0.0.1", "20") and rad.uppdrag


def test_the_receiving_unit_opens_its_envelope_sees_identity_and_its_verified_receipt_marks_it_received(
    overford, mottagare, settings, django_capture_on_commit_callbacks
):
    a, o = overford
    c = _klient(mottagare)
    inkorg = c.get("/arenden/inkorg/").content.decode()
    assert a.case_id in inkorg and "Ej kvitterad" in inkorg
    assert a.identitet.namn not in inkorg  # the list is metadata only
    # The case page does not read the region's sealed identity for the receiving unit: it points at the inbox.
    sida = c.get(f"/arenden/{a.case_id}/").content.decode()
    assert a.identitet.namn not in sida and f"/arenden/inkorg/{o.pk}/" in sida and "Väntar på kvittens" in sida

    svar = c.get(f"/arenden/inkorg/{o.pk}/")
    body = svar.content.decode()
    assert svar.status_code == 200
    assert a.identitet.namn in body and a.identitet.formaterat in body and "Remiss via vårdförmedling" in body
    assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet öppna remiss", hsa_id=mottagare.hsa_id)

    with django_capture_on_commit_callbacks(execute=True):
        svar = c.post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": o.kuvert_sha256}, HTTP_HX_REQUEST="true")
    assert svar.status_code == 200 and remisskuvert.KVITTERAD in svar.content.decode()
    o.refresh_from_db()
    assert o.mottagen is not None and o.mottagen_av == mottagare
    innehall = kuvert.verifiera_kvitto(
        o.kvittens.encode(),
        mottagare_publik=enhetsnycklar.publik(a.mottagande_enhet.hsa_id),
        kuvert_hash=o.kuvert_sha256,
    )
    assert innehall["arende_id"] == a.case_id
    # The receipt went back through the transport, and the case says received.
    assert list(settings.SDK_OUTBOX.glob(f"{a.case_id}-*.kvittens.json"))
    assert "Mottagen" in c.get(f"/arenden/{a.case_id}/").content.decode()
    # A second receipt is refused (409) and changes nothing.
    kvittens = o.kvittens
    svar = c.post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": o.kuvert_sha256}, HTTP_HX_REQUEST="true")
    assert svar.status_code == 409 and remisskuvert.REDAN_MOTTAGEN in svar.content.decode()
    o.refresh_from_db()
    assert o.kvittens == kvittens


def test_a_receipt_is_signed_only_for_the_envelope_shown(overford, mottagare):
    _, o = overford
    svar = _klient(mottagare).post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": "0" * 64}, HTTP_HX_REQUEST="true")
    assert svar.status_code == 422 and remisskuvert.KVITTERA_ANNAT in svar.content.decode()
    o.refresh_from_db()
    assert o.mottagen is None and o.kvittens == ""


def test_another_receiving_unit_cannot_list_open_or_acknowledge_the_envelope(overford):
    a, o = overford
    annan = make_user(Roll.MOTTAGARE, "01", VardenhetFactory(hsa_id="SE5560000002-TEST02"), namn="Annan Mottagare")
    c = _klient(annan)
    assert a.case_id not in c.get("/arenden/inkorg/").content.decode()
    assert c.get(f"/arenden/inkorg/{o.pk}/").status_code == 404
    assert c.post(f"/arenden/inkorg/{o.pk}/kvittera/").status_code == 404
    o.refresh_from_db()
    assert o.mottagen is None
    # Even with the envelope's bytes, the other unit's key cannot open it.
    mottagare = a.mottagande_enhet
    enhetsnycklar.skapa("SE5560000002-TEST02", "01")
    with pytest.raises(Exception) as fel:
        kuvert.oppna(
            (o_bytes := remisskuvert.sdk.get_transport().hamta(o.kuvert)),
            mottagare_privat=enhetsnycklar.privat("SE5560000002-TEST02", "01"),
            avsandare_publik=enhetsnycklar.publik(o.avsandare),
        )
    assert "annan vårdenhet" in str(fel.value)
    assert mottagare.hsa_id in kuvert.las_metadata(o_bytes)["mottagare"]


def test_a_flipped_bit_in_the_envelope_is_refused_with_a_message_and_logged(overford, mottagare, settings, caplog):
    a, o = overford
    fil = settings.SDK_OUTBOX / o.kuvert
    yttre = json.loads(fil.read_bytes())
    chiffer = bytearray(base64.b64decode(yttre["chiffer"]))
    chiffer[len(chiffer) // 2] ^= 0x01
    yttre["chiffer"] = base64.b64encode(bytes(chiffer)).decode()
    fil.write_bytes(json.dumps(yttre).encode())
    c = _klient(mottagare)
    with caplog.at_level(logging.WARNING, logger="arenden.services.remisskuvert"):
        svar = c.get(f"/arenden/inkorg/{o.pk}/")
    body = svar.content.decode()
    assert svar.status_code == 422
    assert KuvertManipulerat.meddelande in body and a.identitet.namn not in body
    assert "Kvittera mottagen remiss" not in body
    assert any("KuvertManipulerat" in r.getMessage() and a.case_id in r.getMessage() for r in caplog.records)
    assert not Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet öppna remiss").exists()
    # Acknowledging it is refused too: no receipt, not received.
    svar = c.post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": o.kuvert_sha256}, HTTP_HX_REQUEST="true")
    assert svar.status_code == 422 and KuvertManipulerat.meddelande in svar.content.decode()
    o.refresh_from_db()
    assert o.mottagen is None and o.kvittens == ""


def test_a_receipt_signed_with_the_wrong_key_is_refused_and_the_case_is_not_received(overford, mottagare, caplog):
    a, o = overford
    falsk = enhetsnycklar.nytt_nyckelpar(a.mottagande_enhet.hsa_id)  # right HSA-id, wrong key
    kvittens = kuvert.kvittera(o.kuvert_sha256, mottagare_signeringsnyckel=falsk, arende_id=a.case_id)
    with caplog.at_level(logging.WARNING, logger="arenden.services.remisskuvert"), pytest.raises(KvittoOgiltigt):
        remisskuvert.kvittens_registrera(overforing=o, kvittens=kvittens, anvandare=mottagare)
    assert any("KvittoOgiltigt" in r.getMessage() for r in caplog.records)
    o.refresh_from_db()
    assert o.mottagen is None and o.kvittens == ""
    assert "Väntar på kvittens" in _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()


def test_administrators_and_other_regions_never_see_the_identity(overford):
    a, o = overford
    admin = make_user(Roll.ADMINISTRATOR, None, namn="Admin Adminsson")
    annan_lots = make_user(Roll.VARDLOTS, "01", namn="Annan Lots")
    for user in (admin, annan_lots):
        c = _klient(user)
        for url in (f"/arenden/{a.case_id}/", "/arenden/inkorg/", f"/arenden/inkorg/{o.pk}/"):
            svar = c.get(url)
            assert svar.status_code in (403, 404), (user, url)
            assert a.identitet.namn not in svar.content.decode()
        uppdrag = Medarbetaruppdrag.objects.get(user=user)
        assert identitet.far_se_identitet(uppdrag, a) == identitet.EJ_BEHORIG
    assert not Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet öppna remiss").exists()


def _region_nere(monkeypatch, region_kod: str) -> None:
    """The region's key service answers nothing (its token was removed)."""
    from vardformedling.nycklar.fel import NyckelEjTillganglig, Orsak
    from vardformedling.nycklar.tjanst import nyckeltjanst

    tjanst = nyckeltjanst()
    for metod in ("unwrap", "unwrap_many", "wrap"):
        original = getattr(tjanst, metod)

        def _ersatt(rk, *a, _o=original, **k):
            if rk == region_kod:
                raise NyckelEjTillganglig(rk, Orsak.TOKEN_SAKNAS, "testet tog bort token")
            return _o(rk, *a, **k)

        monkeypatch.setattr(tjanst, metod, _ersatt)


def test_a_home_region_key_that_does_not_answer_refuses_the_transfer_with_its_message(
    arende_i_steg, lots, settings, monkeypatch
):
    a = arende_i_steg("formedla")
    _region_nere(monkeypatch, "20")
    svar = _klient(lots).post(
        f"/arenden/{a.case_id}/atgard/overfor/",
        {"overfor-dokument": "remiss", "overfor-version": a.version},
        HTTP_HX_REQUEST="true",
    )
    assert svar.status_code == 422 and "Region Dalarnas nyckeltjänst svarar inte just nu" in svar.content.decode()
    a.refresh_from_db()
    assert a.status == "formedla" and not a.overforingar.exists()
    assert not settings.SDK_OUTBOX.exists() or not list(settings.SDK_OUTBOX.glob("*.json"))


def test_a_receiving_unit_whose_region_key_does_not_answer_gets_the_message_not_a_500(
    overford, mottagare, monkeypatch, settings
):
    """With pkcs11 (the test settings) the unit's private key is sealed under its region's key."""
    a, o = overford
    assert settings.NYCKELTJANST == "pkcs11"
    _region_nere(monkeypatch, a.mottagande_enhet.region_id)
    svar = _klient(mottagare).get(f"/arenden/inkorg/{o.pk}/")
    assert svar.status_code == 422 and "nyckeltjänst svarar inte just nu" in svar.content.decode()
    assert a.identitet.namn not in svar.content.decode()
