"""Demo patients (test personnummer, Skatteverket's test series; patient/inloggning.py lists them on the sign-in
stub), each with a case through the real services:

- Tolvan Tolvansson (region 20 Dalarna, Vera Lots; referred by Falu lasarett): cataract, two open offers sent
  through 1177 to compare (Demo Ögonklinik Uppsala, Ögonkliniken Gävle).
- Tio Tiosson (region 22 Västernorrland, Ville Lots): cataract at Demo Ögonklinik Uppsala, the referral confirmed
  by Mona Mottagare (a planned date).
Idempotent: nothing is created when Tolvan already has a case in region 20.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from arenden import services
from arenden.api import Arende, Erbjudande
from arenden.services import identitet, remisskuvert
from katalog.api import kva_grupper
from patient.inloggning import DEMO_PER_NYCKEL
from vardformedling.models import Medarbetaruppdrag, Roll, User


def _enhet(hsa_id: str):
    from katalog.api import vardenhet

    return vardenhet(hsa_id)


def _rad(arende, enhet, datum):
    anvandbara, _ = services.avtalsrader_for_erbjudande(arende=arende, vardenhet=enhet, datum=datum)
    return anvandbara[0] if anvandbara else None


def _registrera(user, region_kod: str, nyckel: str, dagar_sedan_beslut: int, kontakt: str, remitterande):
    patient = DEMO_PER_NYCKEL[nyckel]
    uppdrag = Medarbetaruppdrag.objects.filter(user=user, region_id=region_kod).first()
    kva = next(g for g in kva_grupper() if g.kod == "CJE")
    a = services.arende_registrera(
        anvandare=user,
        uppdrag=uppdrag,
        personnummer=patient.personnummer,
        namn=patient.namn,
        kontaktuppgifter=kontakt,
        kva=kva,
        beslutsdatum=timezone.localdate() - timedelta(days=dagar_sedan_beslut),
        asa_klass=1,
        diagnos_text="Katarakt",
        diagnos_kod="H25.9",
        remitterande_enhet=remitterande,
        tillat_dubblett=True,
        lamplig=True,
    )
    return a, uppdrag


def _erbjud(a, user, uppdrag, enhet, dagar: int):
    datum = min(timezone.localdate() + timedelta(days=dagar), a.vardgaranti_datum)
    return services.erbjudande_lamna(
        arende=a,
        anvandare=user,
        uppdrag=uppdrag,
        vardenhet=enhet,
        avtalsrad=_rad(a, enhet, datum),
        forvantat_datum=datum,
        erbjudet_via=Erbjudande.Via.V1177,
    )


def load(stdout=None) -> None:
    vera = User.objects.filter(hsa_id="SE2321000180-VL01").first()
    ville = User.objects.filter(hsa_id="SE2321000206-VL02").first()
    mona = User.objects.filter(hsa_id="SE5560000001-MO01").first()
    ogon02, falun, gavle, sundsvall = (
        _enhet(h) for h in ("SE5560000001-OGON02", "SE2321000180-OGON01", "SE2321000198-OGON01", "SE2321000206-OGON01")
    )
    if not (vera and ville and mona and ogon02 and falun and gavle and sundsvall):
        if stdout:
            stdout.write("Patienter: demoidentiteterna eller enheterna saknas, inga demopatienter skapade.")
        return
    tolvan = DEMO_PER_NYCKEL["tolvan"]
    if Arende.objects.filter(region_id="20", pnr_hash=identitet.pnr_hash("20", tolvan.personnummer)).exists():
        if stdout:
            stdout.write("Patienter: demopatienterna finns redan.")
        return
    with transaction.atomic():
        a, u = _registrera(vera, "20", "tolvan", 75, "Storgatan 12, 791 71 Falun\n070-1212121", falun)
        _erbjud(a, vera, u, gavle, 20)
        _erbjud(a, vera, u, ogon02, 12)

        a, u = _registrera(ville, "22", "tio", 70, "Skolgatan 10, 871 31 Härnösand\n070-1010101", sundsvall)
        e = _erbjud(a, ville, u, ogon02, 14)
        services.erbjudande_besvara(erbjudande=e, anvandare=ville, uppdrag=u, svar=True)
        services.resa_registrera(arende=a, anvandare=ville, uppdrag=u, fardsatt="tag", bokad_av="hemregion")
        services.arende_overfor(arende=a, anvandare=ville, uppdrag=u, dokument=["remiss", "journalutdrag"])
        m_uppdrag = Medarbetaruppdrag.objects.filter(user=mona, roll=Roll.MOTTAGARE).first()
        remisskuvert.kvittera_arende(arende=a, anvandare=mona, uppdrag=m_uppdrag)  # opened and receipted first
        services.remiss_bekrafta(
            arende=a, anvandare=mona, uppdrag=m_uppdrag, planerat_datum=timezone.localdate() + timedelta(days=14)
        )
    if stdout:
        stdout.write("Patienter: Tolvan Tolvansson (två erbjudanden) och Tio Tiosson (bekräftad remiss).")
