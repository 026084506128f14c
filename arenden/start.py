"""Start-page panels: my open cases, offers past their answer deadline or to send by post, cases nearing the
guarantee; for a receiving unit, referrals to confirm. Panels show case IDs only (no names), and each shown case is
logged."""

from django.urls import reverse
from django.utils import timezone

from vardformedling import format as fmt
from vardformedling import start
from vardformedling.models import Roll
from vardformedling.rules import active_role

ANTAL = 5


def _rad(a, text, niva=""):
    return {"text": f"{a.case_id} – {text}", "url": reverse("arenden:arende", args=[a.case_id]), "niva": niva}


@start.register(10)
def mina_arenden(request) -> dict | None:
    roll = active_role(request.user)
    if roll not in {Roll.VARDLOTS, Roll.KOORDINATOR, Roll.MOTTAGARE}:
        return None
    from arenden.access import logga
    from arenden.models import Arende, Erbjudande, Status, kvar_text

    idag = timezone.localdate()
    synliga = Arende.objects.visible_to(request.user, request.uppdrag)
    if roll == Roll.MOTTAGARE:
        att_bekrafta = list(synliga.filter(status=Status.REMISS_SKICKAD).select_related("kva")[:ANTAL])
        att_utfora = list(synliga.filter(status=Status.BEKRAFTAD).select_related("kva")[:ANTAL])
        logga(request, att_bekrafta + att_utfora, "startsida")
        rader = [_rad(a, f"{a.kva_id}: bekräfta remissen", "warn") for a in att_bekrafta]
        rader += [
            _rad(a, f"{a.kva_id}: planerad {fmt.datum(a.planerat_datum)}" if a.planerat_datum else a.kva_id)
            for a in att_utfora
        ]
        return {
            "rubrik": "Remisser att bekräfta och vård att utföra",
            "rader": rader,
            "tom": "Inga nya remisser. Nya remisser till enheten visas här.",
        }

    mina = list(synliga.oppna().filter(handlaggare=request.user).select_related("kva")[:ANTAL])
    forfallna = list(
        Erbjudande.objects.filter(
            arende__in=synliga, status=Erbjudande.Status.LAMNAT, svarsfrist__lt=idag
        ).select_related("arende")[:ANTAL]
    )
    snart = list(synliga.snart_forsenade(dagar=14, idag=idag).exclude(pk__in=[a.pk for a in mina])[:ANTAL])
    # Issue 18: digital offers unanswered past the region's days – the letter is to be sent (one row per case).
    post = list(
        {
            e.arende_id: e.arende
            for e in Erbjudande.objects.vantar_pa_post(idag)
            .filter(arende__in=synliga)
            .select_related("arende")
            .order_by("skapad", "id")[: ANTAL * 2]
        }.values()
    )[:ANTAL]
    logga(request, mina + [e.arende for e in forfallna] + snart + post, "startsida")
    rader = [_rad(e.arende, f"svar på erbjudande saknas (frist {fmt.datum(e.svarsfrist)})", "err") for e in forfallna]
    rader += [_rad(a, "skicka erbjudandet per post", "warn") for a in post]
    for a in mina:
        text = f"{a.kva_id}, steg {a.steg}, vårdgaranti {fmt.datum(a.vardgaranti_datum)}"
        niva = ""
        if a.vardgaranti_bevakas:  # once care is performed the guarantee no longer counts down
            kvar = a.dagar_kvar(idag)
            niva = "err" if kvar < 0 else ("warn" if kvar <= 14 else "")
            text += f" ({kvar_text(kvar)})"
        else:
            text = f"{a.kva_id}, steg {a.steg}, vården utförd {fmt.datum(a.utfort_datum)}"
        rader.append(_rad(a, text, niva))
    rader += [_rad(a, f"vårdgarantin löper ut {fmt.datum(a.vardgaranti_datum)}", "warn") for a in snart]
    return {
        "rubrik": "Mina ärenden och uppgifter",
        "rader": rader,
        "tom": (
            "Inga öppna ärenden eller uppgifter. Registrera ett nytt ärende när en patient riskerar att passera "
            "vårdgarantin."
        ),
    }
