"""SDK envelope, reminders for unanswered offers, start-page panels."""

import json
import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

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
