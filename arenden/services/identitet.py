"""Patient identity of a case: the one path that seals it, reads it (with a PDL log row) and shreds it (issue 16).

The national case record keeps only pseudonymous fields (birth year, sex, municipality, the keyed hash of the
personnummer). The identity itself – personnummer, name, contact details – is a small JSON document sealed with
AES-256-GCM (the case ID as associated data) under a fresh data key per case, and that data key is stored only
wrapped by the owning region's key service (`vardformedling.nycklar.falt`).

Writing: `forsegla(arende, identitet)` sets the sealed fields and the pseudonymous ones on an unsaved (or saved)
case; registration, the demo, `seed_scale` and the data migration all go through it. W's waiting-list import uses
the same function.

Reading: `visa(request, arenden, varfor)` decides per case whether the active commission may see identity
(`far_se_identitet`), unwraps the data keys of a page with one key-service call per region (cached on the request
only), writes one access-log row per decryption ("identitet <varfor>") and returns a `Visning` per case: the
identity, or a Swedish sentence saying why it is not shown (no right, key service down, shredded, altered).
Nothing here raises for a missing key: pseudonymous pages keep working.

Duplicate check and search: `pnr_hash(region_kod, personnummer)` is the region's keyed hash (HMAC in the region's
key service) of the normalised 12-digit number, stored hex in `Arende.pnr_hash`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from arenden.models import Anteckning, Arende, ArendeHandelse, Atkomstlogg, Avvikelse, Erbjudande, Resa, Status
from vardformedling import personnummer as pnr
from vardformedling.models import Roll
from vardformedling.nycklar import falt
from vardformedling.nycklar.fel import DekrypteringMisslyckades, KryptoFel
from vardformedling.nycklar.tjanst import Nyckeltjanst, nyckeltjanst

logger = logging.getLogger(__name__)

EJ_BEHORIG = "Patientens identitet visas bara för hemregionens vårdlotsar och koordinatorer."
EJ_OVERFORD = "Patientens identitet visas för den mottagande enheten när remissen har överförts."
# The receiving unit never reads the region-sealed identity: it sees the identity only in its own copy, the
# end-to-end envelope in its inbox (arenden/services/remisskuvert.py).
I_REMISSEN = (
    "Patientens identitet finns i remissen från hemregionen: öppna den i enhetens inkorg (Remisser till enheten)."
)
GALLRAD = "Patientens identitetsuppgifter är gallrade (bevarandetiden har gått ut). Ärendet finns kvar utan dem."
SAKNAS = "Ärendet saknar sparade identitetsuppgifter."
DOLD = "–"


@dataclass(frozen=True)
class Identitet:
    """The patient's identity as the owning region's staff see it (never stored like this)."""

    personnummer: str  # normalised, 12 digits
    namn: str
    kontaktuppgifter: str = ""

    @property
    def maskerat(self) -> str:
        return pnr.mask(self.personnummer)

    @property
    def formaterat(self) -> str:
        p = self.personnummer
        return f"{p[:8]}-{p[8:]}" if len(p) == 12 else p

    def dokument(self) -> dict[str, str]:
        return {"personnummer": self.personnummer, "namn": self.namn, "kontaktuppgifter": self.kontaktuppgifter}

    @classmethod
    def fran_dokument(cls, dokument: dict) -> Identitet:
        return cls(
            personnummer=str(dokument.get("personnummer", "")),
            namn=str(dokument.get("namn", "")),
            kontaktuppgifter=str(dokument.get("kontaktuppgifter", "")),
        )


@dataclass(frozen=True)
class Visning:
    """What a page shows of one case's identity: `identitet`, or `meddelande` saying why not."""

    identitet: Identitet | None = None
    meddelande: str = ""

    @property
    def namn(self) -> str:
        return self.identitet.namn if self.identitet else DOLD

    @property
    def maskerat(self) -> str:
        return self.identitet.maskerat if self.identitet else ""


# --- Pseudonymous fields -----------------------------------------------------------------------------------------


def fodelsear(personnummer: str) -> int:
    return int(personnummer[:4])


def kon(personnummer: str) -> str:
    """Legal sex from the second-last digit (odd: man), the only use of the number the statistics keep."""
    return "M" if int(personnummer[10]) % 2 else "K"


def pnr_hash(region_kod: str, personnummer: str, *, tjanst: Nyckeltjanst | None = None) -> str:
    """The region's keyed hash (hex) of the normalised personnummer: equal within a region, unrelated across."""
    tjanst = tjanst or nyckeltjanst()
    return tjanst.keyed_hash(region_kod, pnr.normalise(personnummer).encode("ascii")).hex()


