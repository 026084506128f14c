"""Invoice lines by case ID (issue #19 point 4): the receiving unit registers, the sending region decides.

A care line is checked against the accepted offer's agreement line: per visit (`per_vardtillfalle`) each line is
compared with the price; per procedure (`per_atgard`) and fixed (`fast`) the case's care lines together are, and the
part of a line that takes the total over the price is its deviation. Travel is recorded apart and not checked. The
case's `faktura_belopp` and `resekostnad` follow the lines (the sums), so follow-up statistics read them as before."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from arenden.models import Arende, Erbjudande, Fakturarad
from arenden.services._common import las_arende, spara
from vardformedling import format as fmt

PER_TILLFALLE = "per_vardtillfalle"
INTE_MOTTAGARE = "Ärendet {case_id} är inte remitterat till din enhet; bara den mottagande enheten fakturerar."
INTE_REMITTERAT = "Ärendet {case_id} har ingen mottagande enhet ännu; fakturarader registreras efter remissen."
BELOPP_FEL = "Beloppet ska vara större än 0 kr."
AVSER_SAKNAS = "Skriv vad raden avser (t.ex. operation höger öga, återbesök, taxi)."
INTE_AVSANDARE = "Bara ärendets hemregion ({region}) godkänner eller bestrider fakturarader."
REDAN_BESLUTAD = "Fakturaraden är redan {status} av {av}; sidan visar nu beslutet."
MOTIVERING_SAKNAS = "Skriv varför raden bestrids; vårdgivaren ser motiveringen."
INGET_PRIS = "Avtalsraden har inget pris; raden kan inte kontrolleras."
INGET_AVTAL = "Erbjudandet gjordes utan avtal; raden kan inte kontrolleras."


def _avtalsrad(arende: Arende):
    e = (
        arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT)
        .select_related("avtalsrad")
        .order_by("-skapad")
        .first()
    )
    return e.avtalsrad if e else None


def kontroll(*, typ: str, belopp: Decimal, rad, tidigare_vard: Decimal) -> tuple[Decimal | None, Decimal | None, str]:
    """(agreed price, deviation, text) for a line of `belopp` after `tidigare_vard` kr of earlier care lines."""
    if typ == Fakturarad.Typ.RESA:
        return None, None, ""
    if rad is None:
        return None, None, INGET_AVTAL
    if rad.pris_kr is None:
        return None, None, INGET_PRIS
    pris = rad.pris_kr
    if rad.ersattningsmodell == PER_TILLFALLE:
        avvikelse = belopp - pris
    else:  # per procedure, fixed (and free text): the case's care lines together against the price
        fore = max(tidigare_vard - pris, Decimal(0))
        efter = max(tidigare_vard + belopp - pris, Decimal(0))
        avvikelse = efter - fore
    text = ""
    if avvikelse:
        text = f"{fmt.kr(abs(avvikelse))} {'över' if avvikelse > 0 else 'under'} avtalat pris"
    return pris, avvikelse, text


def _summera(arende: Arende) -> None:
    summor = dict(arende.fakturarader.values_list("typ").annotate(s=Sum("belopp")).order_by())
    arende.faktura_belopp = summor.get(Fakturarad.Typ.VARD)
    arende.resekostnad = summor.get(Fakturarad.Typ.RESA)


def fakturarad_registrera(
    *, arende, anvandare, uppdrag, typ: str, avser: str, datum, belopp, version=None
) -> Fakturarad:
    with transaction.atomic():
        arende = las_arende(arende, version)
        if not arende.mottagande_enhet_id:
            raise ValidationError(INTE_REMITTERAT.format(case_id=arende.case_id), code="inte_remitterat")
        if uppdrag is None or uppdrag.vardenhet_id != arende.mottagande_enhet_id:
            raise ValidationError(INTE_MOTTAGARE.format(case_id=arende.case_id), code="inte_mottagare")
        fel = {}
        if belopp is None or belopp <= 0:
            fel["belopp"] = BELOPP_FEL
        if not (avser or "").strip():
            fel["avser"] = AVSER_SAKNAS
        if fel:
            raise ValidationError(fel)
        rad = _avtalsrad(arende)
        tidigare = arende.fakturarader.filter(typ=Fakturarad.Typ.VARD).aggregate(s=Sum("belopp"))["s"] or Decimal(0)
        pris, avvikelse, text = kontroll(typ=typ, belopp=belopp, rad=rad, tidigare_vard=tidigare)
        ny = Fakturarad.objects.create(
            arende=arende, avtalsrad=rad, vardenhet_id=arende.mottagande_enhet_id, typ=typ, avser=avser.strip(),
            datum=datum, belopp=belopp, avtalat_pris=pris, ersattningsmodell=rad.ersattningsmodell if rad else "",
            avvikelse=avvikelse, avvikelse_text=text, registrerad_av=anvandare,
        )  # fmt: skip
        _summera(arende)
        spara(
            arende, fran=arende.status, handelse=f"Fakturarad registrerad: {ny.avser}, {fmt.kr(belopp)}",
            anvandare=anvandare, uppdrag=uppdrag, portaltext=text,
        )  # fmt: skip
    return ny


def fakturarad_besluta(*, rad_id: int, anvandare, uppdrag, godkand: bool, motivering: str = "") -> Fakturarad:
    """Approve or dispute (with a reason) an invoice line; only the case's home region, only once."""
    with transaction.atomic():
        rad = Fakturarad.objects.select_for_update(of=("self",)).select_related("arende", "beslutad_av").get(pk=rad_id)
        arende = rad.arende
        if uppdrag is None or uppdrag.region_id != arende.region_id:
            raise ValidationError(INTE_AVSANDARE.format(region=arende.region_id), code="inte_avsandare")
        if rad.status != Fakturarad.Beslut.ATT_ATTESTERA:
            av = rad.beslutad_av.namn if rad.beslutad_av else "någon annan"
            raise ValidationError(
                REDAN_BESLUTAD.format(status=rad.get_status_display().lower(), av=av), code="redan_beslutad"
            )
        if not godkand and not (motivering or "").strip():
            raise ValidationError({"motivering": MOTIVERING_SAKNAS})
        rad.status = Fakturarad.Beslut.GODKAND if godkand else Fakturarad.Beslut.BESTRIDD
        rad.motivering = (motivering or "").strip()
        rad.beslutad, rad.beslutad_av = timezone.now(), anvandare
        rad.save(update_fields=["status", "motivering", "beslutad", "beslutad_av"])
        arende = las_arende(arende, None)
        spara(
            arende, fran=arende.status, handelse=f"Fakturarad {rad.get_status_display().lower()}: {rad.avser}",
            anvandare=anvandare, uppdrag=uppdrag, portaltext=rad.motivering,
        )  # fmt: skip
    return rad
