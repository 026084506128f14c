"""Every page and export of the demo, as each demo identity sees it (after `load_demo`): (identity, url, text).

Used by the format and wording tests (tests/vardformedling/test_format_demo.py). The list follows the URLs in
CONTRACTS.md and each role's own pages; case pages, letters and agreement pages are taken from the demo data, so
a new demo case or agreement is covered without editing this file.
"""

import io
import re
from urllib.parse import quote

from django.test import Client

from arenden.models import Arende, Erbjudande
from avtal.models import Avtal
from uppfoljning.statistik import TABELLER

VERA, KARIN, ADAM, MONA, VILLE = (
    "SE2321000180-VL01",
    "SE2321000057-KO01",
    "SE2321000016-AD01",
    "SE5560000001-MO01",
    "SE2321000206-VL02",
)
GEMENSAMMA = [
    "/",
    "/katalog/sok/?kva=CJE",
    "/katalog/sok/?kva=NGB&region=20",
    "/katalog/enheter/SE5560000001-OGON02/",
    "/katalog/kapacitet/",
    "/lagesbild/?kva=CJE&period=90&niva=enhet",
    "/lagesbild/?kva=CJE&period=365&niva=region",
    "/lagesbild/enheter/SE5560000001-OGON02/",
    "/lagesbild/vantetider/",
    "/avtal/",
    "/avtal/?format=csv",
    "/avtal/?format=xlsx",
    "/notiser/",
]
# Delivery plans (issue #19): the demo's plans span last week to eight weeks ahead.
LEVERANSPLANER = ["/leveransplaner/?fran=2020-V01", "/leveransplaner/", "/leveransplaner/?format=csv",
                  "/leveransplaner/?format=xlsx"]  # fmt: skip
SIDOR = {
    VERA: [*GEMENSAMMA, "/arenden/", "/arenden/?flik=region&status=alla", "/arenden/nytt/", "/arenden/?export=csv"],
    KARIN: [
        *GEMENSAMMA,
        "/arenden/?flik=region&status=alla",
        "/arenden/?export=xlsx&flik=region",
        "/arenden/logg/",
        "/arenden/logg/?export=csv",
        "/uppfoljning/?period=365",
        "/uppfoljning/?period=365&som=mottagande",
        *(f"/uppfoljning/?period=365&export={t}&format={f}" for t in TABELLER for f in ("csv", "xlsx")),
        *LEVERANSPLANER,
    ],
    ADAM: [
        "/",
        "/avtal/uppladdning/",
        "/lagesbild/importer/",
        "/katalog/import/",
        "/uppfoljning/?period=365",
        *LEVERANSPLANER,
        "/leveransplaner/uppladdning/",
    ],
    MONA: [
        "/",
        "/arenden/",
        "/arenden/inkorg/",
        "/arenden/avrakning/",
        "/arenden/avrakning/?format=csv",
        "/arenden/avrakning/?format=xlsx",
        "/leveransplaner/",
    ],
    VILLE: ["/", "/arenden/?flik=region&status=alla"],
}


def _text(resp) -> str:
    typ = resp.get("Content-Type", "")
    if "spreadsheetml" in typ:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(resp.content))
        rader = []
        for ws in wb.worksheets:
            for rad in ws.iter_rows():
                rader.append(";".join("" if c.value is None else _cell(c) for c in rad))
        return "\n".join(rader)
    return resp.content.decode("utf-8")


def _cell(c) -> str:
    """An XLSX cell as a reader sees it: numbers through their number format's unit."""
    v = c.value
    if isinstance(v, int | float) and not isinstance(v, bool):
        fmt = c.number_format or "General"
        return f"{v}[{fmt}]"
    return str(v)


def sidor(identitet: str, client: Client | None = None):
    """Yields (url, status, content type, text) for the identity's pages, its case pages and offer letters."""
    client = client or Client()
    client.post("/login/", {"hsa_id": identitet})
    urls = list(SIDOR[identitet])
    if identitet in (VERA, KARIN, MONA, VILLE):
        arenden = Arende.objects.all()
        if identitet == MONA:
            arenden = arenden.filter(mottagande_enhet__hsa_id="SE5560000001-OGON02")
        else:
            region = {VERA: "20", KARIN: "06", VILLE: "22"}[identitet]
            arenden = arenden.filter(region_id=region)
        for a in arenden.order_by("id"):
            urls.append(f"/arenden/{a.case_id}/")
        if identitet != MONA:
            for e in Erbjudande.objects.filter(arende__in=arenden).select_related("arende")[:60]:
                urls.append(f"/arenden/{e.arende.case_id}/erbjudanden/{e.pk}/brev/")
    if identitet == VERA:
        for a in Avtal.objects.order_by("avtal_id")[:20]:
            urls.append(f"/avtal/{quote(a.avtal_id)}/?agare={a.avtalsagare_id}")
    for url in urls:
        resp = client.get(url)
        yield url, resp.status_code, resp.get("Content-Type", ""), _text(resp) if resp.status_code == 200 else ""


# The demo patients (patient/inloggning.py): their start page, the contact form and every case page they reach.
PATIENTER = ["tolvan", "tio"]


def patientsidor(nyckel: str, client: Client | None = None):
    """As `sidor`, for a demo patient signed in through the e-legitimation stub."""
    client = client or Client()
    client.post("/patient/logga-in/", {"patient": nyckel})
    start = client.get("/patient/").content.decode()
    arenden = sorted(set(re.findall(r'href="(/patient/arenden/VF-[^"]+/)"', start)))
    assert arenden, f"{nyckel} har inga ärenden i demodata"
    for url in ["/patient/", "/patient/kontakta-mig/", *arenden]:
        resp = client.get(url)
        yield url, resp.status_code, resp.get("Content-Type", ""), _text(resp) if resp.status_code == 200 else ""