def pnr_hashar(region_kod: str, nummer: list[str], *, tjanst: Nyckeltjanst | None = None) -> list[str]:
    """`pnr_hash` of many normalised personnummer in one key-service round: a waiting list's patients carry the
    same keyed hash as a case of the same person in the region (issue 17: duplicates between list and cases)."""
    tjanst = tjanst or nyckeltjanst()
    return [h.hex() for h in tjanst.keyed_hashes(region_kod, [pnr.normalise(n).encode("ascii") for n in nummer])]


# --- The patient's own sign-in (the patient pages, issue 18) ---------------------------------------------------


@dataclass(frozen=True)
class Inloggning:
    """What a patient's session keeps of the e-legitimation: the keyed hash of the personnummer under each region
    that answered (to find the patient's cases without a number), and the identity sealed under a fresh data key
    wrapped by each of those regions (to register a request for contact in the region the patient names). Plain
    strings only (the session is JSON); no personnummer in clear."""

    hashar: dict[str, str]
    chiffer: str
    nycklar: dict[str, str]

    def som_dict(self) -> dict:
        return {"hashar": self.hashar, "chiffer": self.chiffer, "nycklar": self.nycklar}

    @classmethod
    def fran_dict(cls, data: dict) -> Inloggning:
        return cls(hashar=dict(data["hashar"]), chiffer=str(data["chiffer"]), nycklar=dict(data["nycklar"]))


_INLOGGNING_AAD = falt.aad_for("patientinloggning", "e-legitimation")


def forsegla_inloggning(regioner: Iterable[str], identitet: Identitet, *, tjanst: Nyckeltjanst | None = None):
    """The patient's sign-in as the session keeps it (`Inloggning`). A region whose key service cannot answer is
    left out (logged): the patient then does not see that region's cases until the next sign-in."""
    tjanst = tjanst or nyckeltjanst()
    nummer = pnr.normalise(identitet.personnummer)
    data_key = falt.ny_datanyckel()
    dokument = Identitet(nummer, identitet.namn or "", identitet.kontaktuppgifter or "").dokument()
    chiffer = falt.encrypt(data_key, json.dumps(dokument).encode(), aad=_INLOGGNING_AAD)
    hashar, nycklar = {}, {}
    for region_kod in regioner:
        try:
            hashar[region_kod] = pnr_hash(region_kod, nummer, tjanst=tjanst)
            nycklar[region_kod] = tjanst.wrap(region_kod, data_key).hex()
        except KryptoFel as exc:
            logger.warning("Patientinloggningen hoppade över region %s: %s", region_kod, type(exc).__name__)
            hashar.pop(region_kod, None)
    return Inloggning(hashar=hashar, chiffer=chiffer.hex(), nycklar=nycklar)


def oppna_inloggning(inloggning: Inloggning, region_kod: str, *, tjanst: Nyckeltjanst | None = None) -> Identitet:
    """The signed-in patient's identity, opened with `region_kod`'s key (the region the patient asks for contact
    in); `KryptoFel` (Swedish message) when that region's key service cannot answer or was left out at sign-in."""
    tjanst = tjanst or nyckeltjanst()
    inslagen = inloggning.nycklar.get(region_kod)
    if not inslagen:
        raise DekrypteringMisslyckades
    data_key = tjanst.unwrap(region_kod, bytes.fromhex(inslagen))
    data = falt.decrypt(data_key, bytes.fromhex(inloggning.chiffer), aad=_INLOGGNING_AAD)
    return Identitet.fran_dokument(json.loads(data))


# --- Writing -----------------------------------------------------------------------------------------------------


def forseglade_falt(
    region_kod: str, case_id: str, identitet: Identitet, *, tjanst: Nyckeltjanst | None = None, data_key=None
) -> dict:
    """The stored fields of a case's identity (sealed document, wrapped data key, pseudonymous fields), computed
    from plain values: used by `forsegla` and by the data migration (historical models)."""
    tjanst = tjanst or nyckeltjanst()
    nummer = pnr.normalise(identitet.personnummer)
    identitet = Identitet(nummer, identitet.namn or "", identitet.kontaktuppgifter or "")
    forseglat = falt.forsegla_dokument(
        region_kod, identitet.dokument(), aad=falt.aad_for("arende", case_id), tjanst=tjanst, data_key=data_key
    )
    return {
        "identitet_chiffer": forseglat.chiffertext,
        "identitet_nyckel": forseglat.inslagen_nyckel,
        "identitet_nyckelversion": forseglat.nyckelversion,
        "pnr_hash": pnr_hash(region_kod, nummer, tjanst=tjanst),
        "fodelsear": fodelsear(nummer),
        "kon": kon(nummer),
    }


