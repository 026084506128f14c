"""The patient's channel, the case side (issue 18): messages, 1177 notifications, confirmations, postal fallback.

- `meddelanden_for(arende=…)`: what the patient pages (patient/) show – each message has `.rubrik`, `.text`
  (escaped HTML) and `.skapad`.
- An offer sent through 1177 and each confirmation create a message and a notification through the 1177 transport
  (arenden/inkorg1177.py) carrying only the link and the case reference.
- Confirmations are rendered from the region's template (arenden/patientkanal/mallar.py, `Patientmall`), or the
  national default when the region has none.
- Postal fallback: `Erbjudande.objects.vantar_pa_post()` is the task list; `erbjudande_brev_skickat` closes a task.
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden import inkorg1177
from arenden.models import (
    Arende,
    Erbjudande,
    Meddelandekanal,
    Meddelandetyp,
    Patientinstallning,
    Patientmall,
    PatientMeddelande,
)
from arenden.patientkanal import mallar
from arenden.services._common import las_arende, spara
from vardformedling import format as fmt

ERBJUDANDE_RUBRIK = "Erbjudande om vård"
ERBJUDANDE_TEXT = (
    "Du har fått ett erbjudande om vård hos en annan vårdgivare. Läs erbjudandet och svara senast {frist}.\n\n"
    "Ditt ärendenummer är {arende}."
)
INGEN_POSTUPPGIFT = (
    "Erbjudandet väntar inte på något brev: det är besvarat, inte digitalt eller redan skickat per post."
)
DIGITALT_JA = "Patienten tackade ja digitalt"
DIGITALT_NEJ = "Patienten tackade nej digitalt"
BREV_SKICKAT = "Erbjudandet skickat per post till patienten ({enhet})"


def meddelanden_for(*, arende) -> list[PatientMeddelande]:
    """The patient's messages of one case, newest first."""
    return list(PatientMeddelande.objects.filter(arende=arende).order_by("-skapad", "-id"))


def installning(region_kod: str) -> Patientinstallning:
    """The region's settings, or the defaults (unsaved) when it has none."""
    return Patientinstallning.objects.filter(region_id=region_kod).first() or Patientinstallning(region_id=region_kod)


def mall_for(region_kod: str, typ: str) -> tuple[str, str]:
    """(heading, text) of the region's template of this kind, or the national default."""
    mall = Patientmall.objects.filter(region_id=region_kod, typ=typ).first()
    return (mall.rubrik, mall.text) if mall else mallar.STANDARD[typ]


def _telefon(arende) -> str:
    return arende.region.vardformedling_telefon


def varden(arende, *, idag=None) -> dict[str, str]:
    """The placeholders' values for a case (mallar.PLATSHALLARE): facts of the care, never the patient's identity."""
    idag = idag or timezone.localdate()
    inst = installning(arende.region_id)
    region = arende.region.namn
    telefon = _telefon(arende)
    kontakt = inst.kontakt or (
        f"Ring vårdförmedlingen i {region} på {telefon}."
        if telefon
        else f"Ring 1177 och be att få tala med vårdförmedlingen i {region}."
    )
    resor = inst.reseregler or (
        f"{region} ordnar resan enligt reglerna för sjukresor, utan extra kostnad för dig. "
        "Behöver du ledsagare eller övernattning, säg det till oss."
    )
    enhet = arende.mottagande_enhet
    planerat = arende.planerat_datum
    vantetid = vardgaranti = ""
    if planerat:
        dagar = max((planerat - idag).days, 0)
        # A dated letter read later: counted from the day it was written, never "from today".
        vantetid = (
            f"ungefär {fmt.dagar(dagar)} räknat från {fmt.datum_lang(idag)}"
            if dagar
            else f"kort: vården är planerad till {fmt.datum_lang(idag)}"
        )
        garanti = arende.vardgaranti_datum
        vardgaranti = (
            f"Det är inom vårdgarantin, som gäller till och med {fmt.datum_lang(garanti)}."
            if planerat <= garanti
            else f"Det är efter vårdgarantins datum {fmt.datum_lang(garanti)}; du har tackat ja till den här tiden."
        )
    adress = ""
    if enhet is not None:
        adress = ", ".join(d for d in (enhet.adress, f"{enhet.postnummer} {enhet.ort}".strip()) if d)
    return {
        "arende": arende.case_id,
        "region": region,
        "telefon": telefon or "1177",
        "kontakt": kontakt,
        "resor": resor,
        "enhet": enhet.namn if enhet else "",
        "enhet_adress": adress,
        "enhet_telefon": enhet.telefon if enhet else "",
        "planerat_datum": fmt.datum_lang(planerat),
        "vantetid": vantetid,
        "vardgaranti": vardgaranti,
        "utfort_datum": fmt.datum_lang(arende.utfort_datum),
    }


