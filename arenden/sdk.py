"""Secure digital communication (SDK): a pluggable transport for referrals and documents.

`settings.SDK_TRANSPORT` names the transport class (default: the file outbox below). A transport takes the case
ID, the receiving unit's HSA-id and a document list and returns a `Kvitto` (receipt). The envelope carries no
personnummer and no names: the case ID is the handle the receiving unit uses to open the case in the portal.
"""

import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_TRANSPORT = "arenden.sdk.FileOutboxTransport"


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
    """Writes a signed JSON envelope `<case_id>-<uuid>.json` to settings.SDK_OUTBOX (atomically)."""

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
        filename = f"{case_id}-{kvitto_id}.json"
        tmp = outbox / f".{filename}.tmp"
        tmp.write_text(json.dumps(envelope, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, outbox / filename)
        return Kvitto(kvitto_id=kvitto_id, kuvert=filename, skickad=skickad)


def get_transport():
    return import_string(getattr(settings, "SDK_TRANSPORT", DEFAULT_TRANSPORT))()