def forsegla(arende: Arende, identitet: Identitet, *, tjanst: Nyckeltjanst | None = None) -> Arende:
    """THE write path of patient identity: seals `identitet` under a fresh data key wrapped by the case's region
    and sets the pseudonymous fields on `arende` (which must have its case ID and region). Does not save; raises
    `NyckelEjTillganglig` (a `KryptoFel` with a Swedish message) when the region's key service cannot answer.
    The data key stays on the object (never stored in clear) so that `satt_fritext` seals without another round."""
    data_key = falt.ny_datanyckel()
    for namn, varde in forseglade_falt(
        arende.region_id, arende.case_id, identitet, tjanst=tjanst, data_key=data_key
    ).items():
        setattr(arende, namn, varde)
    arende.identitet_gallrad = None
    arende.__dict__[_DATANYCKEL] = data_key
    return arende


# --- Who may see identity ----------------------------------------------------------------------------------------

# After the transfer the receiving unit has the referral (and the identity in it) in hand.
EFTER_OVERFORING = frozenset(
    {Status.REMISS_SKICKAD, Status.BEKRAFTAD, Status.UTFORD, Status.UPPFOLJNING, Status.AVSLUTAD}
)


def far_se_identitet(uppdrag, arende: Arende) -> str:
    """'' when the commission may see the case's identity, otherwise the Swedish reason. Home region's
    navigators and coordinators only; administrators and other regions never; the receiving unit only after the
    referral was transferred to it (its envelope copy, issue 16 point 4)."""
    if uppdrag is None:
        return EJ_BEHORIG
    if (
        uppdrag.roll in (Roll.VARDLOTS, Roll.KOORDINATOR)
        and uppdrag.region_id
        and uppdrag.region_id == arende.region_id
    ):
        return ""
    if uppdrag.roll == Roll.MOTTAGARE and uppdrag.vardenhet_id and uppdrag.vardenhet_id == arende.mottagande_enhet_id:
        return I_REMISSEN if arende.status in EFTER_OVERFORING else EJ_OVERFORD
    return EJ_BEHORIG


# --- Reading -----------------------------------------------------------------------------------------------------


def _datanycklar(request, region_kod: str, arenden: list[Arende], tjanst: Nyckeltjanst) -> dict[int, bytes]:
    """The cases' data keys: one `unwrap_many` per region for those not yet unwrapped in this request (the cache
    lives on the request object only and dies with it)."""
    cache: dict[int, bytes] = request.__dict__.setdefault("_vf_datanycklar", {}) if request is not None else {}
    saknas = [a for a in arenden if a.pk not in cache]
    if saknas:
        nycklar = tjanst.unwrap_many(region_kod, [_binar(a.identitet_nyckel) for a in saknas])
        cache.update({a.pk: k for a, k in zip(saknas, nycklar, strict=True)})
    return {a.pk: cache[a.pk] for a in arenden}


def loggrader(
    request, anvandare, uppdrag, arenden: list[Arende], varfor: str, *, vad: str = "identitet"
) -> list[Atkomstlogg]:
    """The access-log rows ("<vad> <varfor>", e.g. "identitet visa ärende") for reading these cases' sealed data."""
    from arenden.access import klient_ip

    return [
        Atkomstlogg(
            hsa_id=getattr(anvandare, "hsa_id", "") or "",
            uppdrag=uppdrag.etikett if uppdrag is not None else "",
            region_kod=a.region_id,
            case_id=a.case_id,
            handling=f"{vad} {varfor}"[:100],
            ip=klient_ip(request) if request is not None else None,
        )
        for a in arenden
    ]


def _logga(request, anvandare, uppdrag, arenden: list[Arende], varfor: str, *, vad: str = "identitet") -> None:
    if arenden:
        Atkomstlogg.objects.bulk_create(loggrader(request, anvandare, uppdrag, arenden, varfor, vad=vad))


