"""Start-page panel: the newest capacity offers, for navigators and coordinators."""

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
            "url": f"/katalog/kapacitet/?typ=erbjuder&kva={a.kva_id}",
            "niva": "",
        }
        for a in annonser
    ]
    return {"rubrik": "Nya kapacitetserbjudanden", "rader": rader, "tom": "Inga aktiva kapacitetserbjudanden just nu."}
