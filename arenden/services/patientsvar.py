"""The patient's own writes (issue 18): answering the open offers of a case, and asking to be contacted about care
elsewhere. The patient is no portal user: history rows name no user, and say the answer came from the patient's
own pages; the answer goes through the same offer service the coordinator's "Patienten svarade" uses."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from arenden import case_id as case_ids
from arenden.models import Anteckning, Arende, ArendeHandelse, Erbjudande, Kalla, Kontaktvag, Status, SvarsKanal
from arenden.services import identitet
from arenden.services._common import las_arende, spara
from arenden.services.erbjudanden import erbjudande_besvara
from arenden.services.registrering import dubblettkontroll
from vardformedling.nycklar.fel import KryptoFel

SVAR_FRITEXT = "Patienten svarade själv på patientsidorna (1177)."
INGET_OPPET = "Det finns inget erbjudande att svara på i det här ärendet längre. Sidan visar nu hur ärendet står."
OKANT_ERBJUDANDE = "Välj ett av erbjudandena på sidan."
ORSAK_OKAND = "Välj en orsak i listan, eller lämna fältet tomt."
BESLUT_FRAMTID = "Datumet för beskedet kan inte ligga i framtiden."
REDAN_ARENDE = (
    "Du har redan ett ärende om {vardtjanst} hos vårdförmedlingen ({case_id}). Du behöver inte fråga igen: "
    "vi hör av oss."
)
# At most this many of a patient's own contact requests may be open at a time (in all regions together). Each one
# is a case on a region's worklist that a navigator must take up and call the patient about; a patient rarely waits
# for more than two or three different treatments at once, and beyond that a phone call to the region serves the
# patient better than more cases nobody has read yet. Cases the region registered itself do not count.
MAX_OPPNA_KONTAKTFORFRAGNINGAR = 3
FOR_MANGA_OPPNA = (
    "Du har redan {antal} frågor om vård på annat håll som vårdförmedlingen inte har avslutat. Du kan inte skicka "
    "fler förrän någon av dem är klar. Vill du fråga om mer vård, ring vårdförmedlingen i din region eller 1177."
)
KONTAKT_HANDELSE = "Patienten bad själv om vård på annat håll (patientsidorna)"
BESLUT_OKANT = "Patienten angav inte när beslutet om vården togs: kontrollera beslutsdatum och vårdgarantins datum."


class RedanArende(ValidationError):
    """The contact request is refused because the patient has an open case for the same care (`arende`, in any
    region): the message names it, so the caller logs the patient's read of that case."""

    def __init__(self, arende: Arende, vardtjanst: str):
        super().__init__(REDAN_ARENDE.format(vardtjanst=vardtjanst, case_id=arende.case_id), code="dubblett")
        self.arende = arende


def oppna_kontaktforfragningar(hashar: dict[str, str]) -> int:
    """How many of the patient's own contact requests are open, in all regions: the patient's cases (the (region,
    keyed hash) pairs of the sign-in, as the patient's pages find them) that the patient's pages registered (their
    first history row, written by no user). A case a navigator registered after the patient phoned (also of source
    `patient`) is not one."""
    if not hashar:
        return 0
    fran_patientsidorna = ArendeHandelse.objects.filter(
        arende=OuterRef("pk"), handelse=KONTAKT_HANDELSE, fran_status="", anvandare__isnull=True
    )
    par = (
        Arende.objects.oppna()
        .filter(kalla=Kalla.PATIENT, region_id__in=list(hashar), pnr_hash__in=list(hashar.values()))
        .filter(Exists(fran_patientsidorna))
        .values_list("region_id", "pnr_hash")
    )
    return sum(1 for region_kod, pnr_hash in par if pnr_hash and hashar.get(region_kod) == pnr_hash)


class KontaktOrsak:
    """Why a patient asks to be contacted (shown as a list on the patient's page; stored as its label)."""

    VAL = {
        "vantat_lange": "Jag har väntat längre än vårdgarantin",
        "vill_tidigare": "Jag vill få vården tidigare, även på annan ort",
        "fatt_brev": "Jag har fått ett brev om vårdgarantin",
        "annat": "Annat",
    }


