"""Parked cases wake up (issue 17 point 5): when a capacity announcement is published, an agreement line is added or
a unit starts offering a KVÅ group (or takes higher ASA classes) – one by one or through an agreement upload or a
catalogue import (their bulk signals) – every parked case it fits returns to the worklist
with a notice to its handler (to the region's navigators when it has none).

"Fits" is the rule of the capacity match (arenden/kapacitet.py): the KVÅ group; ASA and anaesthesia within what the
unit offers for the group; still medically in time; and a region that may use an agreement covering the unit (or the
unit's own region). Connected in `ArendenConfig.ready` to the catalogue's and agreements' saves."""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from arenden.models import Arende
from arenden.services._common import spara
from avtal import api as avtal_api
from vardformedling import notiser
from vardformedling.models import Roll

NOTISTYP = "bevakning"


def passande(*, kva_kod: str, vardenhet, datum=None):
    """The parked open cases that `vardenhet` could treat for `kva_kod` from `datum` (today when None)."""
    from katalog.models import Vardutbud

    datum = datum or timezone.localdate()
    qs = Arende.objects.oppna().filter(bevakas_sedan__isnull=False, kva_id=kva_kod)
    if not qs.exists():
        return qs.none()
    utbud = Vardutbud.objects.filter(vardenhet=vardenhet, kva_id=kva_kod).first()
    if utbud is None or not vardenhet.aktiv:
        return qs.none()
    qs = qs.filter(Q(medicinskt_senast__isnull=True) | Q(medicinskt_senast__gte=datum))
    qs = qs.filter(Q(asa_klass__isnull=True) | Q(asa_klass__lte=utbud.max_asa))
    if not utbud.narkos:
        qs = qs.filter(narkos=False)
    egen = Q(region_id=vardenhet.region_id)
    if not utbud.tar_emot_andra_regioner:
        return qs.filter(egen)
    regioner = avtal_api.regioner_som_far_nyttja(vardenhet=vardenhet, kva_kod=kva_kod, datum=datum)
    return qs if regioner is None else qs.filter(egen | Q(region_id__in=regioner))


def vack(arenden, *, varfor: str) -> list[Arende]:
    """Takes the cases off parking (locked, versioned, a history row each) and tells each handler."""
    vackta = []
    with transaction.atomic():
        for arende in arenden.select_for_update(of=("self",)).select_related("handlaggare").order_by("id"):
            if arende.bevakas_sedan is None:
                continue
            arende.bevakas_sedan = None
            arende.bevakning_vaknade = timezone.now()
            arende.bevakning_varfor = varfor[:300]
            spara(arende, fran=arende.status, handelse="Åter från bevakning", portaltext=varfor)
            lank = reverse("arenden:arende", args=[arende.case_id])
            rubrik = f"Bevakat ärende {arende.case_id} är åter i arbetslistan"
            if arende.handlaggare is not None:
                notiser.skicka(typ=NOTISTYP, rubrik=rubrik, text=varfor, lank=lank, anvandare=[arende.handlaggare])
            else:
                notiser.skicka(typ=NOTISTYP, rubrik=rubrik, text=varfor, lank=lank, regioner=[arende.region_id],
                               roller=(Roll.VARDLOTS, Roll.KOORDINATOR))  # fmt: skip
            vackta.append(arende)
    return vackta


def _kapacitet(sender, instance, created, **kwargs) -> None:
    annons = instance
    if not created or annons.typ != annons.Typ.ERBJUDER or annons.vardenhet_id is None:
        return
    varfor = (
        f"Ledig kapacitet: {annons.avsandare} erbjuder {annons.antal} × {annons.kva_id}"
        f"{' ' + annons.period if annons.period else ''}. Kontakt: {annons.kontakt}."
    )
    vack(passande(kva_kod=annons.kva_id, vardenhet=annons.vardenhet, datum=annons.period_fran), varfor=varfor)


def _utbud(sender, instance, **kwargs) -> None:
    utbud = instance
    enhet = utbud.vardenhet
    varfor = f"{enhet.namn} tar nu emot {utbud.kva_id} (upp till ASA {utbud.max_asa})."
    vack(passande(kva_kod=utbud.kva_id, vardenhet=enhet), varfor=varfor)


def _avtalsrad(sender, instance, created, **kwargs) -> None:
    from avtal.models import Avtal
    from katalog.models import Vardenhet

    if not created:
        return
    rad = instance
    if not Arende.objects.oppna().filter(bevakas_sedan__isnull=False, kva_id=rad.kva_id).exists():
        return
    enhet_ids = [e for _, e in Avtal.objects.filter(pk=rad.avtal_id).omfattade_enheter()]
    for enhet in Vardenhet.objects.filter(pk__in=enhet_ids, vardutbud__kva_id=rad.kva_id).order_by("pk"):
        varfor = f"Ny avtalsrad för {rad.kva_id}: avtalet {rad.avtal} omfattar {enhet.namn}."
        vack(passande(kva_kod=rad.kva_id, vardenhet=enhet), varfor=varfor)


def _bevakade_grupper() -> set[str]:
    return set(Arende.objects.oppna().filter(bevakas_sedan__isnull=False).values_list("kva_id", flat=True))


def _utbud_i_mangd(sender, utbud, **kwargs) -> None:
    """A catalogue import's new or changed offerings (bulk, no post_save): only groups with parked cases are tried."""
    grupper = _bevakade_grupper()
    for u in utbud:
        if u.kva_id in grupper:
            _utbud(sender, u)


def _rader_i_mangd(sender, rader, **kwargs) -> None:
    """An agreement upload's new lines (bulk, no post_save): only groups with parked cases are tried."""
    grupper = _bevakade_grupper()
    for r in rader:
        if r.kva_id in grupper:
            _avtalsrad(sender, r, created=True)


def koppla() -> None:
    from avtal.models import Avtalsrad
    from avtal.signaler import rader_skapade
    from katalog.models import Kapacitetsannons, Vardutbud
    from katalog.signaler import utbud_andrat

    post_save.connect(_kapacitet, sender=Kapacitetsannons, dispatch_uid="arenden.bevakning.kapacitet")
    post_save.connect(_utbud, sender=Vardutbud, dispatch_uid="arenden.bevakning.utbud")
    post_save.connect(_avtalsrad, sender=Avtalsrad, dispatch_uid="arenden.bevakning.avtalsrad")
    utbud_andrat.connect(_utbud_i_mangd, dispatch_uid="arenden.bevakning.utbud_i_mangd")
    rader_skapade.connect(_rader_i_mangd, dispatch_uid="arenden.bevakning.rader_i_mangd")
