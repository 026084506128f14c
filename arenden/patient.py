"""The patient's own view of their cases (issue 18): which cases are theirs, "Var är jag?", the open offers side by
side, and the access-log rows the patient's reads write.

A patient is never a portal user and no personnummer is looked up: the signed-in patient's session holds the keyed
hash of the number under each region (`identitet.Inloggning.hashar`), and a case is the patient's exactly when its
region and hash match one of those pairs. Anything else is not found (404), whatever the URL or parameter says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from arenden import case_id as case_ids
from arenden.access import klient_ip
from arenden.models import Arende, Atkomstlogg, Erbjudande, Status
from lagesbild import api as lagesbild_api
from vardformedling import format as fmt
from vardformedling.geo import haversine_km

# The access log's names for the patient's own reads (arenden.access.HANDLINGAR labels them): the patient is no
# HSA-id, so the row's "who" is this marker and its commission the sign-in method – never the personnummer.
PATIENT_HSA = "patienten"
PATIENT_UPPDRAG = "Patienten själv (e-legitimation)"
LOGG_START = "patient startsida"
LOGG_ARENDE = "patient visa ärende"
LOGG_SVAR = "patient svar"
LOGG_KONTAKT_DUBBLETT = "patient kontakt, öppet ärende"  # the contact request named the patient's open case

# The five steps in plain words (lättläst), as the patient reads them.
STEG_PATIENT = {
    1: (
        "Vi ser över din väntan",
        "Du riskerar att vänta längre än vårdgarantin. Vi tittar på om du kan få vård någon annanstans.",
    ),
    2: ("Vi letar efter vård åt dig", "Vi letar efter en mottagning som kan ge dig vården tidigare."),
    3: (
        "Vi skickar din remiss",
        "Du har sagt ja. Vi skickar din remiss till den nya mottagningen och hjälper dig med resan.",
    ),
    4: ("Du får din vård", "Den nya mottagningen ger dig en tid och ger dig vården."),
    5: ("Vi följer upp", "Vi frågar hur det gick och avslutar ärendet."),
}


def patientens_arenden(hashar: dict[str, str]):
    """The signed-in patient's cases, newest first: those whose keyed hash is one of the session's. The keyed hashes
    of different regions are unrelated (HMAC under each region's own key), so one `IN` over both columns finds the
    (region, hash) pairs; `ar_patientens` checks the pair itself for every case that is shown."""
    if not hashar:
        return Arende.objects.none()
    return (
        Arende.objects.filter(region_id__in=list(hashar), pnr_hash__in=list(hashar.values()))
        .exclude(pnr_hash="")
        .order_by("-skapad", "-id")
    )


def ar_patientens(hashar: dict[str, str], arende: Arende) -> bool:
    """Whether the case's own region's keyed hash is the patient's (the pair, not only the hash)."""
    return bool(arende.pnr_hash) and hashar.get(arende.region_id) == arende.pnr_hash


def patientens_arende(hashar: dict[str, str], case_id: str) -> Arende:
    """One of the patient's cases by its case ID; 404 for a malformed ID, another patient's case or none."""
    try:
        canonical = case_ids.normalise(case_id)
    except Exception as exc:
        raise Http404 from exc
    arende = (
        patientens_arenden(hashar)
        .select_related("region", "kva", "handlaggare", "mottagande_enhet", "remitterande_enhet")
        .filter(case_id=canonical)
        .first()
    )
    if arende is None or not ar_patientens(hashar, arende):
        raise Http404
    return arende


def logga(request, arenden, handling: str) -> None:
    """One append-only access-log row per case the patient was shown (the patient's own kind of event)."""
    ip = klient_ip(request)
    rader = [
        Atkomstlogg(
            hsa_id=PATIENT_HSA,
            uppdrag=PATIENT_UPPDRAG,
            region_kod=a.region_id,
            case_id=a.case_id,
            handling=handling,
            ip=ip,
        )
        for a in arenden
    ]
    if rader:
        Atkomstlogg.objects.bulk_create(rader)


# --- "Var är jag?" -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Steg:
    nummer: int
    rubrik: str
    text: str
    klart: bool
    aktuellt: bool


@dataclass(frozen=True)
class Forvantat:
    """The date the patient may expect care, and how it was arrived at (in words)."""

    datum: date
    hur: str


def steg_for(arende: Arende) -> list[Steg]:
    """The five steps, those done and the current one; a closed case (also one ended early) has none current."""
    aktuellt = arende.steg
    oppet, avslutat = arende.ar_oppet, arende.status == Status.AVSLUTAD
    return [
        Steg(n, rubrik, text, klart=n < aktuellt or avslutat, aktuellt=n == aktuellt and oppet)
        for n, (rubrik, text) in STEG_PATIENT.items()
    ]


def forvantat_datum(arende: Arende, *, idag: date | None = None) -> Forvantat | None:
    """The planned date when the unit has set one; while offers are open, the earliest offered date; otherwise the
    decision (or acceptance) date plus the unit's median wait over the last 90 days (the receiving unit once
    chosen, else the referring unit); None when there is no such figure or the result lies in the past."""
    idag = idag or timezone.localdate()
    if arende.planerat_datum:
        if arende.status in (Status.FORMEDLA, Status.REMISS_SKICKAD):  # the offer's date, not yet the unit's plan
            return Forvantat(
                arende.planerat_datum,
                "Det datumet stod i erbjudandet. Mottagningen bestämmer tiden när den har fått din remiss.",
            )
        return Forvantat(arende.planerat_datum, "Mottagningen har planerat din vård den dagen.")
    if arende.status == Status.HITTA_VARDGIVARE:
        erbjudna = [
            d
            for d in arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT, forvantat_datum__gte=idag)
            .order_by("forvantat_datum")
            .values_list("forvantat_datum", flat=True)[:2]
            if d is not None
        ]
        if len(erbjudna) == 1:
            return Forvantat(erbjudna[0], "Om du säger ja till erbjudandet nedan.")
        if erbjudna:
            return Forvantat(erbjudna[0], "Om du säger ja till erbjudandet med det tidigaste datumet.")
    enhet, fran = arende.mottagande_enhet, None
    if enhet is not None:
        fran = (
            arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT, vardenhet=enhet)
            .values_list("svar_datum", flat=True)
            .first()
        )
    else:
        enhet, fran = arende.remitterande_enhet, arende.beslutsdatum
    if enhet is None or fran is None:
        return None
    v = lagesbild_api.vantetider_for_enheter(kva_kod=arende.kva_id, vardenhet_ids=[enhet.pk]).get(enhet.pk)
    if v is None or v.undertryckt or v.median_dagar is None:
        return None
    datum = fran + timedelta(days=v.median_dagar)
    if datum < idag:
        return None
    return Forvantat(datum, f"Enligt väntetiden på {enhet.namn} de senaste 90 dagarna.")


