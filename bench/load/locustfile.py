"""Locust users for the load test (started by bench/load/run.py, which writes the file LOAD_USERS names).

`Navigator`: one per synthetic person – a different HSA-id with a navigator or coordinator commission in its own
region – who signs in through POST /login/ with the CSRF token like a browser and then works: start page, provider
search with filters (full page, and the filter form's HTMX request), unit page, lägesbild table (HTMX filter) and
unit view, worklist with filters (page and HTMX), case pages of its own region, and writes: registers a case
(/arenden/nytt/), assesses one of its own new cases (step action "bedom", HTMX) and writes notes (HTMX). Every
request must answer what a browser expects (200, or the 302 of a successful form); anything else is a failure.

`Trivial`: the same number of clients against /healthz (one SELECT 1, no template) for the ratio.

No think time unless LOAD_THINK (seconds, a random 0.5–1.5× of it) is set: the default measures capacity.
"""

import itertools
import json
import os
import random
import re
from datetime import date, timedelta
from urllib.parse import quote

from klient import CSRF, Avvikelse, LoopbackUtanTls, Webblasare, falt
from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser
from pnr import samordningsnummer

DATA = json.loads(open(os.environ["LOAD_USERS"], encoding="utf-8").read())  # noqa: SIM115
ANVANDARE = DATA["personer"]
NASTA = itertools.count()
PNR_NR = itertools.count(DATA["pnr_start"])  # bench/load/pnr.py: past every one already in the database
TANKETID = float(os.environ.get("LOAD_THINK", "0"))
CASE_ID = re.compile(r"/arenden/(VF-\d{4}-\d{2}-\d{6}-\d)/$")


