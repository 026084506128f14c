"""Benchmark: the patient's start page (/patient/, "Dina ärenden") and one case page, as a signed-in patient.

    .venv/bin/python bench/patient.py [--antal 200] [--scale 1]

Issue 18 point 7: the start page p95 < 100 ms at `seed_scale --scale 1`, whatever the number of cases nationally.
The patient (Tolvan Tolvansson, the demo patient) gets three cases in region 20 among the synthetic ones, one with
two open offers; the session is the one the sign-in makes (keyed hashes under every region, sealed identity).
"""

import time

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 100


def _patientens_arenden() -> list[str]:
    """Tolvan's three cases in region 20 (created once, through the services), the first with two open offers."""
    from datetime import timedelta

    from django.utils import timezone

    from arenden import services
    from arenden.models import Arende, Erbjudande
    from arenden.services import identitet
    from katalog.models import KvaGrupp, Vardenhet
    from patient.inloggning import DEMO_PER_NYCKEL
    from vardformedling.models import Roll

    tolvan = DEMO_PER_NYCKEL["tolvan"]
    befintliga = Arende.objects.filter(region_id="20", pnr_hash=identitet.pnr_hash("20", tolvan.personnummer))
    if befintliga.count() < 3:
        _, uppdrag = klient(Roll.VARDLOTS, "20")
        enheter = list(Vardenhet.objects.filter(aktiv=True, lat__isnull=False).order_by("pk")[:2])
        for i, kva in enumerate(("CJE", "NGB", "JAB")):
            a = services.arende_registrera(
                anvandare=uppdrag.user, uppdrag=uppdrag, personnummer=tolvan.personnummer, namn=tolvan.namn,
                kva=KvaGrupp.objects.get(kod=kva), beslutsdatum=timezone.localdate() - timedelta(days=70 + i),
                tillat_dubblett=True, lamplig=True,
            )  # fmt: skip
            if i == 0:
                for e in enheter:
                    services.erbjudande_lamna(
                        arende=a, anvandare=uppdrag.user, uppdrag=uppdrag, vardenhet=e,
                        erbjudet_via=Erbjudande.Via.V1177,
                    )  # fmt: skip
    return list(befintliga.order_by("pk").values_list("case_id", flat=True))


def _patientklient():
    from django.test import Client

    from arenden.services import identitet
    from patient.inloggning import DEMO_PER_NYCKEL
    from patient.session import SESSION_PATIENT
    from vardformedling.models import Region

    tolvan = DEMO_PER_NYCKEL["tolvan"]
    inloggning = identitet.forsegla_inloggning(
        Region.objects.values_list("kod", flat=True), identitet.Identitet(tolvan.personnummer, tolvan.namn)
    )
    c = Client()
    session = c.session
    session[SESSION_PATIENT] = {**inloggning.som_dict(), "startad": int(time.time())}
    session.save()
    return c


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from arenden.models import Arende

    case_ids = _patientens_arenden()
    ref = referens(antal)
    patient = _patientklient()
    print(f"({Arende.objects.count()} ärenden i databasen, patienten har {len(case_ids)})")
    return [
        rapportera("Patientens startsida", "/patient/", mat(patient, "/patient/", antal), ref, MAL_P95_MS),
        rapportera(
            "Patientens ärende med två erbjudanden",
            f"/patient/arenden/{case_ids[0]}/",
            mat(patient, f"/patient/arenden/{case_ids[0]}/", antal),
            ref,
            None,
        ),
    ]


if __name__ == "__main__":
    kor(main, __doc__)
