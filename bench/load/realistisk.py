"""Locustfile of the realistic load profile (issue 21 point 1; started by `bench/load/run.py --profil realistisk`).

Users per role with the think time of real work, and a ramp that adds users step by step until p95 passes the
limit or an error appears:

- `Vardlots` (navigator) and `Koordinator`: act every 5–20 s. Daily pages: start page, provider search (page and
  HTMX filter), unit page, lägesbild (page, HTMX filter, unit view), worklist (page and HTMX filter), case pages,
  notes; and each drives cases of their own through the whole journey, one step per action: register, assess,
  search from the case, offer the first unit found, the patient's yes, transfer (referral sent). The coordinator
  also opens the follow-up statistics and the access-log review.
- `Mottagare` (receiving unit staff): acts every 30–60 s: the unit's worklist, its cases, confirms referrals sent
  to the unit (each staff member of a unit takes its own share of them, so two never confirm the same case),
  the unit's lägesbild view and the capacity announcements.
- `Patient`: a patient with an open case (seed_scale's bulk patients, most with an open offer) opens a page every
  10–30 s: the start page (my cases), the case page ("Var är jag?" and the offers), and answers an open offer once
  (yes to one, or no to all), as the patient pages' forms do. Signs in through the patient stub (`skala-<nr>`).

`Trappa` (the LoadTestShape) runs steps of LOAD_TRAPPA["steg_tid"] seconds: start users, then +steg per step. In each
step the first `uppvarmning` seconds (new users signing in) are not measured; then the statistics are reset and, at
the step's end, the step's figures (overall and per page: count, p50, p95, failures; exceptions) are appended to
LOAD_TRAPPA["ut"] (JSON). The ramp stops after the first step with p95 above the limit or any error, or at `max`.
"""

import itertools
import json
import os
import random
import re
import time
from datetime import date, timedelta

from klient import AVSLAG, CASE_ID, Avvikelse, Webblasare, falt, lankar
from locust import LoadTestShape, between, task
from locust.exception import StopUser
from pnr import samordningsnummer

DATA = json.loads(open(os.environ["LOAD_USERS"], encoding="utf-8").read())  # noqa: SIM115
TRAPPA = json.loads(os.environ.get("LOAD_TRAPPA") or "{}")
PNR_NR = itertools.count(DATA["pnr_start"])  # bench/load/pnr.py: past every one already in the database
NASTA = {roll: itertools.count() for roll in ("vardlots", "koordinator", "mottagare", "patient")}
# Think time × this: 1 for the figure; smaller only to check the whole mix quickly (run.py --tanke-skala).
SKALA = float(os.environ.get("LOAD_TANKE_SKALA") or 1)


def nasta_person(roll: str) -> dict:
    nr = next(NASTA[roll])
    personer = DATA[roll]
    if nr >= len(personer):
        raise StopUser(f"bara {len(personer)} olika {roll} förberedda")  # run.py prepares enough for --max
    return personer[nr]


