"""Step 1: register and assess a case; assign a handler; notes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden import case_id as case_ids
from arenden.models import Anteckning, Arende, Avslutsorsak, Status
from arenden.services._common import las_arende, overga, spara
from vardformedling import personnummer as pnr
from vardformedling.models import Medarbetaruppdrag, Roll

DUBBLETT = "Patienten har redan ett öppet ärende för samma KVÅ-grupp: {case_id}."
BESLUTSDATUM_FRAMTID = "Beslutsdatum kan inte ligga i framtiden."
MOTIVERING_KRAVS = "Skriv en motivering när patienten inte är lämplig för vårdförmedling."
ASA_FEL = "ASA-klass ska vara 1–5."
HANDLAGGARE_FEL = "{namn} har inget uppdrag som vårdlots eller koordinator i ärendets region."
ANTECKNING_TOM = "Skriv en anteckning."

REGISTRERINGSFALT = (
    "namn",
    "kontaktuppgifter",
    "kontaktvag",
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
    qs = Arende.objects.oppna().filter(personnummer=personnummer, kva=kva)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("skapad").first()


def arende_registrera(
    *,
    anvandare,
    uppdrag=None,
    region,
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

    The guarantee deadline is the decision date + the region's guarantee (90 days or shorter). A second open
    case for the same patient and KVÅ group is refused unless `tillat_dubblett` (the form shows a warning).
    If `lamplig` is given, the assessment is recorded in the same transaction.
    """
    okanda = set(fakta) - set(REGISTRERINGSFALT)
    if okanda:
        raise TypeError(f"Okända fält: {', '.join(sorted(okanda))}")
    nummer = pnr.normalise(personnummer)
    idag = idag or timezone.localdate()
    if beslutsdatum > idag:
        raise ValidationError({"beslutsdatum": BESLUTSDATUM_FRAMTID})
    asa = fakta.get("asa_klass")
    if asa is not None and not 1 <= int(asa) <= 5:
        raise ValidationError({"asa_klass": ASA_FEL})
    with transaction.atomic():
        if not tillat_dubblett:
            befintligt = oppet_dubblett(personnummer=nummer, kva=kva)
            if befintligt:
                raise ValidationError(DUBBLETT.format(case_id=befintligt.case_id), code="dubblett")
        arende = Arende(
            case_id=case_ids.generate(region_kod=region.kod, ar=idag.year),
            region=region,
            personnummer=nummer,
            kva=kva,
            beslutsdatum=beslutsdatum,
            vardgaranti_datum=region.vardgaranti_datum(beslutsdatum),
            handlaggare=anvandare,
            skapad_av=anvandare,
            **fakta,
        )
        arende.full_clean(exclude=["status", "version", "case_id"])
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
        arende.lamplighet_motivering = motivering or ""
        if lamplig:
            overga(arende.bedom_lamplig, "bedöma ärendet")
            handelse = "Bedömt lämplig för vårdförmedling"
        else:
            overga(arende.avsluta_tidigt, "bedöma ärendet")
            arende.avslutsorsak = Avslutsorsak.MEDICINSKT_OLAMPLIG
            arende.avslut_motivering = motivering
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
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ANTECKNING_TOM})
    return Anteckning.objects.create(arende=arende, anvandare=anvandare, text=text, typ=typ)


__all__ = [
    "Status",
    "anteckning_skapa",
    "arende_bedom",
    "arende_registrera",
    "arende_tilldela",
    "handlaggare_kandidater",
    "oppet_dubblett",
]