def visa(
    request, arenden: Iterable[Arende], varfor: str, *, anvandare=None, uppdrag=None, tjanst=None, logga=True
) -> dict[int, Visning]:
    """{case pk: Visning} for `arenden` as the request's commission may see them; each decryption is logged
    ("identitet <varfor>", e.g. "identitet visa ärende"). Never raises for key-service or ciphertext errors."""
    anvandare = anvandare if anvandare is not None else getattr(request, "user", None)
    uppdrag = uppdrag if uppdrag is not None else getattr(request, "uppdrag", None)
    arenden = list(arenden)
    ut: dict[int, Visning] = {}
    per_region: dict[str, list[Arende]] = defaultdict(list)
    for a in arenden:
        if skal := far_se_identitet(uppdrag, a):
            ut[a.pk] = Visning(meddelande=skal)
        elif a.identitet_gallrad is not None:
            ut[a.pk] = Visning(meddelande=GALLRAD)
        elif not a.identitet_nyckel or not a.identitet_chiffer:
            ut[a.pk] = Visning(meddelande=SAKNAS)
        else:
            per_region[a.region_id].append(a)
    if not per_region:
        return ut
    tjanst = tjanst or nyckeltjanst()
    lasta: list[Arende] = []
    for region_kod, rader in per_region.items():
        try:
            nycklar = _datanycklar(request, region_kod, rader, tjanst)
        except KryptoFel as exc:
            logger.warning("Identitet kunde inte läsas för %d ärenden i region %s: %s", len(rader), region_kod,
                           type(exc).__name__)  # fmt: skip
            ut.update({a.pk: Visning(meddelande=exc.meddelande) for a in rader})
            continue
        for a in rader:
            try:
                data = falt.decrypt(nycklar[a.pk], _binar(a.identitet_chiffer), aad=falt.aad_for("arende", a.case_id))
                dokument = json.loads(data)
                if not isinstance(dokument, dict):
                    raise DekrypteringMisslyckades
            except ValueError:
                ut[a.pk] = Visning(meddelande=DekrypteringMisslyckades.meddelande)
                continue
            except KryptoFel as exc:
                logger.warning("Identiteten i ärende %s kunde inte öppnas: %s", a.case_id, type(exc).__name__)
                ut[a.pk] = Visning(meddelande=exc.meddelande)
                continue
            ut[a.pk] = Visning(identitet=Identitet.fran_dokument(dokument))
            lasta.append(a)
    if logga:  # off: the caller logs `lasta` itself (arenden.access.logga's `identitet_lasta`), or a benchmark
        _logga(request, anvandare, uppdrag, lasta, varfor)
    return ut


def visa_en(request, arende: Arende, varfor: str, **kwargs) -> Visning:
    return visa(request, [arende], varfor, **kwargs)[arende.pk]


def las_for_remiss(arende: Arende, *, anvandare, uppdrag, request=None, tjanst=None) -> Identitet | None:
    """The identity to seal into the referral envelope, read for the transfer action (which the caller authorised)
    and logged as "identitet skicka remiss". None when the case has none (shredded or never stored); raises
    `KryptoFel` (Swedish message) when the region's key service cannot answer or the identity was altered."""
    if arende.identitet_gallrad is not None or not arende.identitet_nyckel or not arende.identitet_chiffer:
        return None
    tjanst = tjanst or nyckeltjanst()
    data_key = _datanycklar(request, arende.region_id, [arende], tjanst)[arende.pk]
    try:
        dokument = json.loads(
            falt.decrypt(data_key, _binar(arende.identitet_chiffer), aad=falt.aad_for("arende", arende.case_id))
        )
    except ValueError:
        raise DekrypteringMisslyckades from None
    if not isinstance(dokument, dict):
        raise DekrypteringMisslyckades
    _logga(request, anvandare, uppdrag, [arende], "skicka remiss")
    return Identitet.fran_dokument(dokument)


# --- Notes: free text about the patient, sealed under the same data key ---------------------------------------

ANTECKNINGAR_GALLRADE = "Anteckningen är gallrad tillsammans med patientens identitetsuppgifter."


def _anteckning_aad(arende: Arende) -> bytes:
    return falt.aad_for("anteckning", arende.case_id)


def forsegla_anteckning(arende: Arende, text: str, *, request=None, tjanst: Nyckeltjanst | None = None) -> bytes:
    """`text` encrypted under the case's data key (unwrapped by the region's key service for this call)."""
    return forsegla_fritext(arende, text, slag="anteckning", request=request, tjanst=tjanst)


def forsegla_fritext(
    arende: Arende, text: str, *, slag: str, request=None, tjanst: Nyckeltjanst | None = None
) -> bytes:
    """Free text about the patient of kind `slag` ("anteckning", "resa") encrypted under the case's data key, the
    kind and the case ID as associated data. Raises `KryptoFel` (Swedish message) when it cannot be sealed."""
    data_key = _datanyckel(request, arende, tjanst)
    return falt.encrypt(data_key, text.encode(), aad=falt.aad_for(slag, arende.case_id))


