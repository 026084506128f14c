"""SDK envelope, reminders for unanswered offers, start-page panels."""

import json
import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from arenden import sdk, services
from arenden.models import Anteckning, Arende, Erbjudande, Overforing
from arenden.tasks import skapa_paminnelser
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.nycklar.fel import KuvertManipulerat


def test_transfer_writes_an_end_to_end_envelope_without_personal_data(
    arende_i_steg, settings, lots, lots_uppdrag, django_capture_on_commit_callbacks
):
    a = arende_i_steg("formedla")
    with django_capture_on_commit_callbacks(execute=True):
        o = services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss", "provsvar"])
    files = list(settings.SDK_OUTBOX.glob("*.json"))
    assert [f.name for f in files] == [o.kuvert]
    assert files[0].name.startswith(a.case_id + "-")
    data = files[0].read_bytes()
    metadata = kuvert.las_metadata(data)
    assert metadata["arende_id"] == a.case_id
    assert [d["namn"] for d in metadata["dokument"]] == ["Remiss", "Provsvar"]
    assert metadata["mottagare"] == a.mottagande_enhet.hsa_id
    text = data.decode()
    assert (
        a.identitet.personnummer not in text
        and a.identitet.personnummer[2:] not in text
        and a.identitet.namn not in text
    )
    # Signed by the home region's brokering function: a changed document list no longer verifies.
    yttre = json.loads(data)
    yttre["metadata"]["dokument"].append({"namn": "Annat", "sha256": "0" * 64, "storlek": 0})
    mottagare = a.mottagande_enhet
    with pytest.raises(KuvertManipulerat):
        kuvert.oppna(
            json.dumps(yttre).encode(),
            mottagare_privat=enhetsnycklar.privat(mottagare.hsa_id, mottagare.region_id),
            avsandare_publik=enhetsnycklar.publik(o.avsandare),
        )


def test_transfer_without_referral_is_refused_and_writes_nothing(arende_i_steg, settings, lots):
    a = arende_i_steg("formedla")
    with pytest.raises(ValidationError, match="remissen"):
        services.arende_overfor(arende=a, anvandare=lots, dokument=["provsvar"])
    assert not settings.SDK_OUTBOX.exists() or not list(settings.SDK_OUTBOX.glob("*.json"))
    assert not Overforing.objects.exists()


def test_a_transfer_whose_database_write_fails_delivers_no_envelope(
    arende_i_steg, settings, lots, django_capture_on_commit_callbacks, monkeypatch
):
    """The envelope is published at commit: a transfer rolled back after the transport was called sends nothing."""
    a = arende_i_steg("formedla")

    def fails(*args, **kwargs):
        raise RuntimeError("databasen avbröt")

    monkeypatch.setattr("arenden.services.formedling.spara", fails)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.arende_overfor(arende=a, anvandare=lots, dokument=["remiss"])
    assert not list(settings.SDK_OUTBOX.glob("*.json"))
    assert not Overforing.objects.exists()
    assert Arende.objects.get(pk=a.pk).status == "formedla"


def test_temporary_envelopes_of_rolled_back_transfers_are_removed_later(arende_i_steg, settings, lots):
    settings.SDK_OUTBOX.mkdir(parents=True)
    gammal = settings.SDK_OUTBOX / ".VF-2026-20-000001-7-x.json.tmp"
    ny = settings.SDK_OUTBOX / ".VF-2026-20-000002-5-y.json.tmp"
    gammal.write_text("{}")
    ny.write_text("{}")
    os.utime(gammal, (0, 0))
    services.arende_overfor(arende=arende_i_steg("formedla"), anvandare=lots, dokument=["remiss"])
    assert not gammal.exists() and ny.exists()


def _skicka(transport, n: int) -> sdk.Kvitto:
    return transport.send(case_id=f"VF-2026-20-00000{n}", avsandare="SE1-A", mottagare="SE2-B",
                          kuvert=f"kuvert {n}".encode(), dokument=["Remiss"])  # fmt: skip


