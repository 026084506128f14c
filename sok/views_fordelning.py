"""Föreslå fördelning (/katalog/fordelning/): a proposal for the step-2 cases of one KVÅ group, edited and sent.

GET with `kva` computes the proposal (sok.fordelning) for the commission's cases; the table's select per case holds
the proposed unit and the patient's other feasible units, best first. POST to /katalog/fordelning/skicka/ sends the
chosen offers (arenden.services.erbjudanden_flera): 422 when nothing is chosen or a choice is not one of the case's
units, 409 when a row could no longer be honoured (named; the others went through)."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from arenden import api as arenden_api
from arenden.access import logga
from arenden.services.erbjudanden_flera import Erbjudanderad, erbjudanden_skicka
from katalog import api as katalog_api
from sok.fordelning import Patientfall, foresla, las_underlag
from sok.search import Referens
from vardformedling import referensdata
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.indata import citera, heltal

FEL_INGET_VALT = "Välj minst en enhet i tabellen innan du skickar erbjudanden."
FEL_OGILTIGT_VAL = "Valet för ärende {case_id} är inte en av ärendets möjliga enheter. Föreslå fördelningen igen."


def patientfall(rader: list[dict]) -> list[Patientfall]:
    regioner = {r.kod: r for r in referensdata.regioner()}
    ut = []
    for r in rader:
        if r["remitterande_enhet__lat"] is not None and r["remitterande_enhet__lon"] is not None:
            ref = Referens(r["remitterande_enhet__lat"], r["remitterande_enhet__lon"], "remitterande enhet")
        else:
            reg = regioner[r["region_id"]]
            ref = Referens(reg.lat, reg.lon, f"{reg.residensstad} (residensstad)")
        ut.append(
            Patientfall(
                pk=r["pk"],
                case_id=r["case_id"],
                region_kod=r["region_id"],
                vardgaranti=r["vardgaranti_datum"],
                referens=ref,
                asa=r["asa_klass"],
                narkos=r["narkos"],
                max_avstand=r["max_avstand"],
                avbojda=r["avbojda"],
            )
        )
    return ut


def _forslag(request: BehorigRequest, kva):
    idag = timezone.localdate()
    fall = patientfall(arenden_api.arenden_for_fordelning(user=request.user, uppdrag=request.uppdrag, kva_kod=kva.kod))
    region_kod = cast(str, request.uppdrag.region_id)  # arenden.registrera: V or K, who act for a region
    underlag = las_underlag(kva_kod=kva.kod, region_kod=region_kod, datum=idag)
    forslag = foresla(fall, kva, underlag, idag)
    logga(request, [SimpleNamespace(region_id=f.region_kod, case_id=f.case_id) for f in fall], "fördelning")
    return fall, forslag


def _varde(x, rad) -> str:
    forvantat = x.traff.forvantat.isoformat() if x.traff.forvantat else ""
    return f"{x.enhet_id}:{rad.rad_id if rad else ''}:{forvantat}"


def _rader(forslag) -> list[dict]:
    """Per case: the proposal (or none) and the choices, for the template."""
    tilldelad = {t.par.patient.pk: t for t in forslag.tilldelade}
    rader = []
    for pk, alternativ in forslag.alternativ.items():
        t = tilldelad.get(pk)
        val = []
        for x in alternativ:
            rad = t.rad if t and t.par is x else (x.traff.basta_rad)
            val.append({"varde": _varde(x, rad), "namn": x.traff.namn, "vald": bool(t and t.par is x), "x": x})
        if t or val:
            rader.append({"pk": pk, "t": t, "val": val, "patient": (t.par.patient if t else alternativ[0].patient)})
    return [r for r in rader if r["t"]] + [r for r in rader if not r["t"] and r["val"]]


@never_cache
@require_GET
@require_perm("arenden.registrera")
def fordelning(request: BehorigRequest) -> HttpResponse:
    grupper = katalog_api.kva_grupper()
    kva = next((k for k in grupper if k.kod == (request.GET.get("kva") or "").upper()), None)
    context: dict[str, Any] = {"grupper": grupper, "kva": kva}
    if kva is not None:
        fall, forslag = _forslag(request, kva)
        context.update({"fall": fall, "forslag": forslag, "rader": _rader(forslag)})
    return render(request, "sok/fordelning.html", context)


@never_cache
@require_POST
@require_perm("arenden.registrera")
def skicka(request: BehorigRequest) -> HttpResponse:
    grupper = katalog_api.kva_grupper()
    kva = next((k for k in grupper if k.kod == (request.POST.get("kva") or "").upper()), None)
    fall = {
        r["pk"]: r
        for r in (
            arenden_api.arenden_for_fordelning(user=request.user, uppdrag=request.uppdrag, kva_kod=kva.kod)
            if kva
            else []
        )
    }
    rader, fel = [], []
    idag = timezone.localdate()
    for nyckel, varde in request.POST.items():
        if not nyckel.startswith("val_") or not varde:
            continue
        pk_text = nyckel.removeprefix("val_")
        delar = varde.split(":")  # type: ignore[union-attr]  # stubs: items() may give a list; a parsed form gives str
        # heltal, not isdigit(): "²" is a digit to isdigit() and a ValueError (a 500) to int().
        arende = fall.get(arende_pk) if (arende_pk := heltal(pk_text)) is not None else None
        enhet_id, rad_id = (heltal(delar[0]), heltal(delar[1])) if len(delar) == 3 else (None, None)
        if arende is None or enhet_id is None or (delar[1] and rad_id is None):
            fel.append(FEL_OGILTIGT_VAL.format(case_id=arende["case_id"] if arende else citera(pk_text)))
            continue
        try:
            forvantat = datetime.fromisoformat(delar[2]).date() if delar[2] else None
        except ValueError:
            fel.append(FEL_OGILTIGT_VAL.format(case_id=arende["case_id"]))
            continue
        if forvantat is not None and forvantat < idag:
            forvantat = idag + timedelta(days=0)
        rader.append(Erbjudanderad(arende["pk"], enhet_id, rad_id, forvantat))
    if fel or not rader:
        context: dict[str, Any] = {"grupper": grupper, "kva": kva, "fel": fel or [FEL_INGET_VALT]}
        return render(request, "sok/fordelning.html", context, status=422)
    utfall = erbjudanden_skicka(rader=rader, anvandare=request.user, uppdrag=request.uppdrag)
    logga(
        request,
        [SimpleNamespace(region_id=request.uppdrag.region_id, case_id=u.case_id) for u in utfall],
        "fördelning, skicka",
    )
    misslyckade = [u for u in utfall if u.fel]
    context = {"grupper": grupper, "kva": kva, "utfall": utfall, "misslyckade": misslyckade,
               "skickade": [u for u in utfall if not u.fel]}  # fmt: skip
    return render(request, "sok/fordelning.html", context, status=409 if misslyckade else 200)
