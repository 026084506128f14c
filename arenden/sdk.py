"""Secure digital communication (SDK): a pluggable transport for referrals and documents.

`settings.SDK_TRANSPORT` names the transport class (default: the file outbox below). A transport takes the case
ID, the receiving unit's HSA-id and a document list and returns a `Kvitto` (receipt). The envelope carries no
personnummer and no names: the case ID is the handle the receiving unit uses to open the case in the portal.

A transport called inside a database transaction must not deliver what the transaction may still roll back: the
file outbox writes a hidden temporary file and publishes it (an atomic rename) only when the transaction commits;
after a rollback the temporary file is never published and a later send removes it.
"""

import hashlib
import hmac
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_TRANSPORT = "arenden.sdk.FileOutboxTransport"
# A temporary envelope this old belongs to a rolled-back transaction (a commit takes milliseconds, not an hour).
OVERGIVEN_EFTER_S = 3600


@dataclass(frozen=True)
class Kvitto:
    kvitto_id: str
    kuvert: str
    skickad: str


def sign(payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(settings.SDK_SIGNING_KEY.encode(), body, hashlib.sha256).hexdigest()


def verify(envelope: dict) -> bool:
    """True when the envelope's signature matches its payload under SDK_SIGNING_KEY."""
    signature = envelope.get("signatur", "")
    return hmac.compare_digest(sign(envelope.get("meddelande", {})), signature)


class FileOutboxTransport:
    """Writes a signed JSON envelope `<case_id>-<uuid>.json` to settings.SDK_OUTBOX, atomically and, inside a
    transaction, only once that transaction has committed."""

    name = "Filutkorg (SDK-stub)"

    def send(self, *, case_id: str, avsandare: str, mottagare: str, dokument: list[str]) -> Kvitto:
        kvitto_id = str(uuid.uuid4())
        skickad = timezone.now().isoformat()
        meddelande = {
            "typ": "vardformedling.remiss",
            "version": 1,
            "case_id": case_id,
            "avsandare": avsandare,
            "mottagare": mottagare,
            "dokument": list(dokument),
            "skickad": skickad,
            "meddelande_id": kvitto_id,
        }
        envelope = {"meddelande": meddelande, "signatur": sign(meddelande), "algoritm": "HMAC-SHA256"}
        outbox = Path(settings.SDK_OUTBOX)
        outbox.mkdir(parents=True, exist_ok=True)
        _stada(outbox)
        filename = f"{case_id}-{kvitto_id}.json"
        tmp = outbox / f".{filename}.tmp"
        tmp.write_text(json.dumps(envelope, ensure_ascii=False, indent=2), encoding="utf-8")
        # Not robust: if publishing fails after the commit, the caller learns it (the case says sent; the envelope
        # is still in the temporary file for an operator to move).
        transaction.on_commit(lambda: os.replace(tmp, outbox / filename))  # at once outside a transaction
        return Kvitto(kvitto_id=kvitto_id, kuvert=filename, skickad=skickad)


def _stada(outbox: Path) -> None:
    """Removes temporary envelopes of rolled-back transfers (never published, older than OVERGIVEN_EFTER_S)."""
    grans = time.time() - OVERGIVEN_EFTER_S
    for tmp in outbox.glob(".*.json.tmp"):
        try:
            if tmp.stat().st_mtime < grans:
                tmp.unlink()
        except FileNotFoundError:  # another send removed it first
            pass


def get_transport():
    return import_string(getattr(settings, "SDK_TRANSPORT", DEFAULT_TRANSPORT))()
