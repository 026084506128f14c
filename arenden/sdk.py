"""Secure digital communication (SDK): a pluggable transport for end-to-end referral envelopes and receipts.

What travels is built elsewhere: `vardformedling.nycklar.kuvert` seals the envelope (patient identity, referral
text, documents) to the receiving unit's public key and signs it with the sending unit's key; the receiving
unit's signed receipt (kvittens) comes back the same way. A transport only carries bytes it cannot read.

The transport interface (`settings.SDK_TRANSPORT` names the class, default: the file outbox below):

    send(*, case_id, avsandare, mottagare, kuvert: bytes, dokument: list[str]) -> Kvitto
        delivers the envelope from unit `avsandare` to unit `mottagare` (HSA-ids); `dokument` are the document
        names (routing metadata). Returns a `Kvitto`: the transport's message ID, its name for the envelope
        (`kuvert`, what `hamta` takes) and when it was sent.
    hamta(kuvert: str) -> bytes
        the delivered envelope as the receiving unit's access point holds it; raises `KuvertSaknas` (Swedish
        message) when it is gone.
    skicka_kvittens(*, case_id, avsandare, mottagare, kvittens: bytes) -> str
        carries the receiving unit's signed receipt back to the sender; returns the transport's name for it.

A real SDK access point implements the same three calls (the envelope and receipt formats do not change). The
transport never sees a personnummer or a name: the envelope's clear part is the case ID, the two units, the
document names and their SHA-256 (kuvert.py); everything about the patient is in its encrypted payload.

A transport called inside a database transaction must not deliver what the transaction may still roll back: the
file outbox writes a hidden temporary file and publishes it (an atomic rename) only when the transaction commits;
after a rollback the temporary file is removed at once (below). The transaction that sent an envelope reads it back
(`hamta`) before its commit, as it reads its own uncommitted rows: the receiving unit's receipt and confirmation may
follow the transfer in one transaction (load_demo, seed_scale, tests).

Rollback: Django 5.2 has no on_rollback hook, but a rollback (of the transaction, or of the savepoint the send was
made in) discards the send's on_commit hook, and nothing else holds it. The hook being collected without having run
is therefore the rollback: a `weakref.finalize` on it removes the thread's entry for the envelope and its temporary
file (`_overge`). A hook still waiting to run (even while earlier commit hooks run) is held by Django, so an envelope
that will be published is never removed. `_stada` still removes what a killed process left behind.
"""

import os
import re
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from vardformedling.nycklar.fel import KuvertFel

DEFAULT_TRANSPORT = "arenden.sdk.FileOutboxTransport"
# A temporary envelope this old was left by a process that ended inside its transaction (a rolled-back one is removed
# at once, `_overge`; a commit takes milliseconds, not an hour).
OVERGIVEN_EFTER_S = 3600
_FILNAMN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Per thread: name → temporary file of what this thread's open transaction sent and has not yet published.
_ej_publicerat = threading.local()


def _vantande() -> dict[str, Path]:
    if not hasattr(_ej_publicerat, "filer"):
        _ej_publicerat.filer = {}
    return _ej_publicerat.filer


class KuvertSaknas(KuvertFel):
    """The transport no longer holds the envelope (removed from the outbox, or never published)."""

    meddelande = "Remissens kuvert finns inte längre hos överföringstjänsten. Be hemregionen skicka remissen igen."


@dataclass(frozen=True)
class Kvitto:
    kvitto_id: str
    kuvert: str
    skickad: str


class FileOutboxTransport:
    """Writes each envelope as `<case_id>-<uuid>.json` and each receipt as `<case_id>-<uuid>.kvittens.json` to
    settings.SDK_OUTBOX, atomically and, inside a transaction, only once that transaction has committed. The
    same folder is the receiving side's inbox in this stub (`hamta`)."""

    name = "Filutkorg (SDK-stub)"

    def send(self, *, case_id: str, avsandare: str, mottagare: str, kuvert: bytes, dokument: list[str]) -> Kvitto:
        kvitto_id = str(uuid.uuid4())
        filnamn = self._publicera(f"{case_id}-{kvitto_id}.json", kuvert)
        return Kvitto(kvitto_id=kvitto_id, kuvert=filnamn, skickad=timezone.now().isoformat())

    def hamta(self, kuvert: str) -> bytes:
        if not isinstance(kuvert, str) or not _FILNAMN.fullmatch(kuvert):
            raise KuvertSaknas
        try:
            return (Path(settings.SDK_OUTBOX) / kuvert).read_bytes()
        except OSError:
            pass
        tmp = _vantande().get(kuvert)
        if tmp is not None and transaction.get_connection().in_atomic_block:  # sent by this open transaction
            try:
                return tmp.read_bytes()
            except OSError:
                pass
        raise KuvertSaknas

    def skicka_kvittens(self, *, case_id: str, avsandare: str, mottagare: str, kvittens: bytes) -> str:
        return self._publicera(f"{case_id}-{uuid.uuid4()}.kvittens.json", kvittens)

    def _publicera(self, filnamn: str, data: bytes) -> str:
        outbox = Path(settings.SDK_OUTBOX)
        outbox.mkdir(parents=True, exist_ok=True)
        _stada(outbox)
        tmp = outbox / f".{filnamn}.tmp"
        tmp.write_bytes(data)
        vantande = _vantande()

        def publicera() -> None:
            # Not robust: if publishing fails after the commit, the caller learns it (the case says sent; the
            # envelope is still in the temporary file for an operator to move: the entry is taken first, so
            # `_overge` leaves the file alone).
            vantande.pop(filnamn, None)
            os.replace(tmp, outbox / filnamn)

        if transaction.get_connection().in_atomic_block:
            vantande[filnamn] = tmp
            # The hook discarded unrun: rolled back. Not at exit: `_stada` sees to what an ended process left.
            weakref.finalize(publicera, _overge, vantande, filnamn).atexit = False
        transaction.on_commit(publicera)  # at once outside a transaction
        return filnamn


def _overge(vantande: dict[str, Path], filnamn: str) -> None:
    """The send's on_commit hook is gone: if it never ran (its transaction or savepoint rolled back), the envelope
    leaves the thread's list and its temporary file is removed; after publishing there is nothing left to do."""
    tmp = vantande.pop(filnamn, None)
    if tmp is not None:
        tmp.unlink(missing_ok=True)


_STADAT: dict[Path, float] = {}  # outbox → when this process last looked for abandoned temporary files
STADA_VAR_S = 60


def _stada(outbox: Path) -> None:
    """Removes temporary envelopes a process left behind (never published, older than OVERGIVEN_EFTER_S); looks
    at most once a minute per outbox and process (a listing per send made seed_scale's bulk quadratic)."""
    nu = time.time()
    if nu - _STADAT.get(outbox, 0.0) < STADA_VAR_S:
        return
    _STADAT[outbox] = nu
    grans = nu - OVERGIVEN_EFTER_S
    for tmp in outbox.glob(".*.json.tmp"):
        try:
            if tmp.stat().st_mtime < grans:
                tmp.unlink()
        except FileNotFoundError:  # another send removed it first
            pass


def get_transport():
    return import_string(getattr(settings, "SDK_TRANSPORT", DEFAULT_TRANSPORT))()
