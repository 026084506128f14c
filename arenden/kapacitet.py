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


def arenden_med_oppet_erbjudande_pa_full_rad(arende_ids) -> set[int]:
    """Of `arende_ids`, the cases with an open offer on a full line (one query)."""
    from arenden.models import Erbjudande

    return set(
        Erbjudande.objects.filter(
            arende_id__in=list(arende_ids),
            status=Erbjudande.Status.LAMNAT,
            avtalsrad_id__in=avtal_api.fulla_rader(),
        ).values_list("arende_id", flat=True)
    )


def fulla_erbjudanden(erbjudanden) -> set[int]:
    """Of the offers, the open ones on a full line (one query, none when no offer is open)."""
    oppna = {e.avtalsrad_id for e in erbjudanden if e.status == "lamnat" and e.avtalsrad_id}
    if not oppna:
        return set()
    fulla = set(avtal_api.fulla_rader().filter(pk__in=oppna).values_list("pk", flat=True))
    return {e.pk for e in erbjudanden if e.status == "lamnat" and e.avtalsrad_id in fulla}
