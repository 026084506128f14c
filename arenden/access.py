"""PDL access: which case a request may open (404 otherwise) and the access-log rows every read writes."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from arenden import case_id as case_ids
from arenden.models import Arende, Atkomstlogg
from vardformedling.models import Roll


def klient_ip(request) -> str | None:
    # REMOTE_ADDR is the peer that connected to gunicorn (behind the TLS proxy: the proxy, see SECURITY.md);
    # X-Forwarded-For is not trusted here.
    return request.META.get("REMOTE_ADDR") or None


def _get_arende_for_user(request, case_id: str, **annotera) -> Arende:
    """The case if the active commission may see it (PDL); 404 for anything else, so IDs cannot be probed.
    `annotera`: expressions read in the same query (the case page's which-panels-have-rows flags)."""
    try:
        canonical = case_ids.normalise(case_id)
    except Exception as exc:
        raise Http404 from exc
    qs = Arende.objects.visible_to(request.user, request.uppdrag).select_related(
        "region", "kva", "handlaggare", "mottagande_enhet", "remitterande_enhet"
    )
    return get_object_or_404(qs.annotate(**annotera), case_id=canonical)


def ar_mottagare(request) -> bool:
    return bool(request.uppdrag and request.uppdrag.roll == Roll.MOTTAGARE)


# What each access-log code means, as loggkontroll shows it (the codes stay in the log; "åtgärd <namn>" rows are
# named by the action's own label in arenden/atgarder.py).
HANDLINGAR = {
    "visa ärende": "Visade ärendet",
    "ny anteckning": "Skrev en anteckning",
    "arbetslista": "Ärendelistan",
    "arbetslista export": "Export av ärendelistan",
    "startsida": "Startsidan",
    "dubblettvarning": "Dubblettvarning vid registrering",
    "nytt erbjudande": "Formuläret för nytt erbjudande",
    "erbjudandebrev": "Erbjudandebrevet",
    "loggkontroll": "Loggkontroll",
    "väntelista": "Väntelistan (patienter i risk)",
    "väntelista, nya ärenden": "Nya ärenden från väntelistan",
    "fördelning": "Föreslå fördelning",
    "fördelning, skicka": "Erbjudanden skickade från fördelningen",
    "inkorg": "Inkorgen (remisser till enheten)",
    "identitet skicka remiss": "Läste identiteten för att skicka remissen",
    "fritext skicka remiss": "Läste fritexten om patienten för att skicka remissen",
    "identitet öppna remiss": "Öppnade remissen i inkorgen (identitet)",
    # The patient's own pages (issue 18; arenden/patient.py): the row's HSA-id is "patienten".
    "patient startsida": "Patienten: sina ärenden (patientsidorna)",
    "patient visa ärende": "Patienten: visade sitt ärende (patientsidorna)",
    "patient svar": "Patienten: svarade på erbjudanden (patientsidorna)",
    "patient kontakt, öppet ärende": "Patienten: bad om kontakt och fick sitt öppna ärende (patientsidorna)",
}


def handling_text(handling: str, sokterm: str = "") -> str:
    """The Swedish label of an access-log code: "arbetslista" → "Ärendelistan", "åtgärd bedom" → "Åtgärd: Bedömning";
    a log review's search is "Loggkontroll, sökte ”…”" (its term is kept apart from the case ID column)."""
    if sokterm:
        return f"Loggkontroll, sökte ”{sokterm}”"
    if handling in HANDLINGAR:
        return HANDLINGAR[handling]
    if handling.startswith("fritext "):  # the sealed free text opened on a page (arenden/services/identitet.py)
        return f"Fritext om patienten: {handling_text(handling.removeprefix('fritext '))}"
    if handling.startswith("åtgärd "):
        from arenden.atgarder import ATGARDER

        atgard = ATGARDER.get(handling.removeprefix("åtgärd "))
        if atgard is not None:
            return f"Åtgärd: {atgard.etikett}"
    return handling


def logga(request, arenden, handling: str, *, identitet_lasta=(), fritext_lasta=()) -> None:
    """One append-only row per case shown (time, HSA-id, commission, case ID, action, IP). `identitet_lasta`: the
    cases whose identity the response decrypted (identitet.visa with logga=False), their "identitet <handling>" rows
    written in the same insert (one round trip and one commit instead of two); `fritext_lasta` likewise for the
    sealed free text ("fritext <handling>", identitet.las_fritext with logga=False)."""
    uppdrag = request.uppdrag
    ip = klient_ip(request)
    rows = [
        Atkomstlogg(
            hsa_id=request.user.hsa_id,
            uppdrag=uppdrag.etikett if uppdrag else "",
            region_kod=a.region_id,
            case_id=a.case_id,
            handling=handling,
            ip=ip,
        )
        for a in arenden
    ]
    if identitet_lasta or fritext_lasta:
        from arenden.services.identitet import loggrader

        rows += loggrader(request, request.user, uppdrag, list(identitet_lasta), handling)
        rows += loggrader(request, request.user, uppdrag, list(fritext_lasta), handling, vad="fritext")
    if rows:
        Atkomstlogg.objects.bulk_create(rows)