def _notifiera(meddelande: PatientMeddelande, *, anvandare=None, uppdrag=None) -> None:
    """Hands the notification (link and case reference, no health data) to the 1177 transport."""
    arende = meddelande.arende

    def mottagare() -> str:
        # Only a real integration calls this: the home region's staff sending the message may read the identity
        # (logged as "identitet 1177-notis"); otherwise '' and the integration must resolve it in the region.
        from arenden.services import identitet

        visning = identitet.visa_en(None, arende, "1177-notis", anvandare=anvandare, uppdrag=uppdrag)
        return visning.identitet.personnummer if visning.identitet else ""

    kvitto = inkorg1177.get_transport().send(
        case_id=arende.case_id,
        region_kod=arende.region_id,
        lank=inkorg1177.patientlank(),
        text=inkorg1177.TEXT,
        mottagare=mottagare,
    )
    meddelande.skickad = timezone.now()
    meddelande.notis_id = kvitto.notis_id
    meddelande.save(update_fields=["skickad", "notis_id"])


def _skapa(*, arende, typ: str, rubrik: str, text_html: str, anvandare=None, uppdrag=None) -> PatientMeddelande:
    meddelande = PatientMeddelande.objects.create(
        arende=arende, typ=typ, kanal=Meddelandekanal.V1177, rubrik=rubrik[:200], text_html=text_html
    )
    _notifiera(meddelande, anvandare=anvandare, uppdrag=uppdrag)
    return meddelande


def erbjudande_meddela(*, erbjudande: Erbjudande, anvandare=None, uppdrag=None) -> PatientMeddelande:
    """A digital (1177) offer: a message on the patient pages and a notification. Called inside the offer's
    transaction (arenden.services.erbjudanden.erbjudande_lamna), so a refused offer notifies nobody. Several offers
    sent to one case on the same day give one message and one notification: the patient pages show them all."""
    arende = erbjudande.arende
    idag = timezone.localdate()
    borja = timezone.make_aware(datetime.combine(idag, time.min))
    if redan := PatientMeddelande.objects.filter(
        arende=arende, typ=Meddelandetyp.ERBJUDANDE, skapad__gte=borja
    ).first():
        return redan
    text = mallar.rendera(
        ERBJUDANDE_TEXT.replace("{frist}", fmt.datum_lang(erbjudande.svarsfrist)), {"arende": arende.case_id}
    )
    return _skapa(
        arende=arende,
        typ=Meddelandetyp.ERBJUDANDE,
        rubrik=ERBJUDANDE_RUBRIK,
        text_html=text,
        anvandare=anvandare,
        uppdrag=uppdrag,
    )


def bekraftelse_skapa(*, arende: Arende, typ: str, anvandare=None, uppdrag=None) -> PatientMeddelande:
    """A remissbekräftelse or behandlingsbekräftelse from the region's template, as a message on the patient pages
    (printable) with a 1177 notification. Called inside the confirming service's transaction."""
    rubrik, text = mall_for(arende.region_id, typ)
    v = varden(arende)
    return _skapa(
        arende=arende,
        typ=typ,
        rubrik=mallar.rendera_rubrik(rubrik, v),
        text_html=mallar.rendera(text, v),
        anvandare=anvandare,
        uppdrag=uppdrag,
    )


def postuppgifter(*, arenden, idag=None) -> set[int]:
    """The pks of those cases (a queryset or pks) with at least one offer waiting to be sent by post."""
    return set(Erbjudande.objects.vantar_pa_post(idag).filter(arende__in=arenden).values_list("arende_id", flat=True))