def patient_svara(*, arende: Arende, erbjudande_pk: int | None, avbojt_orsak: str = "", version=None) -> None:
    """The patient says yes to one open offer (`erbjudande_pk`) or no to every open offer (None) of the case, with
    an optional reason from the coordinators' list (`Erbjudande.AvbojtOrsak`; none given is "Annat"). All or
    nothing: one transaction; a stale `version` or an offer no longer open is refused with a Swedish message."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        oppna = list(arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT).order_by("id"))
        if not oppna or arende.status != Status.HITTA_VARDGIVARE:
            raise ValidationError(INGET_OPPET, code="inget_oppet")
        if erbjudande_pk is not None:
            valt = next((e for e in oppna if e.pk == erbjudande_pk), None)
            if valt is None:
                raise ValidationError({"svar": OKANT_ERBJUDANDE}, code="okant")
            erbjudande_besvara(
                erbjudande=valt, anvandare=None, svar=True, portaltext=SVAR_FRITEXT, kanal=SvarsKanal.DIGITAL
            )
            return
        orsak = avbojt_orsak or Erbjudande.AvbojtOrsak.ANNAT
        if orsak not in Erbjudande.AvbojtOrsak.values:
            raise ValidationError({"avbojt_orsak": ORSAK_OKAND}, code="orsak")
        for e in oppna:
            erbjudande_besvara(
                erbjudande=e,
                anvandare=None,
                svar=False,
                avbojt_orsak=orsak,
                portaltext=SVAR_FRITEXT,
                kanal=SvarsKanal.DIGITAL,
            )


def patient_kontaktforfragan(*, inloggning, region, kva, orsak: str, text: str = "", beslutsdatum=None) -> Arende:
    """A patient asks to be contacted about care elsewhere: a case of source `patient` in the home region the
    patient names (registered in step 1, no handler yet, so it is on the region's worklist), with the identity
    from the patient's sign-in sealed under that region's key, the reason in the history and the patient's own
    words (if any) as a sealed contact note. An open case for the same care is not duplicated."""
    if orsak not in KontaktOrsak.VAL:
        raise ValidationError({"orsak": "Välj varför du vill bli kontaktad."}, code="orsak")
    idag = timezone.localdate()
    if beslutsdatum is not None and beslutsdatum > idag:
        raise ValidationError({"beslutsdatum": BESLUT_FRAMTID}, code="beslutsdatum")
    try:
        patient = identitet.oppna_inloggning(inloggning, region.kod)
    except KryptoFel as exc:
        raise ValidationError(exc.meddelande, code="nyckel") from exc
    with transaction.atomic():
        dubblett = dubblettkontroll(personnummer=patient.personnummer, kva=kva, region_kod=region.kod)
        if dubblett is not None:
            vardtjanst = (kva.benamning or kva.kod).lower()
            raise RedanArende(dubblett.arende, vardtjanst)
        if oppna_kontaktforfragningar(inloggning.hashar) >= MAX_OPPNA_KONTAKTFORFRAGNINGAR:
            raise ValidationError(FOR_MANGA_OPPNA.format(antal=MAX_OPPNA_KONTAKTFORFRAGNINGAR), code="for_manga")
        beslut = beslutsdatum or idag
        arende = Arende(
            case_id=case_ids.generate(region_kod=region.kod, ar=idag.year),
            region=region,
            kva=kva,
            beslutsdatum=beslut,
            vardgaranti_datum=region.vardgaranti_datum(beslut),
            kalla=Kalla.PATIENT,
            kontaktvag=Kontaktvag.V1177,
        )
        try:
            identitet.forsegla(arende, patient)
        except KryptoFel as exc:
            raise ValidationError(exc.meddelande, code="nyckel") from exc
        arende.full_clean(exclude=["status", "version", "case_id"])
        motivering = KontaktOrsak.VAL[orsak]
        if beslutsdatum is None:
            motivering = f"{motivering}. {BESLUT_OKANT}"
        spara(
            arende,
            fran="",
            handelse=KONTAKT_HANDELSE,
            portaltext=motivering,
        )
        text = (text or "").strip()
        if text:
            try:
                chiffer = identitet.forsegla_anteckning(arende, f"Patienten skrev: {text}")
            except KryptoFel as exc:
                raise ValidationError({"text": exc.meddelande}, code="nyckel") from exc
            Anteckning.objects.create(arende=arende, typ=Anteckning.Typ.KONTAKT, text="", text_chiffer=chiffer)
    return arende


__all__ = [
    "MAX_OPPNA_KONTAKTFORFRAGNINGAR",
    "KontaktOrsak",
    "RedanArende",
    "oppna_kontaktforfragningar",
    "patient_kontaktforfragan",
    "patient_svara",
]
