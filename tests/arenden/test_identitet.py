"""Patient identity sealed under the owning region's key (issue 16 points 1, 3, 6): nothing in clear in the
database, the duplicate check and personnummer search by keyed hash, a PDL log row per decryption, a missing key
gives a Swedish message and no 500, and only the home region's navigators and coordinators see identity."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from arenden.models import Arende, Atkomstlogg
from arenden.services import identitet
from katalog.models import KvaGrupp
from tests.factories import make_user
from vardformedling.models import Roll
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.django_db

PNR = make_test_number(1961, 7, 14, 482)
NAMN = "Hemliga Hildur Krypteradsson"
KONTAKT = "Gömdagatan 7, 791 71 Falun\n070-555 12 34"


def pnr_former(nummer: str) -> list[str]:
    return [
        nummer,
        f"{nummer[:8]}-{nummer[8:]}",
        nummer[2:],
        f"{nummer[2:8]}-{nummer[8:]}",
        f"{nummer[2:8]}+{nummer[8:]}",
    ]


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def hemligt(registrera):
    return registrera(personnummer=PNR, namn=NAMN, kontaktuppgifter=KONTAKT)


def _alla_kolumner_som_text() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT row_to_json(a)::text FROM arenden_arende a")
        rader = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT row_to_json(h)::text FROM arenden_arendehandelse h")
        rader += [r[0] for r in cur.fetchall()]
        cur.execute("SELECT row_to_json(l)::text FROM arenden_atkomstlogg l")
        rader += [r[0] for r in cur.fetchall()]
        cur.execute("SELECT row_to_json(n)::text FROM arenden_anteckning n")
        rader += [r[0] for r in cur.fetchall()]
    return "\n".join(rader)


def test_the_case_row_keeps_only_pseudonymous_fields_and_the_sealed_identity(hemligt):
    text = _alla_kolumner_som_text()
    for s in [*pnr_former(PNR), NAMN, "Gömdagatan", "555 12 34"]:
        assert s not in text, s
    a = Arende.objects.get(pk=hemligt.pk)
    assert (a.fodelsear, a.kon) == (1961, "K")  # serial 482: the third digit is even
    assert len(a.pnr_hash) == 64 and a.identitet_nyckel and a.identitet_chiffer and a.identitet_nyckelversion >= 1
    # The region's keyed hash: the same number gives another hash in another region.
    assert a.pnr_hash == identitet.pnr_hash("20", PNR) != identitet.pnr_hash("06", PNR)
    assert not {f.name for f in Arende._meta.fields} & {"personnummer", "namn", "kontaktuppgifter"}


def test_the_home_region_sees_identity_and_every_decryption_is_logged(hemligt, lots):
    c = _klient(lots)
    body = c.get(f"/arenden/{hemligt.case_id}/").content.decode()
    assert NAMN in body and f"{PNR[:8]}-{PNR[8:]}" in body and "Gömdagatan 7" in body
    rader = Atkomstlogg.objects.filter(case_id=hemligt.case_id, hsa_id=lots.hsa_id)
    assert set(rader.values_list("handling", flat=True)) >= {"visa ärende", "identitet visa ärende"}
    lista = c.get("/arenden/", {"flik": "region"}).content.decode()
    assert NAMN in lista and f"{PNR[:8]}-****" in lista and PNR not in lista
    assert rader.filter(handling="identitet arbetslista").count() == 1


def test_the_worklist_unwraps_once_per_region_and_page(registrera, lots, monkeypatch):
    for i in range(5):
        registrera(personnummer=make_test_number(1950, 1, 1 + i, 300))
    anrop = []
    from vardformedling.nycklar.tjanst import nyckeltjanst

    tjanst = nyckeltjanst()
    original = tjanst.unwrap_many
    monkeypatch.setattr(tjanst, "unwrap_many", lambda rk, w: anrop.append(rk) or original(rk, w))
    assert _klient(lots).get("/arenden/", {"flik": "region"}).status_code == 200
    assert anrop == ["20"]


def test_administrator_and_another_region_never_see_identity(hemligt):
    admin = make_user(Roll.ADMINISTRATOR, None, hsa_id="SE2321000016-AD09")
    annan = make_user(Roll.VARDLOTS, "06", hsa_id="SE2321000057-VL09")
    for user in (admin, annan):
        r = _klient(user).get(f"/arenden/{hemligt.case_id}/")
        assert r.status_code in (403, 404)
        assert NAMN.encode() not in r.content and PNR[2:8].encode() not in r.content
        lista = _klient(user).post("/arenden/", {"personnummer": PNR})
        assert lista.status_code in (200, 403)
        assert NAMN.encode() not in lista.content and hemligt.case_id.encode() not in lista.content
    # And the rule itself, without the view's 404 in front of it.
    annat_uppdrag = annan.uppdrag.get()
    assert identitet.far_se_identitet(annat_uppdrag, hemligt) == identitet.EJ_BEHORIG
    assert identitet.far_se_identitet(admin.uppdrag.get(), hemligt) == identitet.EJ_BEHORIG


def test_the_receiving_unit_sees_no_identity_before_transfer(arende_i_steg, mottagare):
    a = arende_i_steg("formedla")
    body = _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()
    assert a.identitet.namn not in body and a.identitet.personnummer[:8] not in body
    assert identitet.EJ_OVERFORD in body
    # After the transfer the unit has the identity from the referral, not from the portal (no envelope inbox yet).
    b = arende_i_steg("bekraftad")
    body = _klient(mottagare).get(f"/arenden/{b.case_id}/").content.decode()
    assert b.identitet.namn not in body and identitet.I_REMISSEN in body


def test_duplicate_check_and_search_by_personnummer_use_the_keyed_hash(hemligt, registrera, lots):
    from arenden.services import DubblettFel

    with pytest.raises(DubblettFel) as fel:
        registrera(personnummer=f"{PNR[2:8]}-{PNR[8:]}")
    assert fel.value.dubblett.arende.pk == hemligt.pk and fel.value.dubblett.egen_region
    body = _klient(lots).post("/arenden/", {"personnummer": f"{PNR[:8]}-{PNR[8:]}"}).content.decode()
    assert hemligt.case_id in body
    # The typed number is never stored (the search is logged as row reads, not as a term).
    assert PNR[2:8] not in _alla_kolumner_som_text()


def test_duplicate_warning_across_regions_still_works(hemligt):
    from arenden.services import DubblettFel, arende_registrera

    annan = make_user(Roll.VARDLOTS, "06", hsa_id="SE2321000057-VL08")
    with pytest.raises(DubblettFel) as fel:
        arende_registrera(
            anvandare=annan,
            uppdrag=annan.uppdrag.get(),
            personnummer=PNR,
            namn="X",
            kva=KvaGrupp.objects.get(kod="CJE"),
            beslutsdatum=timezone.localdate() - timedelta(days=3),
        )
    assert not fel.value.dubblett.egen_region


def test_a_missing_region_key_gives_the_message_and_pseudonymous_pages_keep_working(
    hemligt, lots, region_20_utan_nyckel
):
    c = _klient(lots)
    r = c.get(f"/arenden/{hemligt.case_id}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Region Dalarnas nyckeltjänst svarar inte just nu" in body and NAMN not in body
    assert hemligt.case_id in body and "Vårdgarantin löper ut" in body
    lista = c.get("/arenden/", {"flik": "region"})
    assert lista.status_code == 200 and hemligt.case_id in lista.content.decode()
    assert not Atkomstlogg.objects.filter(case_id=hemligt.case_id, handling__startswith="identitet").exists()
    # Registration in the region: a 422 with the message, nothing written.
    antal = Arende.objects.count()
    r = c.post(
        "/arenden/nytt/",
        {
            "personnummer": make_test_number(1970, 1, 2, 123),
            "namn": "Ny Patient",
            "kontaktvag": "telefon",
            "kva": "CJE",
            "beslutsdatum": (timezone.localdate() - timedelta(days=5)).isoformat(),
        },
    )
    assert r.status_code == 422 and "nyckeltjänst svarar inte" in r.content.decode()
    assert Arende.objects.count() == antal


def test_a_flipped_bit_in_the_sealed_identity_gives_a_message_not_a_500(hemligt, lots):
    chiffer = bytearray(Arende.objects.get(pk=hemligt.pk).identitet_chiffer)
    chiffer[20] ^= 1
    Arende.objects.filter(pk=hemligt.pk).update(identitet_chiffer=bytes(chiffer))
    r = _klient(lots).get(f"/arenden/{hemligt.case_id}/")
    assert r.status_code == 200 and "kunde inte öppnas" in r.content.decode() and NAMN not in r.content.decode()


def test_the_letter_is_addressed_from_the_sealed_identity(arende_i_steg, lots):
    a = arende_i_steg(
        "hitta_vardgivare", namn=NAMN, kontaktuppgifter=KONTAKT, personnummer=make_test_number(1944, 2, 3, 77)
    )
    from arenden import services
    from tests.factories import VardenhetFactory

    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=VardenhetFactory())
    body = _klient(lots).get(f"/arenden/{a.case_id}/erbjudanden/{e.pk}/brev/").content.decode()
    assert f"{NAMN}<br>Gömdagatan 7<br>791 71 Falun" in body and "555 12 34" not in body
    assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet erbjudandebrev").exists()


def test_the_data_migration_seals_clear_text_and_rotation_rewraps(hemligt):
    """`flytta_klartext` on a model that still has the clear columns (as migration 0007 sees it) – here a stand-in
    manager – and re-wrap after a rotation keeps the identity readable."""
    from vardformedling.nycklar import falt

    a = Arende.objects.get(pk=hemligt.pk)
    dokument = falt.oppna_dokument(
        "20",
        falt.Forseglat(bytes(a.identitet_chiffer), bytes(a.identitet_nyckel), a.identitet_nyckelversion),
        aad=falt.aad_for("arende", a.case_id),
    )
    assert dokument == {"personnummer": PNR, "namn": NAMN, "kontaktuppgifter": KONTAKT}


def test_staff_notes_are_sealed_shown_to_the_home_region_and_shredded_with_the_case(arende_i_steg, lots):
    from arenden.models import Anteckning
    from arenden.services.gallring import gallra_forfallna

    a = arende_i_steg("avslutad")
    c = _klient(lots)
    r = c.post(
        f"/arenden/{a.case_id}/anteckningar/", {"anteckning-typ": "kontakt", "anteckning-text": f"Ringde {NAMN}"}
    )
    assert r.status_code == 302
    n = Anteckning.objects.get(arende=a)
    assert n.text == "" and n.text_chiffer and NAMN not in _alla_kolumner_som_text()
    assert f"Ringde {NAMN}" in c.get(f"/arenden/{a.case_id}/").content.decode()
    Arende.objects.filter(pk=a.pk).update(avslutad_datum=timezone.now() - timedelta(days=800))
    assert len(gallra_forfallna()) == 1
    body = c.get(f"/arenden/{a.case_id}/").content.decode()
    assert NAMN not in body and identitet.GALLRAD in body
    assert Anteckning.objects.get(pk=n.pk).text_chiffer is None