def digitala_svar(*, arenden) -> dict[int, str]:
    """{case pk: badge text} for those cases (a queryset or pks) whose patient answered on their own pages and
    the navigator must act (Erbjudande.objects.digitala_svar_att_hantera)."""
    return digitala_svar_text(
        Erbjudande.objects.digitala_svar_att_hantera().filter(arende__in=arenden).values_list("arende_id", "status")
    )


def digitala_svar_text(svar) -> dict[int, str]:
    """{case pk: badge text} from (case pk, offer status) pairs of answers to act on; a yes outweighs a no."""
    ut: dict[int, str] = {}
    for arende_id, status in svar:
        ja = status == Erbjudande.Status.ACCEPTERAT
        if ja or arende_id not in ut:
            ut[arende_id] = DIGITALT_JA if ja else DIGITALT_NEJ
    return ut


def forsta_postuppgift(arende, idag=None) -> int | None:
    """The pk of the case's first offer waiting for a letter, or None."""
    return (
        Erbjudande.objects.vantar_pa_post(idag)
        .filter(arende=arende)
        .order_by("skapad", "id")
        .values_list("pk", flat=True)
        .first()
    )


def erbjudande_brev_skickat(*, erbjudande, anvandare, uppdrag=None, version=None) -> Erbjudande:
    """Records that the offer letter (listing every open offer of the case) went out by post: closes the postal
    task of every offer of the case that waits for it, with one history row."""
    with transaction.atomic():
        pk = erbjudande.pk if isinstance(erbjudande, Erbjudande) else erbjudande
        erbjudande = Erbjudande.objects.select_related("vardenhet").get(pk=pk)
        arende = las_arende(erbjudande.arende_id, version)
        vantande = Erbjudande.objects.vantar_pa_post().filter(arende=arende).select_for_update(of=("self",))
        pks = list(vantande.values_list("pk", flat=True))
        if erbjudande.pk not in pks:
            raise ValidationError(INGEN_POSTUPPGIFT)
        Erbjudande.objects.filter(pk__in=pks).update(brev_skickat=timezone.now(), brev_skickat_av=anvandare)
        namn = ", ".join(
            Erbjudande.objects.filter(pk__in=pks).order_by("skapad", "id").values_list("vardenhet__namn", flat=True)
        )
        spara(arende, fran=arende.status, handelse=BREV_SKICKAT.format(enhet=namn)[:200], anvandare=anvandare,
              uppdrag=uppdrag)  # fmt: skip
        erbjudande.refresh_from_db()
    return erbjudande


def patientmallar_spara(
    *, region_kod: str, anvandare, post_efter_dagar: int, kontakt: str, reseregler: str, mallar_text: dict
) -> None:
    """Saves a region's settings and its confirmation templates ({typ: (rubrik, text)}) in one transaction; every
    template is checked first (mallar.granska), so a refused one changes nothing."""
    for rubrik, text in mallar_text.values():
        mallar.granska(rubrik)
        mallar.granska(text)
    with transaction.atomic():
        Patientinstallning.objects.update_or_create(
            region_id=region_kod,
            defaults={"post_efter_dagar": post_efter_dagar, "kontakt": kontakt, "reseregler": reseregler},
        )
        for typ, (rubrik, text) in mallar_text.items():
            Patientmall.objects.update_or_create(
                region_id=region_kod, typ=typ, defaults={"rubrik": rubrik, "text": text}
            )


def exempelvarden(region) -> dict[str, str]:
    """Placeholder values for a template preview (an invented case, no patient)."""
    idag = timezone.localdate()
    arende = Arende(case_id="VF-2026-00-000000-0", region=region, vardgaranti_datum=idag + timedelta(days=30))
    arende.planerat_datum = idag + timedelta(days=21)
    arende.utfort_datum = idag
    v = varden(arende, idag=idag)
    v.update(enhet="Exempelkliniken", enhet_adress="Exempelgatan 1, 123 45 Exempelstad", enhet_telefon="08-123 45")
    return v