RESENOT_DOLD = "anteckningen visas bara för hemregionen"


def las_resenoter(request, uppdrag, arende: Arende, resor) -> list:
    """The trips with `visad_anteckning` set: the opened note for a commission that may see the case's identity,
    otherwise a short sentence saying who sees it (or why it cannot be opened). No key-service call without notes."""
    resor = list(resor)
    forseglade = [r for r in resor if r.anteckning_chiffer]
    if not forseglade:
        return resor
    data_key, fel = None, ""
    if far_se_identitet(uppdrag, arende):
        fel = RESENOT_DOLD
    elif arende.identitet_gallrad is not None or not arende.identitet_nyckel:
        fel = ANTECKNINGAR_GALLRADE
    else:
        try:
            data_key = _datanycklar(request, arende.region_id, [arende], nyckeltjanst())[arende.pk]
        except KryptoFel as exc:
            fel = exc.meddelande
    for r in forseglade:
        if data_key is None:
            r.visad_anteckning = fel
            continue
        try:
            aad = falt.aad_for("resa", arende.case_id)
            r.visad_anteckning = falt.decrypt(data_key, bytes(r.anteckning_chiffer), aad=aad).decode()
        except (KryptoFel, UnicodeDecodeError):
            r.visad_anteckning = DekrypteringMisslyckades.meddelande
    return resor


def las_anteckningar(request, arende: Arende, anteckningar, *, tjanst: Nyckeltjanst | None = None) -> list:
    """The notes with `visad_text` set: the opened text, the portal's own reminder, or why it cannot be shown.
    Only for commissions that may see the case's identity (the caller checks `far_se_identitet`)."""
    anteckningar = list(anteckningar)
    forseglade = [n for n in anteckningar if n.text_chiffer]
    data_key, fel = None, ""
    if forseglade:
        if arende.identitet_gallrad is not None or not arende.identitet_nyckel:
            fel = ANTECKNINGAR_GALLRADE
        else:
            try:
                data_key = _datanycklar(request, arende.region_id, [arende], tjanst or nyckeltjanst())[arende.pk]
            except KryptoFel as exc:
                fel = exc.meddelande
    for n in anteckningar:
        if not n.text_chiffer:
            n.visad_text = n.text
        elif data_key is None:
            n.visad_text = fel
        else:
            try:
                n.visad_text = falt.decrypt(data_key, bytes(n.text_chiffer), aad=_anteckning_aad(arende)).decode()
            except (KryptoFel, UnicodeDecodeError):
                n.visad_text = DekrypteringMisslyckades.meddelande
    return anteckningar


# --- Free text about the patient on the case, its history, offers and deviations (issue 16 point 1) -------------

# The case's free-text fields: each stored only as `<name>_chiffer` under the case's data key ("arende.<name>" and
# the case ID as associated data). Codes, dates and the portal's own texts stay in clear.
ARENDE_FRITEXT = (
    "diagnos_text",
    "lakemedel",
    "tolkbehov",
    "lamplighet_motivering",
    "utfall",
    "avslut_motivering",
    "bevakning_orsak",
)
# (model, field) → the kind named in the associated data; the field is stored as `<field>_chiffer`.
_SLAG: dict[tuple[type, str], str] = {
    **{(Arende, f): f"arende.{f}" for f in ARENDE_FRITEXT},
    (ArendeHandelse, "motivering"): "handelse",
    (Erbjudande, "fritext"): "erbjudande",
    (Avvikelse, "vad"): "avvikelse.vad",
    (Avvikelse, "atgard"): "avvikelse.atgard",
}
FRITEXT_GALLRAD = "Texten är gallrad tillsammans med patientens identitetsuppgifter."
FRITEXT_EJ_BEHORIG = "Texten visas bara för hemregionens vårdlotsar och koordinatorer."
FRITEXT_EJ_OVERFORD = "Texten visas för den mottagande enheten när remissen har överförts."
_DATANYCKEL = "_vf_datanyckel"  # the data key of a case sealed in this request, kept on the object only


def _datanyckel(request, arende: Arende, tjanst: Nyckeltjanst | None = None) -> bytes:
    """The case's data key: the one `forsegla` just made, or unwrapped once per request (`_datanycklar`)."""
    if (data_key := arende.__dict__.get(_DATANYCKEL)) is not None:
        return data_key
    if arende.identitet_gallrad is not None or not arende.identitet_nyckel:
        raise KryptoFel(FRITEXT_GALLRAD)
    return _datanycklar(request, arende.region_id, [arende], tjanst or nyckeltjanst())[arende.pk]


