"""Cases and full agreement lines: which regions have open offers on a line (told when it fills up) and which cases
have an open offer on a line whose cap is reached (flagged on the case page and in the worklist)."""

from avtal import api as avtal_api


def regioner_med_oppna_erbjudanden(rad_id: int) -> set[str]:
    from arenden.models import Erbjudande

    return set(
        Erbjudande.objects.filter(avtalsrad_id=rad_id, status=Erbjudande.Status.LAMNAT).values_list(
            "arende__region_id", flat=True
        )
    )


def fulla_erbjudanden(erbjudanden) -> set[int]:
    """Of the offers, the open ones on a full line (one query, none when no offer is open)."""
    oppna = {e.avtalsrad_id for e in erbjudanden if e.status == "lamnat" and e.avtalsrad_id}
    if not oppna:
        return set()
    fulla = set(avtal_api.fulla_rader().filter(pk__in=oppna).values_list("pk", flat=True))
    return {e.pk for e in erbjudanden if e.status == "lamnat" and e.avtalsrad_id in fulla}


def matchande_arenden(annons) -> dict[str, int]:
    """Open cases waiting for a provider that fit a capacity announcement, per home region: the KVÅ group, ASA and
    anaesthesia within what the unit offers for the group, still medically in time at the period's start, and of a
    region that may use an agreement covering the unit (issue #19 point 7)."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from arenden.models import Arende, Status
    from katalog.models import Vardutbud

    if not annons.vardenhet_id:
        return {}
    fran = annons.period_fran or timezone.localdate()
    qs = Arende.objects.filter(status=Status.HITTA_VARDGIVARE, kva_id=annons.kva_id)
    qs = qs.filter(Q(medicinskt_senast__isnull=True) | Q(medicinskt_senast__gte=fran))
    utbud = Vardutbud.objects.filter(vardenhet_id=annons.vardenhet_id, kva_id=annons.kva_id).first()
    if utbud is not None:
        qs = qs.filter(Q(asa_klass__isnull=True) | Q(asa_klass__lte=utbud.max_asa))
        if not utbud.narkos:
            qs = qs.filter(narkos=False)
    regioner = avtal_api.regioner_som_far_nyttja(vardenhet=annons.vardenhet, kva_kod=annons.kva_id, datum=fran)
    if regioner is not None:
        qs = qs.filter(region_id__in=regioner)
    return dict(qs.values_list("region_id").annotate(n=Count("id")).order_by())
