"""Step 1: register and assess a case; assign a handler; notes."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arenden import case_id as case_ids
from arenden.models import Anteckning, Arende, Avslutsorsak, Status
from arenden.services import identitet
from arenden.services._common import las_arende, overga, spara
from vardformedling import personnummer as pnr
from vardformedling.models import Medarbetaruppdrag, Roll
from vardformedling.nycklar.fel import KryptoFel

logger = logging.getLogger(__name__)

DUBBLETT = "Patienten har redan ett öppet ärende för samma KVÅ-grupp: {case_id}."
# Outside the user's own region: neither the case ID nor the region (a navigator may learn only what their access
# allows, PDL), only that the patient may already be brokered and whom to ask.
DUBBLETT_ANNAN_REGION = (
    "Patienten kan redan vara förmedlad för samma vårdtjänst i en annan region. Kontakta patientens hemregion "
    "innan du registrerar ett nytt ärende."
)
REGION_FEL = (
    "Ärendet registreras i ditt medarbetaruppdrags region ({egen}). Ett ärende i en annan region registreras av "
    "den regionens vårdlotsar."
)
UPPDRAG_FEL = "Ärenden registreras av en vårdlots eller koordinator med ett uppdrag i en region."
BESLUTSDATUM_FRAMTID = "Beslutsdatum kan inte ligga i framtiden."
MOTIVERING_KRAVS = "Skriv en motivering när patienten inte är lämplig för vårdförmedling."
ASA_FEL = "ASA-klass ska vara 1–5."
HANDLAGGARE_FEL = "{namn} har inget uppdrag som vårdlots eller koordinator i ärendets region."
ANTECKNING_TOM = "Skriv en anteckning."

# The identity fields (sealed, arenden/services/identitet.py) besides personnummer.
IDENTITETSFALT = ("namn", "kontaktuppgifter")
REGISTRERINGSFALT = (
    *IDENTITETSFALT,
    "kontaktvag",
    "kalla",
    "kommun",
    "remitterande_enhet",
    "remitterande_text",
    "diagnos_kod",
    "diagnos_text",
    "asa_klass",
    "narkos",
    "lakemedel",
    "tolkbehov",
    "medicinskt_senast",
    "max_restid",
    "max_avstand",
    "ledsagare",
)


def oppet_dubblett(*, personnummer: str, kva, exclude_pk=None) -> Arende | None:
    """The oldest open case, in any region, for the same patient and KVÅ group. The only place the personnummer is
    looked up across regions: no number is stored, so the patient's keyed hash is computed under the key of each
    region that has open cases in the KVÅ group (issue 16). A region whose key service is down is skipped (logged):
    registration must not stop because another region's HSM is unreachable."""
    kandidater = Arende.objects.oppna().filter(kva=kva)
    if exclude_pk:
        kandidater = kandidater.exclude(pk=exclude_pk)
    villkor = Q()
    for region_kod in sorted(set(kandidater.values_list("region_id", flat=True).distinct())):
        try:
            villkor |= Q(region_id=region_kod, pnr_hash=identitet.pnr_hash(region_kod, personnummer))
        except KryptoFel as exc:
            logger.warning("Dubblettkontrollen hoppade över region %s: %s", region_kod, type(exc).__name__)
    if not villkor:
        return None
    return kandidater.filter(villkor).order_by("skapad").first()


@dataclass(frozen=True)
class Dubblett:
    """An open case found by the duplicate check. `egen_region`: in the checking user's region, so the case may be
    named; otherwise only that there is one (and the access log gets the row, not the user)."""

    arende: Arende
    egen_region: bool

    @property
    def meddelande(self) -> str:
        return DUBBLETT.format(case_id=self.arende.case_id) if self.egen_region else DUBBLETT_ANNAN_REGION


class DubblettFel(ValidationError):
    """Registration refused because of an open duplicate; `dubblett` says what the user may be told."""

    def __init__(self, dubblett: Dubblett):
        super().__init__(dubblett.meddelande, code="dubblett" if dubblett.egen_region else "dubblett_annan_region")
        self.dubblett = dubblett


def dubblettkontroll(*, personnummer: str, kva, region_kod: str, exclude_pk=None) -> Dubblett | None:
    """The duplicate check of a registration in region `region_kod`, region-aware (issue 22, finding 2)."""
    befintligt = oppet_dubblett(personnummer=personnummer, kva=kva, exclude_pk=exclude_pk)
    if befintligt is None:
        return None
    return Dubblett(arende=befintligt, egen_region=befintligt.region_id == region_kod)


def registreringsregion(uppdrag):
    """The home region of a new case: the region of the registering navigator's or coordinator's commission."""
    if uppdrag is None or uppdrag.roll not in (Roll.VARDLOTS, Roll.KOORDINATOR) or uppdrag.region_id is None:
        raise ValidationError(UPPDRAG_FEL, code="uppdrag")
    return uppdrag.region