def far_lasa_fritext(uppdrag, arende: Arende) -> str:
    """'' when the commission may read the case's free text, otherwise the Swedish reason: the home region's
    navigators and coordinators, and the receiving unit once the referral has been transferred to it (what it saw
    before issue 16, from then on); administrators and other regions never."""
    skal = far_se_identitet(uppdrag, arende)
    if skal == I_REMISSEN:
        return ""
    return FRITEXT_EJ_OVERFORD if skal == EJ_OVERFORD else (FRITEXT_EJ_BEHORIG if skal else "")


def forsegla_text(obj, falt_namn: str, text: str, *, arende: Arende, request=None, tjanst=None) -> None:
    """Sets `obj.<falt_namn>_chiffer` to `text` sealed under `arende`'s data key (None for an empty text). THE
    write path of free text about the patient; a `ValidationError` with the Swedish message (key service down,
    case shredded) when it cannot be sealed, so the form shows it and nothing is saved."""
    from django.core.exceptions import ValidationError

    chiffer = None
    if text:
        try:
            chiffer = forsegla_fritext(arende, text, slag=_SLAG[(type(obj), falt_namn)], request=request, tjanst=tjanst)
        except KryptoFel as exc:
            raise ValidationError(exc.meddelande, code="nyckel") from exc
    setattr(obj, f"{falt_namn}_chiffer", chiffer)


def satt_fritext(arende: Arende, *, request=None, tjanst=None, **texter: str) -> None:
    """Seals the case's free-text fields given (`diagnos_text="…"`); an empty text stores nothing."""
    for namn, text in texter.items():
        if namn not in ARENDE_FRITEXT:
            raise TypeError(f"Okänt fritextfält: {namn}")
        forsegla_text(arende, namn, text or "", arende=arende, request=request, tjanst=tjanst)


def _oppna(data_key: bytes, obj, falt_namn: str, arende: Arende) -> str:
    chiffer = getattr(obj, f"{falt_namn}_chiffer")
    aad = falt.aad_for(_SLAG[(type(obj), falt_namn)], arende.case_id)
    try:
        return falt.decrypt(data_key, bytes(chiffer), aad=aad).decode()
    except (KryptoFel, UnicodeDecodeError):
        return DekrypteringMisslyckades.meddelande


def oppna_fritext(arende: Arende, *, anvandare, uppdrag, varfor: str, request=None, tjanst=None) -> dict[str, str]:
    """The case's own free-text fields in clear for an action the caller authorised (the referral envelope),
    logged as "fritext <varfor>"; raises `KryptoFel` (Swedish message) when they cannot be opened."""
    forseglade = [f for f in ARENDE_FRITEXT if getattr(arende, f"{f}_chiffer")]
    if not forseglade:
        return dict.fromkeys(ARENDE_FRITEXT, "")
    data_key = _datanyckel(request, arende, tjanst)
    ut = dict.fromkeys(ARENDE_FRITEXT, "")
    for f in forseglade:
        aad = falt.aad_for(_SLAG[(Arende, f)], arende.case_id)
        try:
            ut[f] = falt.decrypt(data_key, bytes(getattr(arende, f"{f}_chiffer")), aad=aad).decode()
        except UnicodeDecodeError:
            raise DekrypteringMisslyckades from None
    _logga(request, anvandare, uppdrag, [arende], varfor, vad="fritext")
    return ut


