"""Start-page panels: new capacity offers (navigators, coordinators), own announcements (receiving units),
and the catalogue's latest import (administrators)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from vardformedling import start
from vardformedling.models import Roll
from vardformedling.rules import active_role


@start.register(30)
def nya_kapacitetserbjudanden(request) -> dict | None:
    if active_role(request.user) not in {Roll.VARDLOTS, Roll.KOORDINATOR}:
        return None
    from katalog.models import Kapacitetsannons

    annonser = Kapacitetsannons.objects.aktiva().erbjudanden().select_related("kva", "vardenhet", "region")[:5]
    rader = [
        {
            "text": f"{a.avsandare}: {a.antal} × {a.kva_id} {a.kva.benamning} ({a.period or 'se annons'})",
            "url": f"{reverse('katalog:kapacitet')}?{urlencode({'typ': 'erbjuder', 'kva': a.kva_id})}",
            "niva": "",
        }
        for a in annonser
    ]
    rader.append({"text": "Alla kapacitetsannonser", "url": reverse("katalog:kapacitet"), "niva": ""})
    return {
        "rubrik": "Nya kapacitetserbjudanden",
        "rader": rader,
        "tom": "Inga nya kapacitetserbjudanden. Publicerade erbjudanden visas här; se alla under Kapacitet.",
    }


@start.register(31)
def mina_kapacitetsannonser(request) -> dict | None:
    if active_role(request.user) != Roll.MOTTAGARE:
        return None
    from katalog.models import Kapacitetsannons

    egna = Kapacitetsannons.objects.aktiva().filter(skapad_av=request.user).select_related("kva")[:5]
    rader = [
        {
            "text": f"{a.get_typ_display()}: {a.antal} × {a.kva_id}, visas t.o.m. {a.giltig_till:%Y-%m-%d}",
            "url": reverse("katalog:kapacitet"),
            "niva": "",
        }
        for a in egna
    ]
    rader.append(
        {"text": "Erbjud ledig kapacitet", "url": reverse("katalog:kapacitet_ny") + "?typ=erbjuder", "niva": ""}
    )
    return {"rubrik": "Kapacitetsannonser", "rader": rader}


@start.register(32)
def katalogimport(request) -> dict | None:
    if active_role(request.user) != Roll.ADMINISTRATOR:
        return None
    from katalog.models import KatalogImport

    senaste = KatalogImport.objects.defer("innehall", "forhandsvisning").first()
    rader = []
    if senaste:
        niva = "err" if senaste.status == KatalogImport.Status.AVVISAD else ""
        tid = timezone.localtime(senaste.tidpunkt)
        text = f"Senaste katalogutdrag: {senaste.filnamn}, {tid:%Y-%m-%d %H:%M} – {senaste.get_status_display()}"
        rader.append({"text": text, "url": reverse("katalog:import"), "niva": niva})
    rader.append({"text": "Läs in katalogutdrag", "url": reverse("katalog:import"), "niva": ""})
    return {"rubrik": "Nationella katalogen", "rader": rader}
