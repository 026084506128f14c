"""Start-page panel for coordinators: agreements of their region (owned or used in the last year) near a limit."""

from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from avtal.listning import UPPHOR_DAGAR
from avtal.models import Avtalsrad, Volymreservation
from vardformedling import format as fmt
from vardformedling import start
from vardformedling.models import Roll

MAX_RADER = 10


@start.register(40)
def avtalsvarningar(request) -> dict | None:
    """Lines at ≥80 % of their cap and agreements ending within 60 days; two queries."""
    uppdrag = getattr(request, "uppdrag", None)
    if not uppdrag or uppdrag.roll != Roll.KOORDINATOR or not uppdrag.region_id:
        return None
    region = uppdrag.region_id
    idag = timezone.localdate()
    anvant = Volymreservation.objects.filter(
        rad__avtal_id=OuterRef("avtal_id"), region_id=region, skapad__gte=timezone.now() - timedelta(days=365)
    )
    rader = (
        Avtalsrad.objects.filter(avtal__giltig_till__gte=idag, avtal__giltig_fran__lte=idag)
        .filter(Q(avtal__avtalsagare_id=region) | Exists(anvant))
        .select_related("avtal")
        .med_volym()
        .filter(
            Q(avtal__giltig_till__lte=idag + timedelta(days=UPPHOR_DAGAR))
            | Q(takvolym__gt=0, takvolym__lte=(F("used") + F("reserved")) * 100 / 80)
        )
        .order_by("avtal__giltig_till", "avtal__avtal_id", "kva_id")[: MAX_RADER * 3]
    )
    poster: list[dict] = []
    sedda_avtal: set[int] = set()
    for r in rader:
        url = reverse("avtal:detalj", kwargs={"avtal_id": r.avtal.avtal_id}) + f"?agare={r.avtal.avtalsagare_id}"
        andel = r.andel_procent
        if andel is not None and andel >= 80:
            poster.append(
                {
                    "text": f"{r.avtal.avtal_id} {r.kva_id}: {fmt.procent(andel)} av takvolymen "
                    f"({fmt.antal(r.takvolym)}) använd, {fmt.antal(r.left)} kvar",
                    "url": url,
                    "niva": "err" if andel >= 95 else "warn",
                }
            )
        if r.avtal.giltig_till <= idag + timedelta(days=UPPHOR_DAGAR) and r.avtal_id not in sedda_avtal:
            sedda_avtal.add(r.avtal_id)
            poster.append({"text": f"{r.avtal.avtal_id} upphör {r.avtal.giltig_till}", "url": url, "niva": "warn"})
    return {
        "rubrik": "Avtal som närmar sig takvolym eller slutdatum",
        "rader": poster[:MAX_RADER],
        "tom": "Inga avtal för din region närmar sig takvolym eller slutdatum. Inget behöver göras.",
    }