def las_fritext(request, arende: Arende, varfor: str, *, handelser=(), erbjudanden=(), avvikelser=(),
                uppdrag=None, anvandare=None, tjanst=None, logga=True) -> bool:  # fmt: skip
    """Sets `visad_<field>` on the case (its free-text fields) and on the given history rows, offers and deviations:
    the opened text, the portal's own text, '' when nothing was written, or a Swedish sentence saying why it is
    not shown (no right, key service down, shredded, altered). One key-service round per page at most (the data
    key is cached on the request, shared with the identity) and one access-log row ("fritext <varfor>") when
    anything was opened (`logga=False`: the caller writes it, arenden.access.logga's `fritext_lasta`). Returns whether
    anything was opened. Never raises for key or ciphertext errors."""
    uppdrag = uppdrag if uppdrag is not None else getattr(request, "uppdrag", None)
    anvandare = anvandare if anvandare is not None else getattr(request, "user", None)
    rader = [(arende, f) for f in ARENDE_FRITEXT]
    rader += [(h, "motivering") for h in handelser] + [(e, "fritext") for e in erbjudanden]
    rader += [(v, f) for v in avvikelser for f in ("vad", "atgard")]
    forseglade = [(o, f) for o, f in rader if getattr(o, f"{f}_chiffer")]
    data_key, fel = None, far_lasa_fritext(uppdrag, arende)
    if forseglade and not fel:
        try:
            data_key = _datanyckel(request, arende, tjanst)
        except KryptoFel as exc:
            logger.warning("Fritext kunde inte läsas i ärende %s: %s", arende.case_id, type(exc).__name__)
            fel = exc.meddelande
    for o, f in rader:
        setattr(o, f"visad_{f}", getattr(o, f, "") if o is not arende and f in ("motivering", "fritext") else "")
    for o, f in forseglade:
        setattr(o, f"visad_{f}", fel if data_key is None else _oppna(data_key, o, f, arende))
    if data_key is not None and logga:
        _logga(request, anvandare, uppdrag, [arende], varfor, vad="fritext")
    return data_key is not None


# --- Retention (crypto-shredding) --------------------------------------------------------------------------------


def gallra(arende: Arende) -> None:
    """Destroys the case's wrapped data key and sealed identity (crypto-shredding); the pseudonymous record and the
    access log stay. Saves only these fields."""
    Arende.objects.filter(pk=arende.pk).update(
        identitet_nyckel=None, identitet_chiffer=None, identitet_gallrad=timezone.now()
    )
    # The notes' ciphertext cannot be opened without the key; removed too, so nothing sealed is left behind.
    Anteckning.objects.filter(arende_id=arende.pk, text_chiffer__isnull=False).update(text_chiffer=None)
    Resa.objects.filter(arende_id=arende.pk, anteckning_chiffer__isnull=False).update(anteckning_chiffer=None)
    # So is every other free text about the patient (issue 16 point 1).
    Arende.objects.filter(pk=arende.pk).update(**{f"{f}_chiffer": None for f in ARENDE_FRITEXT})
    ArendeHandelse.objects.filter(arende_id=arende.pk, motivering_chiffer__isnull=False).update(motivering_chiffer=None)
    Erbjudande.objects.filter(arende_id=arende.pk, fritext_chiffer__isnull=False).update(fritext_chiffer=None)
    Avvikelse.objects.filter(arende_id=arende.pk).update(vad_chiffer=None, atgard_chiffer=None)
    for f in ARENDE_FRITEXT:
        setattr(arende, f"{f}_chiffer", None)
    arende.identitet_nyckel = arende.identitet_chiffer = None
    arende.identitet_gallrad = timezone.now()


# --- Migration of clear-text identity (arenden migration 0007) -----------------------------------------------------


def flytta_klartext(arende_modell, *, tjanst: Nyckeltjanst | None = None) -> int:
    """Seals the clear-text personnummer, name and contact details of every case not yet sealed (the historical
    model of migration 0007 still has the clear columns); returns how many. A region whose key service cannot
    answer stops the migration with its Swedish message: nothing is dropped before everything is sealed."""
    antal = 0
    qs = arende_modell.objects.filter(identitet_nyckel__isnull=True).exclude(personnummer="")
    for a in qs.only("pk", "case_id", "region_id", "personnummer", "namn", "kontaktuppgifter").iterator(chunk_size=500):
        varden = forseglade_falt(
            a.region_id, a.case_id, Identitet(a.personnummer, a.namn, a.kontaktuppgifter), tjanst=tjanst
        )
        antal += arende_modell.objects.filter(pk=a.pk).update(**varden)
    return antal


def _binar(varde: bytes | memoryview | None) -> bytes:
    """A sealed field's bytes; an absent one (shredded, or never sealed) cannot be opened."""
    if varde is None:
        raise DekrypteringMisslyckades
    return bytes(varde)


# --- Re-wrap after a key rotation (`nycklar --rotera RR`, vardformedling.nycklar.omslag) ---------------------------


def omsla_identiteter(o) -> int:
    """Puts every case's wrapped data key of region `o.region_kod` under the newest key version (the sealed
    identity itself is not touched); safe to run twice."""
    antal = 0
    rader = Arende.objects.filter(
        region_id=o.region_kod, identitet_nyckel__isnull=False, identitet_nyckelversion__lt=o.version
    )
    for pk, inslagen, version in rader.values_list("pk", "identitet_nyckel", "identitet_nyckelversion").iterator(
        chunk_size=500
    ):
        ny = o.rewrap(_binar(inslagen))
        antal += Arende.objects.filter(pk=pk, identitet_nyckelversion=version).update(
            identitet_nyckel=ny, identitet_nyckelversion=o.version
        )
    return antal