def arende_registrera(
    *,
    anvandare,
    uppdrag,
    region=None,
    personnummer: str,
    kva,
    beslutsdatum,
    tillat_dubblett: bool = False,
    lamplig: bool | None = None,
    lamplighet_motivering: str = "",
    idag=None,
    **fakta,
) -> Arende:
    """Registers a case (step 1) with a gap-free case ID for its region and year.

    The home region is the commission's (`registreringsregion`); a `region` other than that is refused, never
    used. The guarantee deadline is the decision date + the region's guarantee (90 days or shorter). A second open
    case for the same patient and KVÅ group is refused with `DubblettFel` unless `tillat_dubblett` (the form shows
    a warning, naming the case only within the user's region). If `lamplig` is given, the assessment is recorded
    in the same transaction.
    """
    okanda = set(fakta) - set(REGISTRERINGSFALT) - set(identitet.ARENDE_FRITEXT)
    if okanda:
        raise TypeError(f"Okända fält: {', '.join(sorted(okanda))}")
    egen = registreringsregion(uppdrag)
    if region is not None and region.pk != egen.pk:
        raise ValidationError({"region": REGION_FEL.format(egen=egen)}, code="region")
    region = egen
    fritext = {f: fakta.pop(f) or "" for f in identitet.ARENDE_FRITEXT if f in fakta}
    nummer = pnr.normalise(personnummer)
    idag = idag or timezone.localdate()
    if beslutsdatum > idag:
        raise ValidationError({"beslutsdatum": BESLUTSDATUM_FRAMTID})
    asa = fakta.get("asa_klass")
    if asa is not None and not 1 <= int(asa) <= 5:
        raise ValidationError({"asa_klass": ASA_FEL})
    with transaction.atomic():
        if not tillat_dubblett:
            dubblett = dubblettkontroll(personnummer=nummer, kva=kva, region_kod=region.pk)
            if dubblett:
                raise DubblettFel(dubblett)
        patient = identitet.Identitet(
            personnummer=nummer, namn=fakta.pop("namn", ""), kontaktuppgifter=fakta.pop("kontaktuppgifter", "")
        )
        arende = Arende(
            case_id=case_ids.generate(region_kod=region.kod, ar=idag.year),
            region=region,
            kva=kva,
            beslutsdatum=beslutsdatum,
            vardgaranti_datum=region.vardgaranti_datum(beslutsdatum),
            handlaggare=anvandare,
            skapad_av=anvandare,
            **fakta,
        )
        try:
            identitet.forsegla(arende, patient)
        except KryptoFel as exc:
            raise ValidationError(exc.meddelande, code="nyckel") from exc
        identitet.satt_fritext(arende, **fritext)
        arende.full_clean(exclude=["status", "version", "case_id"])
        # The one in-memory copy the registering user typed (never stored; for the caller's next page).
        arende.identitet = patient
        spara(arende, fran="", handelse="Ärendet registrerades", anvandare=anvandare, uppdrag=uppdrag)
        if lamplig is not None:
            arende = arende_bedom(
                arende=arende,
                anvandare=anvandare,
                uppdrag=uppdrag,
                lamplig=lamplig,
                motivering=lamplighet_motivering,
            )
    return arende


def arende_bedom(*, arende, anvandare, uppdrag=None, lamplig: bool, motivering: str = "", version=None) -> Arende:
    """Assessment: suitable → step 2 (Hitta vårdgivare); not suitable → ended early with the reason."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        if not lamplig and not (motivering or "").strip():
            raise ValidationError({"motivering": MOTIVERING_KRAVS})
        arende.lamplig = lamplig
        identitet.satt_fritext(arende, lamplighet_motivering=motivering or "")
        if lamplig:
            overga(arende.bedom_lamplig, "bedöma ärendet")
            handelse = "Bedömt lämplig för vårdförmedling"
        else:
            overga(arende.avsluta_tidigt, "bedöma ärendet")
            arende.avslutsorsak = Avslutsorsak.MEDICINSKT_OLAMPLIG
            identitet.satt_fritext(arende, avslut_motivering=motivering)
            arende.avslutad_i_steg = 1
            arende.avslutad_datum = timezone.now()
            handelse = "Bedömt ej lämplig – ärendet avslutat"
        spara(arende, fran=fran, handelse=handelse, anvandare=anvandare, uppdrag=uppdrag, motivering=motivering)
    return arende


def handlaggare_kandidater(region_kod: str):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            uppdrag__region_id=region_kod, uppdrag__roll__in=[Roll.VARDLOTS, Roll.KOORDINATOR], is_active=True
        )
        .distinct()
        .order_by("namn")
    )


def arende_tilldela(*, arende, handlaggare, anvandare, uppdrag=None, version=None) -> Arende:
    """Assigns a handler; the handler must hold a navigator/coordinator commission in the case's region."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        ok = Medarbetaruppdrag.objects.filter(
            user=handlaggare, region_id=arende.region_id, roll__in=[Roll.VARDLOTS, Roll.KOORDINATOR]
        ).exists()
        if not ok:
            raise ValidationError({"handlaggare": HANDLAGGARE_FEL.format(namn=handlaggare.namn)})
        arende.handlaggare = handlaggare
        spara(
            arende,
            fran=arende.status,
            handelse=f"Tilldelat {handlaggare.namn}",
            anvandare=anvandare,
            uppdrag=uppdrag,
        )
    return arende


def anteckning_skapa(*, arende, anvandare, text: str, typ: str = Anteckning.Typ.ANTECKNING) -> Anteckning:
    """A staff note: sealed under the case's data key (identitet.forsegla_anteckning), never stored in clear."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ANTECKNING_TOM})
    try:
        chiffer = identitet.forsegla_anteckning(arende, text)
    except KryptoFel as exc:
        raise ValidationError({"text": exc.meddelande}, code="nyckel") from exc
    return Anteckning.objects.create(arende=arende, anvandare=anvandare, text="", text_chiffer=chiffer, typ=typ)


__all__ = [
    "Dubblett",
    "DubblettFel",
    "Status",
    "anteckning_skapa",
    "arende_bedom",
    "arende_registrera",
    "arende_tilldela",
    "dubblettkontroll",
    "handlaggare_kandidater",
    "oppet_dubblett",
    "registreringsregion",
]
