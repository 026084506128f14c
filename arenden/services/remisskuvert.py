"""The end-to-end referral (issue 16 point 4): the envelope the home region sends, the receiving unit opening it
in its inbox, and the receiving unit's signed receipt (kvittens).

Sending (`kuvert_skapa`, called by `formedling.arende_overfor`): the payload is the patient's identity (read from
the region-sealed identity as a logged event, `identitet.las_for_remiss`), the referral text and the documents;
it is encrypted to the receiving unit's public key and signed by the sending unit, the home region's brokering
function (`avsandande_enhet`). The envelope's clear metadata is the case ID, the two units, their key fingerprints
and the documents' names, sizes and SHA-256 (vardformedling/nycklar/kuvert.py), nothing else. Units without a key
pair yet get one from their region's key service on first use (`enhetsnycklar.skapa`).

Receiving (`oppna`): the envelope is fetched from the transport, opened with the receiving unit's private key in
that request only, checked against the sender's public key and the hash recorded at sending; every opening is an
access-log row ("identitet öppna remiss"). `kvittera` signs the receipt with the receiving unit's key and
`kvittens_registrera` verifies it against the unit's *public* key before the transfer counts as received
("mottagen"). A refused envelope or receipt raises its `KryptoFel` (Swedish message) and is logged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from arenden import sdk
from arenden.access import logga
from arenden.models import Arende, Overforing
from arenden.services._common import spara
from arenden.services.identitet import Identitet
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.nycklar.fel import KryptoFel, KuvertManipulerat, KvittoFel

logger = logging.getLogger(__name__)

REDAN_MOTTAGEN = "Remissen är redan kvitterad som mottagen."
KVITTERA_ANNAT = (
    "Kvittensen gäller inte kuvertet som visas här (sidan var inaktuell eller formuläret ofullständigt). "
    "Läs remissen nedan och kvittera igen."
)
KVITTERAD = "Remissen är kvitterad som mottagen. Kvittensen är signerad av enheten och verifierad."


def avsandande_enhet(region) -> str:
    """The HSA-id that signs the home region's referrals: its brokering function (SE + the region's organisation
    number + "-VARDFORMEDLING"), whichever navigator sends."""
    return f"SE{re.sub(r'[^0-9]', '', region.orgnr)}-VARDFORMEDLING"


def _ja_nej(varde) -> str:
    return "ja" if varde else "nej"


def remisstext(arende: Arende, identitet: Identitet | None, fritext: dict[str, str] | None = None) -> str:
    """The referral as a plain-text document (in the envelope only: it names the patient). `fritext`: the case's
    sealed free text opened for the transfer (`identitet.oppna_fritext`)."""
    fritext = fritext or {}
    rader = [
        f"Remiss via vårdförmedling – ärende {arende.case_id}",
        f"Hemregion: {arende.region.namn}",
        f"Patient: {identitet.namn}, {identitet.formaterat}" if identitet else "Patient: identitet saknas i ärendet",
    ]
    if identitet and identitet.kontaktuppgifter:
        rader.append(f"Kontakt: {identitet.kontaktuppgifter}")
    rader += [
        f"Åtgärd (KVÅ-grupp): {arende.kva}",
        f"Diagnos: {arende.diagnos_kod} {fritext.get('diagnos_text', '')}".rstrip(),
        f"ASA-klass: {arende.asa_klass or '–'}; kräver narkos: {_ja_nej(arende.narkos)}",
        f"Relevanta läkemedel: {fritext.get('lakemedel') or '–'}",
        f"Tolkbehov: {fritext.get('tolkbehov') or '–'}; behöver ledsagare: {_ja_nej(arende.ledsagare)}",
        f"Beslut om behandling: {arende.beslutsdatum:%Y-%m-%d}; vårdgarantin löper ut: "
        f"{arende.vardgaranti_datum:%Y-%m-%d}",
    ]
    if arende.medicinskt_senast:
        rader.append(f"Medicinskt senast: {arende.medicinskt_senast:%Y-%m-%d}")
    if fritext.get("lamplighet_motivering"):
        rader.append(f"Bedömning: {fritext['lamplighet_motivering']}")
    remitterande = arende.remitterande_enhet.namn if arende.remitterande_enhet else arende.remitterande_text
    if remitterande:
        rader.append(f"Remitterande enhet: {remitterande}")
    return "\n".join(rader) + "\n"


def kuvert_skapa(
    *, arende: Arende, identitet: Identitet | None, dokument: dict[str, str], fritext: dict[str, str] | None = None
) -> tuple[bytes, str]:
    """(envelope bytes, sending unit's HSA-id). `dokument` maps the chosen document keys to their names; the
    referral is the referral text, the others are the home region's attachments (the portal keeps no journal
    documents: each is a placeholder naming what the region's own system attaches). Raises `KryptoFel`."""
    region = arende.region
    avsandare = avsandande_enhet(region)
    enhetsnycklar.skapa(avsandare, region.kod)
    mottagare = arende.mottagande_enhet
    if mottagare is None:  # the transition's own check refuses this earlier; said here for the type checker
        raise ValueError("Ärendet har ingen mottagande enhet.")
    mottagare_publik = enhetsnycklar.skapa(mottagare.hsa_id, mottagare.region_id)
    signeringsnyckel = enhetsnycklar.privat(avsandare, region.kod)
    return (
        forsegla_remiss(arende, identitet, dokument, avsandare, mottagare_publik, signeringsnyckel, fritext),
        avsandare,
    )


def forsegla_remiss(
    arende: Arende,
    identitet: Identitet | None,
    dokument: dict[str, str],
    avsandare: str,
    mottagare_publik: enhetsnycklar.PublikaNycklar,
    signeringsnyckel: enhetsnycklar.PrivataNycklar,
    fritext: dict[str, str] | None = None,
) -> bytes:
    """The envelope of `kuvert_skapa` once the two units' keys are at hand (seed_scale seals many with keys it
    looked up once per unit)."""
    text = remisstext(arende, identitet, fritext)
    filer = {
        namn: (
            text
            if nyckel == "remiss"
            else f"{namn} för ärende {arende.case_id} bifogas ur hemregionens journalsystem.\n"
        ).encode()
        for nyckel, namn in dokument.items()
    }
    payload = {"identitet": identitet.dokument() if identitet else None, "remiss": {"text": text}}
    return kuvert.forsegla(
        payload,
        filer,
        avsandare=avsandare,
        mottagare_publik=mottagare_publik,
        avsandare_signeringsnyckel=signeringsnyckel,
        metadata={"arende_id": arende.case_id},
    )


@dataclass
class OppnadRemiss:
    """What the receiving unit sees of its envelope (in memory for one response)."""

    overforing: Overforing
    identitet: Identitet | None
    remisstext: str
    dokument: dict[str, bytes] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def _avvisad(overforing: Overforing, exc: KryptoFel, vad: str) -> None:
    # The reason type only: never key material, never the envelope's content.
    logger.warning(
        "%s avvisad: ärende %s, överföring %s, %s", vad, overforing.arende.case_id, overforing.pk, type(exc).__name__
    )


def _las_kuvert(overforing: Overforing) -> tuple[bytes, dict, Any, dict[str, bytes], enhetsnycklar.PrivataNycklar]:
    mottagare = overforing.mottagare
    data = sdk.get_transport().hamta(overforing.kuvert)
    privat = enhetsnycklar.privat(mottagare.hsa_id, mottagare.region_id)
    metadata, payload, filer = kuvert.oppna(
        data, mottagare_privat=privat, avsandare_publik=enhetsnycklar.publik(overforing.avsandare)
    )
    # A validly signed envelope of another transfer (or case) put in this one's place is refused too.
    if kuvert.kuvert_hash(data) != overforing.kuvert_sha256 or metadata.get("arende_id") != overforing.arende.case_id:
        raise KuvertManipulerat
    return data, metadata, payload, filer, privat


def oppna(request, overforing: Overforing) -> OppnadRemiss:
    """Opens the envelope with the receiving unit's key in this request and logs the access (PDL). Raises
    `KryptoFel` (tampered, wrong unit, missing, key service down), logged without content."""
    try:
        _, metadata, payload, filer, _ = _las_kuvert(overforing)
    except KryptoFel as exc:
        _avvisad(overforing, exc, "Kuvert")
        raise
    logga(request, [overforing.arende], "identitet öppna remiss")
    payload = payload if isinstance(payload, dict) else {}
    ident = payload.get("identitet")
    return OppnadRemiss(
        overforing=overforing,
        identitet=Identitet.fran_dokument(ident) if isinstance(ident, dict) else None,
        remisstext=str((payload.get("remiss") or {}).get("text", "")),
        dokument=filer,
        metadata=metadata,
    )


def kvittera(*, overforing: Overforing, anvandare, uppdrag=None) -> Overforing:
    """The receiving unit acknowledges its envelope: opened (verified) again, the receipt signed with the unit's
    private key, then verified and recorded by `kvittens_registrera`. Raises `KryptoFel` or ValidationError."""
    with transaction.atomic():
        o = Overforing.objects.select_for_update().select_related("arende", "mottagare").get(pk=overforing.pk)
        if o.mottagen is not None:
            raise ValidationError(REDAN_MOTTAGEN, code="mottagen")
        try:
            _, _, _, _, privat = _las_kuvert(o)
        except KryptoFel as exc:
            _avvisad(o, exc, "Kuvert")
            raise
        kvittens = kuvert.kvittera(o.kuvert_sha256, mottagare_signeringsnyckel=privat, arende_id=o.arende.case_id)
        return kvittens_registrera(overforing=o, kvittens=kvittens, anvandare=anvandare, uppdrag=uppdrag)


def kvittera_arende(*, arende: Arende, anvandare, uppdrag=None) -> Overforing:
    """`kvittera` on the case's envelope to its receiving unit, as that unit does in its inbox (load_demo, seed_scale
    and tests drive cases through this before the confirmation)."""
    o = Overforing.objects.filter(arende_id=arende.pk, mottagare_id=F("arende__mottagande_enhet_id")).latest(
        "skickad", "id"
    )
    return kvittera(overforing=o, anvandare=anvandare, uppdrag=uppdrag)


def kvittens_registrera(*, overforing: Overforing, kvittens: bytes, anvandare, uppdrag=None) -> Overforing:
    """Records a receipt once it verifies against the receiving unit's public key and the envelope's hash, sends it
    back through the transport and writes the case history. A refused receipt raises its `KvittoFel` (logged) and
    changes nothing: the transfer does not count as received."""
    with transaction.atomic():
        o = Overforing.objects.select_for_update().select_related("arende", "mottagare").get(pk=overforing.pk)
        if o.mottagen is not None:
            raise ValidationError(REDAN_MOTTAGEN, code="mottagen")
        try:
            kuvert.verifiera_kvitto(
                kvittens, mottagare_publik=enhetsnycklar.publik(o.mottagare.hsa_id), kuvert_hash=o.kuvert_sha256
            )
        except KvittoFel as exc:
            _avvisad(o, exc, "Kvittens")
            raise
        sdk.get_transport().skicka_kvittens(
            case_id=o.arende.case_id, avsandare=o.mottagare.hsa_id, mottagare=o.avsandare, kvittens=kvittens
        )
        o.kvittens = kvittens.decode()
        o.mottagen = timezone.now()
        o.mottagen_av = anvandare
        o.save(update_fields=["kvittens", "mottagen", "mottagen_av"])
        arende = Arende.objects.select_for_update().get(pk=o.arende_id)
        spara(
            arende,
            fran=arende.status,
            handelse=f"Remissen mottagen av {o.mottagare.namn} (signerad kvittens verifierad)",
            anvandare=anvandare,
            uppdrag=uppdrag,
        )
    return o
