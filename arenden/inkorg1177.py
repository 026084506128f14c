"""The "1177-inkorgen" transport: tells a patient that there is something to read on /patient/ (issue 18).

`settings.INKORG_1177_TRANSPORT` names the class (default: the file outbox below, like arenden/sdk.py). A
notification carries NO health data: no unit, procedure, date or diagnosis, and no name – only a fixed sentence, the
link to the patient pages and the case reference (ärende-id). What the message says is read after logging in.

The interface a real 1177 integration implements (a class with a `name` and this one method):

    send(*, case_id: str, region_kod: str, lank: str, text: str, mottagare: Callable[[], str]) -> Notiskvitto

- `mottagare()` returns the patient's personnummer; it decrypts the sealed identity (an access-log event of its
  own) and is called only by a transport that really addresses an inbox. The file outbox never calls it, so no
  number is written to disk.
- `lank` is the absolute address of /patient/, `text` the fixed notification sentence (settings.INKORG_1177_TEXT).
- It returns a receipt whose `notis_id` is recorded on the message; it raises on failure, and the caller's
  transaction (the offer, the confirmation) is rolled back with it.
- Called inside a transaction it must not deliver what may still be rolled back (publish on commit, as below).
"""

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_TRANSPORT = "arenden.inkorg1177.FileOutboxTransport"
TEXT = "Du har ett nytt meddelande från vårdförmedlingen. Logga in för att läsa det."


@dataclass(frozen=True)
class Notiskvitto:
    notis_id: str
    fil: str
    skickad: str


class FileOutboxTransport:
    """Writes `<case_id>-<uuid>.json` to settings.INKORG_1177_OUTBOX when the transaction commits."""

    name = "Filutkorg (1177-stub)"

    def send(self, *, case_id: str, region_kod: str, lank: str, text: str, mottagare: Callable[[], str]) -> Notiskvitto:
        notis_id = str(uuid.uuid4())
        skickad = timezone.now().isoformat()
        notis = {
            "typ": "vardformedling.patientnotis",
            "version": 1,
            "arende": case_id,
            "region": region_kod,
            "text": text,
            "lank": lank,
            "skickad": skickad,
            "notis_id": notis_id,
        }
        outbox = Path(settings.INKORG_1177_OUTBOX)
        outbox.mkdir(parents=True, exist_ok=True)
        filename = f"{case_id}-{notis_id}.json"
        tmp = outbox / f".{filename}.tmp"
        tmp.write_text(json.dumps(notis, ensure_ascii=False, indent=2), encoding="utf-8")
        transaction.on_commit(lambda: os.replace(tmp, outbox / filename))  # at once outside a transaction
        return Notiskvitto(notis_id=notis_id, fil=filename, skickad=skickad)


def get_transport():
    return import_string(getattr(settings, "INKORG_1177_TRANSPORT", DEFAULT_TRANSPORT))()


def patientlank() -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}/patient/"