class Navigator(Webblasare):
    wait_time = between(0.5 * TANKETID, 1.5 * TANKETID) if TANKETID else constant(0)

    def on_start(self):
        nr = next(NASTA)
        if nr >= len(ANVANDARE):
            raise StopUser(f"bara {len(ANVANDARE)} olika användare förberedda")  # run.py prepares one per user
        self.person = ANVANDARE[nr]
        self.rnd = random.Random(nr)
        self.mina: list[str] = []  # own registered cases still in step 1 (assessed by `bedom`)
        self.client.cookiejar.set_policy(LoopbackUtanTls())
        self.logga_in()

    # -- helpers --------------------------------------------------------------------------------------------------

    def logga_in(self) -> None:
        """The login form: GET (CSRF cookie and token), POST the HSA-id, follow the redirect to the start page.

        A failed sign-in is counted and the user goes on (every later request then fails too): it is not stopped,
        so locust does not start replacements for it."""
        sida = self.hamta("/login/", "GET /login/")
        token = CSRF.search(sida)
        if not token:
            return
        r = self.skicka(
            "/login/",
            "POST /login/",
            {"csrfmiddlewaretoken": token.group(1), "hsa_id": self.person["hsa_id"], "next": "/"},
            forvantat=302,
        )
        if r is not None:
            self.hamta("/", "GET startsida")

    def sok_url(self) -> str:
        p = self.person
        kva = self.rnd.choice(p["kva"])
        filter_ = self.rnd.choice(
            [
                "",
                "&med_avtal=on",
                "&asa=3&narkos=on&med_avtal=on",
                "&max_avstand=500&max_vantetid=120",
                f"&sjukvardsregion={quote(p['sjukvardsregion'])}",
                "&agarform=privat&med_avtal=on&v_vantetid=5&v_avstand=1",
            ]
        )
        return f"/katalog/sok/?q={kva}&kva={kva}&patientregion={p['region']}{filter_}"

    # -- the mix (weights: what a navigator does in a working hour, roughly) ------------------------------------

    @task(8)
    def startsida(self):
        self.hamta("/", "GET startsida")

    @task(12)
    def sok(self):
        self.hamta(self.sok_url(), "GET sök vårdgivare")

    @task(12)
    def sok_htmx(self):
        self.hamta(self.sok_url(), "GET sök vårdgivare (HTMX-filter)", htmx_mal="sokresultat")

    @task(10)
    def enhet(self):
        self.hamta(f"/katalog/enheter/{self.rnd.choice(self.person['enheter'])}/", "GET enhetssida")

    @task(4)
    def lagesbild(self):
        kva = self.rnd.choice(self.person["kva"])
        self.hamta(f"/lagesbild/?kva={kva}&period=90&niva=enhet", "GET lägesbild tabell")

    @task(8)
    def lagesbild_htmx(self):
        kva = self.rnd.choice(self.person["kva"])
        niva, period, sort = self.rnd.choice([("enhet", 90, "median"), ("region", 365, "median"), ("enhet", 30, "")])
        url = f"/lagesbild/?kva={kva}&period={period}&niva={niva}&sort={sort}"
        self.hamta(url, "GET lägesbild tabell (HTMX-filter)", htmx_mal="resultat")

    @task(3)
    def lagesbild_enhet(self):
        self.hamta(f"/lagesbild/enheter/{self.rnd.choice(self.person['enheter'])}/", "GET lägesbild enhetsvy")

    @task(7)
    def arbetslista(self):
        url = self.rnd.choice(["/arenden/", "/arenden/?flik=alla", "/arenden/?flik=alla&status=alla&sida=2"])
        self.hamta(url, "GET arbetslista")

    @task(6)
    def arbetslista_htmx(self):
        kva = self.rnd.choice(self.person["kva"])
        url = self.rnd.choice(
            [f"/arenden/?flik=alla&kva={kva}", "/arenden/?flik=alla&forsenade=1", "/arenden/?flik=alla&steg=2"]
        )
        self.hamta(url, "GET arbetslista (HTMX-filter)", htmx_mal="resultat")

    @task(12)
    def arende(self):
        self.hamta(f"/arenden/{self.rnd.choice(self.person['arenden'])}/", "GET ärendesida")

    @task(3)
    def registrera(self) -> tuple[str, str] | None:
        """Step 1: the registration form, POST, and the redirect to the new case: (case id, case page)."""
        sida = self.hamta("/arenden/nytt/", "GET nytt ärende")
        if not sida:
            return None  # already counted as a failure
        token = CSRF.search(sida)
        if not token:
            raise Avvikelse("formuläret för nytt ärende saknar CSRF-token")
        p = self.person
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "personnummer": samordningsnummer(next(PNR_NR)),
            "namn": f"Lasttest Patient {self.rnd.randrange(10_000)}",
            "kontaktuppgifter": "070-000 00 00",
            "kontaktvag": "telefon",
            "region": p["region"],
            "kva": self.rnd.choice(p["kva"]),
            "beslutsdatum": (date.today() - timedelta(days=self.rnd.randrange(30, 80))).isoformat(),  # noqa: DTZ011
            "asa_klass": "2",
            "max_avstand": "800",
        }
        r = self.skicka("/arenden/nytt/", "POST registrera ärende", data, forvantat=302)
        if r is None:
            return None
        plats = r.headers.get("Location") or r.headers.get("location") or ""
        m = CASE_ID.search(plats)
        if not m:
            raise Avvikelse(f"registreringen skickade vidare till {plats!r}, inte till ärendet")
        sida = self.hamta(plats, "GET ärendesida")  # the browser follows the redirect to the new case
        self.mina.append(m.group(1))
        return m.group(1), sida

    @task(3)
    def bedom(self):
        """Step action on one's own new case (registered now if there is none): on its page, read the form's
        version and assess it (HTMX form). Own cases only, so no version conflicts between users."""
        if self.mina:
            case_id = self.mina.pop(0)
            sida = self.hamta(f"/arenden/{case_id}/", "GET ärendesida")
        elif ny := self.registrera():
            case_id, sida = ny
            self.mina.remove(case_id)
        else:
            return
        url = f"/arenden/{case_id}/"
        if not sida:
            return
        version, token = falt(sida, "bedom-version"), CSRF.search(sida)
        if version is None or token is None:
            raise Avvikelse(f"{case_id} visar inget bedömningsformulär")
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "bedom-version": version,
            "bedom-lamplig": "ja",
            "bedom-motivering": "Lasttest: lämplig för vårdförmedling",
        }
        self.skicka(f"{url}atgard/bedom/", "POST åtgärd bedöm (HTMX)", data, forvantat=200, htmx_mal="arende")

    @task(4)
    def anteckning(self):
        case_id = self.rnd.choice(self.person["arenden"])
        url = f"/arenden/{case_id}/"
        sida = self.hamta(url, "GET ärendesida")
        if not sida:
            return
        token = CSRF.search(sida)
        if token is None:
            raise Avvikelse(f"{case_id} visar inget anteckningsformulär")
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "anteckning-typ": self.rnd.choice(["anteckning", "kontakt"]),
            "anteckning-text": "Lasttest: ringde patienten, väntar på besked.",
        }
        self.skicka(f"{url}anteckningar/", "POST anteckning (HTMX)", data, forvantat=200, htmx_mal="arende")


class Trivial(FastHttpUser):
    """The reference: a trivial Django view on the same gunicorn, database and settings."""

    wait_time = constant(0)

    @task
    def healthz(self):
        with self.client.get("/healthz", name="GET /healthz", allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
