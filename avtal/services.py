"""Writes on agreements: volume reservations by cases. Keyword-only, atomic, Swedish errors as constants."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from avtal import trosklar
from avtal.models import (
    AKTIVA_STATUSAR,
    Avtalsrad,
    Leveransplan,
    RapporteradVolym,
    Reservationsstatus,
    Volymreservation,
    rapporterat_summa,
)
from vardformedling.models import Region

TAKVOLYM_NADD = "Takvolymen är nådd för avtal {avtal} ({agare}), KVÅ-grupp {kva}: {tak} av {tak} är använda."
INGEN_RESERVATION = "Ärende {referens} har ingen aktiv volymreservation att förbruka."
REFERENS_SAKNAS = "Ärendereferens saknas."


@transaction.atomic
def volym_reservera(*, rad: Avtalsrad, referens: str, region: Region, anvandare=None) -> Volymreservation:
    """Reserve one unit of the line's volume for a case; idempotent for the same (line, case).

    The line row is locked so two cases racing for the last unit cannot both get it.
    """
    if not referens:
        raise ValidationError(REFERENS_SAKNAS)
    # Lock the line; concurrent reservations on the same line queue here (PostgreSQL; SQLite locks the file).
    rad = Avtalsrad.objects.select_for_update().select_related("avtal").get(pk=rad.pk)
    befintlig = Volymreservation.objects.filter(rad=rad, referens=referens, status__in=AKTIVA_STATUSAR).first()
    if befintlig:
        return befintlig
    if rad.takvolym is not None:
        aktiva = Volymreservation.objects.filter(rad=rad, status__in=AKTIVA_STATUSAR).count()
        # Volume reported from outside the portal is written under the same row lock (volym_rapportera).
        aktiva += (
            Avtalsrad.objects.filter(pk=rad.pk).annotate(r=rapporterat_summa(rad.pk)).values_list("r", flat=True)[0]
        )
        if aktiva >= rad.takvolym:
            raise ValidationError(
                TAKVOLYM_NADD.format(
                    avtal=rad.avtal.avtal_id, agare=rad.avtal.avtalsagare_id, kva=rad.kva_id, tak=rad.takvolym
                ),
                code="takvolym_nadd",
            )
    reservation = Volymreservation.objects.create(
        rad=rad, referens=referens, region=region, status=Reservationsstatus.RESERVERAD, av=anvandare
    )
    trosklar.kontrollera(rad.pk)
    return reservation


@transaction.atomic
def volym_slapp(*, referens: str, anvandare=None) -> int:
    """Release the case's active reservations (reserved or consumed); returns how many were released."""
    rader = list(Volymreservation.objects.select_for_update().filter(referens=referens, status__in=AKTIVA_STATUSAR))
    andringar = {"status": Reservationsstatus.SLAPPT, "andrad": timezone.now()}
    if anvandare is not None:
        andringar["av"] = anvandare
    Volymreservation.objects.filter(pk__in=[r.pk for r in rader]).update(**andringar)
    return len(rader)


@transaction.atomic
def volym_forbruka(*, referens: str, anvandare=None) -> Volymreservation:
    """Turn the case's reservation into consumed volume (care performed). Idempotent once consumed."""
    res = (
        Volymreservation.objects.select_for_update()
        .filter(referens=referens, status__in=AKTIVA_STATUSAR)
        .order_by("-skapad")
        .first()
    )
    if res is None:
        raise ValidationError(INGEN_RESERVATION.format(referens=referens), code="ingen_reservation")
    if res.status != Reservationsstatus.FORBRUKAD:
        res.status = Reservationsstatus.FORBRUKAD
        if anvandare is not None:
            res.av = anvandare
        res.save(update_fields=["status", "av", "andrad"])
    return res


@transaction.atomic
def volym_rapportera(
    *,
    rad: Avtalsrad,
    region: Region,
    manad,
    antal: int,
    kommentar: str = "",
    anvandare=None,
    uppdrag: str = "",
    via: str = "formular",
) -> tuple[RapporteradVolym, bool]:
    """Record volume used outside the portal on `rad` for `region` in the month of `manad` (replacing that month's
    earlier figure); returns (row, created). The line row is locked as in `volym_reservera`, so a report and a
    reservation never both take the last unit unseen. A report is never refused for a full line: it states what
    happened outside the portal; the line then shows 0 left and refuses reservations."""
    rad = Avtalsrad.objects.select_for_update().get(pk=rad.pk)
    rapport, skapad = RapporteradVolym.objects.update_or_create(
        rad=rad,
        region=region,
        manad=manad.replace(day=1),
        defaults={"antal": antal, "kommentar": kommentar, "rapporterad_av": anvandare, "uppdrag": uppdrag, "via": via},
    )
    trosklar.kontrollera(rad.pk)
    return rapport, skapad


@transaction.atomic
def leveransplan_spara(
    *,
    planerad_av_id: str | None,
    vardgivare,
    vardenhet=None,
    kva_id: str,
    veckor: list,
    sandande_region_id: str | None = None,
    antal: int,
    anvandare=None,
    via: str = "formular",
) -> int:
    """Record the planned number of patients for each of `veckor` (Mondays) under one planner (None = the national
    coordination), provider or unit, KVÅ group and sending region (None = all); a week already planned gets the new
    figure. Returns the number of new weeks."""
    nya = 0
    for vecka in veckor:
        _plan, skapad = Leveransplan.objects.update_or_create(
            planerad_av_id=planerad_av_id,
            vardgivare=vardgivare,
            vardenhet=vardenhet,
            kva_id=kva_id,
            vecka=vecka,
            sandande_region_id=sandande_region_id,
            defaults={"antal": antal, "andrad_av": anvandare, "via": via},
        )
        nya += skapad
    return nya