class Vardlots(Webblasare):
    """A navigator: region-wide pages and their own cases, driven step by step through the journey."""

    weight = 2
    wait_time = between(5 * SKALA, 20 * SKALA)
    roll = "vardlots"

    def on_start(self):
        self.person = nasta_person(self.roll)
        self.rnd = random.Random(self.person["hsa_id"])
        self.resa: dict | None = None  # the own case being driven: {"id", "steg", "erbjud"}
        super().on_start()

    def sok_url(self) -> str:
        p = self.person
        kva = self.rnd.choice(p["kva"])
        filter_ = self.rnd.choice(["", "&med_avtal=on", "&asa=3&narkos=on&med_avtal=on", "&max_avstand=500"])
        return f"/katalog/sok/?q={kva}&kva={kva}&patientregion={p['region']}{filter_}"

    @task(3)
    def startsida(self):
        self.hamta("/", "GET startsida")

    @task(2)
    def sok(self):
        self.hamta(self.sok_url(), "GET sök vårdgivare")

    @task(2)
    def sok_htmx(self):
        self.hamta(self.sok_url(), "GET sök vårdgivare (HTMX-filter)", htmx_mal="sokresultat")

    @task(2)
    def enhet(self):
        self.hamta(f"/katalog/enheter/{self.rnd.choice(self.person['enheter'])}/", "GET enhetssida")

    @task(1)
    def lagesbild(self):
        kva = self.rnd.choice(self.person["kva"])
        self.hamta(f"/lagesbild/?kva={kva}&period=90&niva=enhet", "GET lägesbild tabell")

    @task(1)
    def lagesbild_htmx(self):
        kva = self.rnd.choice(self.person["kva"])
        url = f"/lagesbild/?kva={kva}&period=365&niva=region&sort=median"
        self.hamta(url, "GET lägesbild tabell (HTMX-filter)", htmx_mal="resultat")

    @task(1)
    def lagesbild_enhet(self):
        self.hamta(f"/lagesbild/enheter/{self.rnd.choice(self.person['enheter'])}/", "GET lägesbild enhetsvy")

    @task(3)
    def arbetslista(self):
        self.hamta(self.rnd.choice(["/arenden/", "/arenden/?flik=alla"]), "GET arbetslista")

    @task(2)
    def arbetslista_htmx(self):
        url = self.rnd.choice(["/arenden/?flik=alla&forsenade=1", "/arenden/?flik=alla&steg=2"])
        self.hamta(url, "GET arbetslista (HTMX-filter)", htmx_mal="resultat")

    @task(3)
    def arende(self):
        self.hamta(f"/arenden/{self.rnd.choice(self.person['arenden'])}/", "GET ärendesida")

    @task(1)
    def anteckning(self):
        url = f"/arenden/{self.rnd.choice(self.person['arenden'])}/"
        sida = self.hamta(url, "GET ärendesida")
        if sida:
            data = {
                "csrfmiddlewaretoken": self.token(sida, url),
                "anteckning-typ": "kontakt",
                "anteckning-text": "Lasttest: ringde patienten, väntar på besked.",
            }
            self.skicka(f"{url}anteckningar/", "POST anteckning (HTMX)", data, forvantat=200, htmx_mal="arende")

    # -- the journey: one step per action ----------------------------------------------------------------------

    @task(5)
    def driv_arende(self):
        if self.resa is None:
            self.registrera()
        else:
            getattr(self, f"steg_{self.resa['steg']}")()

    def registrera(self):
        sida = self.hamta("/arenden/nytt/", "GET nytt ärende")
        if not sida:
            return
        p = self.person
        data = {
            "csrfmiddlewaretoken": self.token(sida, "formuläret för nytt ärende"),
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
            return
        plats = r.headers.get("Location") or r.headers.get("location") or ""
        m = CASE_ID.search(plats)
        if not m:
            raise Avvikelse(f"registreringen skickade vidare till {plats!r}, inte till ärendet")
        self.hamta(plats, "GET ärendesida")  # the browser follows the redirect to the new case
        self.resa = {"id": m.group(1), "steg": "bedom"}

    def arendesida(self) -> tuple[str, str]:
        url = f"/arenden/{self.resa['id']}/"
        return url, self.hamta(url, "GET ärendesida")

    def atgard(self, namn: str, falt_: dict, rubrik: str, *, htmx: bool = False, avslag=None):
        """The case page, then the step action `namn` posted with the page's version (and `falt_`)."""
        url, sida = self.arendesida()
        if not sida:
            return None
        version = falt(sida, f"{namn}-version")
        if version is None:
            raise Avvikelse(f"{self.resa['id']} visar inget formulär för {namn}")
        data = {"csrfmiddlewaretoken": self.token(sida, url), f"{namn}-version": version}
        data |= {k: (v(sida) if callable(v) else v) for k, v in falt_.items()}
        return self.skicka(
            f"{url}atgard/{namn}/",
            rubrik,
            data,
            forvantat=200 if htmx else 302,
            htmx_mal="arende" if htmx else None,
            avslag=avslag,
        )

    def steg_bedom(self):
        falt_ = {"bedom-lamplig": "ja", "bedom-motivering": "Lasttest: lämplig"}
        if self.atgard("bedom", falt_, "POST åtgärd bedöm (HTMX)", htmx=True) is not None:
            self.resa["steg"] = "sok"

    def steg_sok(self):
        """Hitta vårdgivare from the case page's link (the case's KVÅ group, region and guarantee date)."""
        _url, sida = self.arendesida()
        sok = lankar(sida, r"^/katalog/sok/\?")
        if not sida:
            return
        if not sok:
            raise Avvikelse(f"{self.resa['id']} saknar länken till Hitta vårdgivare")
        traffar = self.hamta(sok[0], "GET sök vårdgivare (från ärendet)")
        erbjud = [h for h in lankar(traffar, r"/erbjudanden/nytt/\?vardenhet=") if not h.endswith("rad=")]
        if traffar and not erbjud:
            self.resa = None  # no provider with an agreement line for this case: the navigator goes on elsewhere
            return
        if erbjud:
            self.resa |= {"steg": "erbjud", "erbjud": erbjud[0]}

    def steg_erbjud(self):
        url = self.resa["erbjud"]
        sida = self.hamta(url, "GET nytt erbjudande")
        if not sida:
            return
        params = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
        data = {
            "csrfmiddlewaretoken": self.token(sida, "erbjudandeformuläret"),
            "version": falt(sida, "version") or "",
            "vardenhet": params["vardenhet"],
            "avtalsrad": params["rad"],
            "erbjudet_via": "telefon",
            "svarsfrist": (date.today() + timedelta(days=14)).isoformat(),  # noqa: DTZ011
        }
        if self.skicka(url.split("?", 1)[0], "POST lämna erbjudande", data, forvantat=302) is not None:
            self.resa["steg"] = "svar"

    def steg_svar(self):
        falt_ = {"svar-svar": "ja", "erbjudande": lambda sida: falt(sida, "erbjudande") or ""}
        # Navigators offer the top-ranked unit, so several can offer the same line's last unit of volume: the first
        # yes reserves it and the portal refuses the later ones with 422 and the cap's message (avtal.services
        # TAKVOLYM_NADD), as it must. The navigator then leaves that case (a real one would offer another unit).
        r = self.atgard("svar", falt_, "POST åtgärd svar ja", avslag=(422, "Takvolymen är nådd", "takvolym nådd"))
        if r is AVSLAG:
            self.resa = None
        elif r is not None:
            self.resa["steg"] = "overfor"

    def steg_overfor(self):
        if self.atgard("overfor", {"overfor-dokument": "remiss"}, "POST åtgärd överför remiss") is not None:
            self.resa = None


class Koordinator(Vardlots):
    """A coordinator: the navigator's work plus the follow-up statistics and the access-log review."""

    weight = 1
    roll = "koordinator"

    @task(1)
    def uppfoljning(self):
        self.hamta("/uppfoljning/", "GET uppföljning")

    @task(1)
    def loggkontroll(self):
        self.hamta("/arenden/logg/", "GET loggkontroll")


class Mottagare(Webblasare):
    """A receiving unit's staff member: the unit's cases, confirming referrals sent to it."""

    weight = 3
    wait_time = between(30 * SKALA, 60 * SKALA)

    def on_start(self):
        self.person = nasta_person("mottagare")
        self.rnd = random.Random(self.person["hsa_id"])
        super().on_start()

    def min_andel(self, case_id: str) -> bool:
        """Each staff member of a unit takes the referrals whose serial number falls to them."""
        return int(case_id.split("-")[3]) % self.person["antal"] == self.person["index"]

    @task(3)
    def arbetslista(self):
        self.hamta("/arenden/", "GET arbetslista (enhet)")

    @task(2)
    def arende(self):
        if self.person["arenden"]:
            self.hamta(f"/arenden/{self.rnd.choice(self.person['arenden'])}/", "GET ärendesida (enhet)")

    @task(3)
    def bekrafta(self):
        lista = self.hamta("/arenden/?status=remiss_skickad", "GET arbetslista (enhet, remiss skickad)")
        mina = [c for c in dict.fromkeys(CASE_ID.findall(lista)) if self.min_andel(c)]
        if not mina:
            return
        url = f"/arenden/{self.rnd.choice(mina)}/"
        sida = self.hamta(url, "GET ärendesida (enhet)")
        version = falt(sida, "bekrafta-version") if sida else None
        if version is None:
            return  # confirmed meanwhile by the page's other tab: nothing to do
        data = {
            "csrfmiddlewaretoken": self.token(sida, url),
            "bekrafta-version": version,
            "bekrafta-planerat_datum": (date.today() + timedelta(days=21)).isoformat(),  # noqa: DTZ011
        }
        self.skicka(f"{url}atgard/bekrafta/", "POST åtgärd bekräfta remiss", data, forvantat=302)

    @task(1)
    def lagesbild_enhet(self):
        self.hamta(f"/lagesbild/enheter/{self.person['enhet']}/", "GET lägesbild enhetsvy (egen enhet)")

    @task(1)
    def kapacitet(self):
        self.hamta("/katalog/kapacitet/", "GET kapacitetsannonser")


class Patient(Webblasare):
    """A patient with an open case: the start page, the case page, and once an answer to the open offers.

    Weight 1 of 7 (about 57 of 400 users). Estimate: seed_scale 1 holds about 20,000 open cases; if a waiting
    patient opens the portal every other day for about three minutes (6–10 pages at 10–30 s) over a 10-hour day,
    20,000 × 0.5 × 3 / 600 ≈ 50 patients are on at once beside a few hundred staff – and more on the days the
    offers go out, so one in seven rather than one in eight."""

    weight = 1
    wait_time = between(10 * SKALA, 30 * SKALA)

    def on_start(self):
        self.person = nasta_person("patient")
        self.rnd = random.Random(self.person["nyckel"])
        self.svarat = not self.person["erbjudande"]  # only a case with an open offer can be answered
        super().on_start()

    def logga_in(self) -> None:
        """The patient stub's form: GET (CSRF), POST the patient's key (never the number), then the start page."""
        sida = self.hamta("/patient/logga-in/", "GET patient logga in")
        if not sida:
            return
        data = {"csrfmiddlewaretoken": self.token(sida, "patientinloggningen"), "patient": self.person["nyckel"]}
        if self.skicka("/patient/logga-in/", "POST patient logga in", data, forvantat=302) is not None:
            self.hamta("/patient/", "GET patient startsida")

    def arendesida(self, case_id: str | None = None) -> tuple[str, str]:
        url = f"/patient/arenden/{case_id or self.rnd.choice(self.person['arenden'])}/"
        return url, self.hamta(url, "GET patient ärendesida")

    @task(3)
    def startsida(self):  # not `start`: locust's User.start() spawns the user
        self.hamta("/patient/", "GET patient startsida")

    @task(4)
    def arende(self):
        self.arendesida()

    @task(1)
    def svara(self):
        """Yes to one offer (three in four) or no to all, from the case page's forms; once per patient."""
        if self.svarat:
            return
        url, sida = self.arendesida(self.person["erbjudande"])
        if not sida:
            return
        erbjudanden = re.findall(r'name="erbjudande" value="(\d+)"', sida)
        if not erbjudanden:
            raise Avvikelse(f"{url} visar inget öppet erbjudande")
        data = {"csrfmiddlewaretoken": self.token(sida, url), "version": falt(sida, "version") or ""}
        if self.rnd.random() < 0.75:
            data["erbjudande"] = self.rnd.choice(erbjudanden)
            namn = "POST patient svar ja"
        else:
            data |= {"svar": "nej", "avbojt_orsak": ""}
            namn = "POST patient svar nej"
        if self.skicka(f"{url}svar/", namn, data, forvantat=302) is not None:
            self.svarat = True
            self.hamta(url, "GET patient ärendesida")  # the browser follows the redirect to the case


def _siffror(entry) -> dict:
    return {
        "antal": entry.num_requests,
        "fel": entry.num_failures,
        "p50": entry.get_response_time_percentile(0.5) or 0,
        "p95": entry.get_response_time_percentile(0.95) or 0,
        "rps": entry.num_requests / max(time.time() - entry.start_time, 1e-9),
    }


class Trappa(LoadTestShape):
    """Steps of users until p95 passes the limit or an error appears (module docstring)."""

    start = int(TRAPPA.get("start", 50))
    steg = int(TRAPPA.get("steg", 50))
    maximum = int(TRAPPA.get("max", 1000))
    steg_tid = float(TRAPPA.get("steg_tid", 120))
    uppvarmning = float(TRAPPA.get("uppvarmning", 30))
    grans = float(TRAPPA.get("p95_grans", 300))
    ut = TRAPPA.get("ut", "")

    def __init__(self):
        super().__init__()
        self.nr = -1
        self.matstart: float | None = None
        self.undantag0 = 0
        self.resultat: list[dict] = []
        self.stopp = False

    def anvandare(self, nr: int) -> int:
        return self.start + nr * self.steg

    def undantag(self) -> int:
        return sum(e["count"] for e in self.runner.exceptions.values())

    def avsluta_steg(self) -> None:
        stats = self.runner.stats
        if self.matstart is None:
            self.stopp = True  # the step never reached its measured part
            return
        total = _siffror(stats.total)
        total["rps"] = stats.total.num_requests / max(time.time() - self.matstart, 1e-9)
        sidor = {e.name: _siffror(e) for e in stats.entries.values() if e.num_requests}
        fel = total["fel"] + self.undantag() - self.undantag0
        self.resultat.append(
            {
                "anvandare": self.anvandare(self.nr),
                "faktiska_anvandare": self.runner.user_count,
                "matstart": self.matstart,
                "slut": time.time(),
                "total": total,
                "fel": fel,
                "sidor": sidor,
                "felmeddelanden": [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in stats.errors.values()]
                + [f"{e['msg']} ×{e['count']}" for e in self.runner.exceptions.values()][:20],
            }
        )
        if self.ut:
            with open(self.ut, "w", encoding="utf-8") as f:
                json.dump(self.resultat, f, ensure_ascii=False, indent=1)
        if fel or total["p95"] > self.grans:
            self.stopp = True

    def tick(self):
        t = self.get_run_time()
        nr = int(t // self.steg_tid)
        if nr != self.nr:
            if self.nr >= 0:
                self.avsluta_steg()
            self.nr, self.matstart = nr, None
        if self.stopp or self.anvandare(nr) > self.maximum:
            return None
        if self.matstart is None and t - nr * self.steg_tid >= self.uppvarmning:
            self.runner.stats.reset_all()
            self.undantag0 = self.undantag()
            self.matstart = time.time()
        return self.anvandare(nr), max(self.steg / 5, 1)