@pytest.mark.django_db
def test_a_rolled_back_send_is_forgotten_at_once_and_a_committed_one_is_published(
    settings, django_capture_on_commit_callbacks
):
    """Django has no on_rollback hook: the envelope of a rolled-back transaction (here the transfer's savepoint inside
    the test's transaction) leaves the thread's list of unpublished envelopes, and its temporary file goes, at once;
    the sending transaction reads its own envelope before that, and a committed one is published."""
    t = sdk.get_transport()
    with pytest.raises(RuntimeError), transaction.atomic():
        kvitto = _skicka(t, 1)
        assert t.hamta(kvitto.kuvert) == b"kuvert 1" and kvitto.kuvert in sdk._vantande()
        raise RuntimeError("överföringen avbröts")
    with pytest.raises(sdk.KuvertSaknas):
        t.hamta(kvitto.kuvert)
    assert kvitto.kuvert not in sdk._vantande()
    assert not list(settings.SDK_OUTBOX.iterdir())  # neither published nor left as a temporary file

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kvitto = _skicka(t, 2)
    assert (settings.SDK_OUTBOX / kvitto.kuvert).read_bytes() == b"kuvert 2" and t.hamta(kvitto.kuvert) == b"kuvert 2"
    assert kvitto.kuvert not in sdk._vantande()
    assert [f.name for f in settings.SDK_OUTBOX.iterdir()] == [kvitto.kuvert]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_drops_its_envelopes_and_a_committed_ones_publish_for_real(settings):
    """The same with real transactions (no test transaction around them): the outermost rollback forgets the
    envelope, a commit publishes it, and a send rolled back in a savepoint of a committed transaction stays unsent."""
    t = sdk.get_transport()
    with pytest.raises(RuntimeError), transaction.atomic():
        forsta = _skicka(t, 1)
        raise RuntimeError("överföringen avbröts")
    assert forsta.kuvert not in sdk._vantande()
    with transaction.atomic():
        andra = _skicka(t, 2)
        with pytest.raises(RuntimeError), transaction.atomic():
            tredje = _skicka(t, 3)
            raise RuntimeError("överföringen avbröts")
        assert tredje.kuvert not in sdk._vantande() and andra.kuvert in sdk._vantande()
        with pytest.raises(sdk.KuvertSaknas):
            t.hamta(tredje.kuvert)
    assert andra.kuvert not in sdk._vantande()
    assert [f.name for f in settings.SDK_OUTBOX.iterdir()] == [andra.kuvert]
    for kvitto in (forsta, tredje):
        with pytest.raises(sdk.KuvertSaknas):
            t.hamta(kvitto.kuvert)


class RecordingTransport:
    sent: list = []
    name = "Test"

    def send(self, **kwargs):
        RecordingTransport.sent.append(kwargs)
        return sdk.Kvitto(kvitto_id="K-1", kuvert="k.json", skickad="")


def test_transport_is_pluggable_by_setting(arende_i_steg, settings, lots):
    settings.SDK_TRANSPORT = "tests.arenden.test_sdk_and_tasks.RecordingTransport"
    a = arende_i_steg("formedla")
    o = services.arende_overfor(arende=a, anvandare=lots, dokument=["remiss"])
    assert o.kvitto == "K-1" and RecordingTransport.sent[-1]["case_id"] == a.case_id


def test_reminder_task_creates_one_note_per_overdue_offer(arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    Erbjudande.objects.filter(pk=e.pk).update(svarsfrist=date.today() - timedelta(days=1))
    assert skapa_paminnelser.delay().get(timeout=10) == 1
    assert skapa_paminnelser.delay().get(timeout=10) == 0
    note = Anteckning.objects.get(arende=a, typ="paminnelse")
    assert mottagande_enhet.namn in note.text


def test_start_page_shows_overdue_offer_task(arende_i_steg, lots, mottagande_enhet):
    from django.test import Client

    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    Erbjudande.objects.filter(pk=e.pk).update(svarsfrist=date.today() - timedelta(days=1))
    c = Client()
    c.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    body = c.get("/").content.decode()
    assert "svar på erbjudande saknas" in body and f"/arenden/{a.case_id}/" in body