def flytta_anteckningar(anteckning_modell, arende_modell, *, tjanst: Nyckeltjanst | None = None) -> int:
    """Seals the clear text of every staff note (migration 0010) under its case's data key; reminders stay."""
    tjanst = tjanst or nyckeltjanst()
    antal = 0
    qs = anteckning_modell.objects.filter(text_chiffer__isnull=True).exclude(text="").exclude(typ="paminnelse")
    for n in qs.select_related("arende").iterator(chunk_size=500):
        a = n.arende
        if not a.identitet_nyckel:
            continue
        data_key = tjanst.unwrap(a.region_id, bytes(a.identitet_nyckel))
        chiffer = falt.encrypt(data_key, n.text.encode(), aad=falt.aad_for("anteckning", a.case_id))
        antal += anteckning_modell.objects.filter(pk=n.pk).update(text="", text_chiffer=chiffer)
    return antal


def flytta_resenoter(resa_modell, *, tjanst: Nyckeltjanst | None = None) -> int:
    """Seals the clear note of every trip (migration 0014) under its case's data key; a case without a key (shredded,
    never sealed) loses the note, as its notes did when shredded."""
    tjanst = tjanst or nyckeltjanst()
    antal = 0
    for r in resa_modell.objects.exclude(anteckning="").select_related("arende").iterator(chunk_size=500):
        a = r.arende
        chiffer = None
        if a.identitet_nyckel:
            data_key = tjanst.unwrap(a.region_id, bytes(a.identitet_nyckel))
            chiffer = falt.encrypt(data_key, r.anteckning.encode(), aad=falt.aad_for("resa", a.case_id))
        antal += resa_modell.objects.filter(pk=r.pk).update(anteckning="", anteckning_chiffer=chiffer)
    return antal


def flytta_fritext(apps, *, tjanst: Nyckeltjanst | None = None) -> int:
    """Seals the clear free text about the patient (migration 0019: the case's fields, history reasons, offer
    comments, deviations; historical models with both columns) under each case's data key, one unwrap per case;
    a case without a key (shredded) loses the text, as its notes did. The portal's own texts stay in clear.
    Returns how many values were sealed."""
    tjanst = tjanst or nyckeltjanst()
    nycklar: dict[int, bytes | None] = {}
    antal = 0
    for modell_namn, falten in (
        ("Arende", ARENDE_FRITEXT),
        ("ArendeHandelse", ("motivering",)),
        ("Erbjudande", ("fritext",)),
        ("Avvikelse", ("vad", "atgard")),
    ):
        modell = apps.get_model("arenden", modell_namn)
        q = models.Q()
        for f in falten:
            q |= ~models.Q(**{f: ""})
        rader = modell.objects.filter(q)
        if modell_namn != "Arende":
            rader = rader.exclude(**{falten[0] + "__in": _PORTALTEXTER}).select_related("arende")
        for rad in rader.iterator(chunk_size=500):
            a = rad if modell_namn == "Arende" else rad.arende
            if a.pk not in nycklar:
                inslagen = a.identitet_nyckel
                nycklar[a.pk] = tjanst.unwrap(a.region_id, bytes(inslagen)) if inslagen else None
            data_key, andrat = nycklar[a.pk], dict[str, object]()
            for f in falten:
                if text := getattr(rad, f):
                    slag = f"arende.{f}" if modell_namn == "Arende" else _MIGRERAD_SLAG[(modell_namn, f)]
                    aad = falt.aad_for(slag, a.case_id)
                    andrat[f] = ""
                    andrat[f"{f}_chiffer"] = falt.encrypt(data_key, text.encode(), aad=aad) if data_key else None
                    antal += 1
            modell.objects.filter(pk=rad.pk).update(**andrat)
    return antal


# The portal's own texts in offers and history (no patient in them): left in clear by the migration.
_PORTALTEXTER = ["Ärendet avslutades.", "Patienten accepterade ett annat erbjudande."]
_MIGRERAD_SLAG = {
    ("ArendeHandelse", "motivering"): "handelse",
    ("Erbjudande", "fritext"): "erbjudande",
    ("Avvikelse", "vad"): "avvikelse.vad",
    ("Avvikelse", "atgard"): "avvikelse.atgard",
}