def vad_kan_jag_gora(arende: Arende, oppna_erbjudanden: list) -> str:
    """What the patient may do now, in one plain sentence."""
    if not arende.ar_oppet:
        return "Ärendet är avslutat. Du behöver inte göra något."
    if oppna_erbjudanden:
        sista = min(e.svarsfrist for e in oppna_erbjudanden)
        return (
            f"Titta på erbjudandena nedan. Svara ja till ett av dem eller nej till alla senast {fmt.datum_lang(sista)}."
        )
    return {
        Status.BEHOV: "Du behöver inte göra något nu. Vi hör av oss.",
        Status.HITTA_VARDGIVARE: "Du behöver inte göra något nu. Vi hör av oss när vi har hittat en mottagning.",
        Status.FORMEDLA: "Vi hör av oss om resan. Du behöver inte göra något nu.",
        Status.REMISS_SKICKAD: "Den nya mottagningen kontaktar dig med en tid. Vänta på deras brev eller samtal.",
        Status.BEKRAFTAD: "Gå till din tid på mottagningen. Ring oss om du behöver hjälp med resan.",
        Status.UTFORD: "Vi hör av oss och frågar hur det gick.",
        Status.UPPFOLJNING: "Vi hör av oss och frågar hur det gick.",
    }.get(arende.status, "Du behöver inte göra något nu.")


# --- Offers side by side ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erbjudandevy:
    erbjudande: Erbjudande
    avstand_km: int | None
    avstand_fran: str
    ingar: list[str]


def oppna_erbjudanden(arende: Arende) -> list[Erbjudandevy]:
    """The case's open offers with what the patient compares: distance from home (the referring unit, else the
    region's main town; as the crow flies) and the care steps the agreement line includes. Only while the case is
    in step 2 (an answer is possible only then). One query."""
    if arende.status != Status.HITTA_VARDGIVARE:
        return []
    erbjudanden = list(
        arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT)
        .select_related("vardenhet", "avtalsrad")
        .order_by("forvantat_datum", "id")
    )
    hem = arende.remitterande_enhet
    if hem is not None and hem.lat is not None and hem.lon is not None:
        lat, lon, fran = hem.lat, hem.lon, f"din mottagning {hem.namn}"
    else:
        lat, lon, fran = arende.region.lat, arende.region.lon, arende.region.residensstad
    ut = []
    for e in erbjudanden:
        enhet = e.vardenhet
        km = None
        if enhet.lat is not None and enhet.lon is not None:
            km = round(haversine_km(lat, lon, enhet.lat, enhet.lon))
        steg = e.avtalsrad.vardsteg if e.avtalsrad is not None else ""
        ingar = [s.strip() for s in steg.replace("\n", ",").split(",") if s.strip()]
        ut.append(Erbjudandevy(e, km, fran, ingar))
    return ut


def antal_oppna_erbjudanden(arenden) -> dict[int, int]:
    """{case pk: number of open offers} for the patient's list of cases. One query."""
    rader = (
        Erbjudande.objects.filter(arende__in=[a.pk for a in arenden], status=Erbjudande.Status.LAMNAT)
        .values("arende_id")
        .annotate(n=Count("id"))
        .values_list("arende_id", "n")
    )
    return dict(rader)
