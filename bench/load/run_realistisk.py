"""The realistic load profile (issue 21 point 1): `bench/load/run.py --profil realistisk` (make load-test
LOAD_ARGS="--profil realistisk") runs bench/load/realistisk.py – navigators, coordinators, receiving-unit staff and
patients with the think time of real work – in steps of users against gunicorn, and writes its section of
bench/load/RESULTS.md: the largest number of concurrent users served with p95 < the limit (300 ms) and 0 errors,
per-page p50/p95 at that step, and the CPU shares of web (the gunicorn processes), database (the PostgreSQL
server's processes, backends that have ended included) and load generator (locust), sampled from /proc every second.

    .venv/bin/python bench/load/run.py --profil realistisk [--start 50] [--steg 50] [--max 1000]
        [--steg-tid 120s] [--uppvarmning 30s] [--p95-grans 300] [--scale 1]
    make load-test LOAD_ARGS="--profil realistisk --scale 0.1 --start 10 --steg 10 --max 20 --steg-tid 20s
        --uppvarmning 5s"                                              # a smoke run: two steps of 10 users

Everything it starts it stops again; the ramp is bounded (steps × step time, plus a hard timeout).
"""

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import run as lasttest

HERE = Path(__file__).resolve().parent
ROLLER = {"vardlots": 2, "koordinator": 1, "mottagare": 3, "patient": 1}  # the User classes' weights (realistisk.py)
KLOCKA = os.sysconf("SC_CLK_TCK")


# -- CPU shares from /proc ----------------------------------------------------------------------------------------


class Process(NamedTuple):
    grupp: int  # process group
    foralder: int  # parent pid
    namn: str  # comm
    egen: float  # CPU seconds of the process itself
    barn: float  # CPU seconds of its children that have exited and been waited for (cutime + cstime)


def _processer() -> dict[int, Process]:
    """pid → its process group, parent, name and CPU seconds, for every process that can be read."""
    ut = {}
    for namn in os.listdir("/proc"):
        if not namn.isdigit():
            continue
        try:
            with open(f"/proc/{namn}/stat", encoding="ascii", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        kommando = text[text.index("(") + 1 : text.rindex(")")]
        falt = text.rsplit(")", 1)[1].split()
        ut[int(namn)] = Process(
            int(falt[2]),
            int(falt[1]),
            kommando,
            (int(falt[11]) + int(falt[12])) / KLOCKA,
            (int(falt[13]) + int(falt[14])) / KLOCKA,
        )
    return ut


def _grupp_cpu(per: dict[int, Process], ledare: int | None, medlem) -> float:
    """CPU seconds used so far by a leader and its processes, those that have exited included: a process that ends
    (a database backend after its request, a recycled gunicorn worker) moves its time into its parent's waited-for
    children's time, so the sum does not drop when it goes. `medlem(pid, process)` says who belongs."""
    if ledare is None or ledare not in per:
        return 0.0
    return (
        per[ledare].egen + per[ledare].barn + sum(p.egen for pid, p in per.items() if pid != ledare and medlem(pid, p))
    )


def _postmaster(per: dict[int, Process]) -> int | None:
    """The PostgreSQL server's main process: a "postgres" whose parent is not one."""
    for pid, p in per.items():
        if p.namn == "postgres" and (p.foralder not in per or per[p.foralder].namn != "postgres"):
            return pid
    return None


def _cpu_totalt() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine (/proc/stat)."""
    with open("/proc/stat", encoding="ascii") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / KLOCKA, sum(v[:8]) / KLOCKA


class Provtagare(threading.Thread):
    """Samples every second the CPU seconds of web (gunicorn's master and workers), database (the PostgreSQL server:
    its main process and every backend and helper process), generator (locust's process group) and the whole
    machine. Processes that exit between two samples are counted through their parent (`_grupp_cpu`): the
    database's backends live one request each (no persistent connections), so sampling them by pid alone, as an
    earlier version did, missed nearly all of the database's time."""

    def __init__(self, db_url: str, gunicorn_pgid: int):
        super().__init__(daemon=True)
        self.db_url = db_url
        self.gunicorn = gunicorn_pgid
        self.locust: int | None = None
        self.prov: list[dict] = []
        self.stopp = threading.Event()

    def prov_nu(self) -> dict:
        per = _processer()
        postmaster = _postmaster(per)
        busy, total = _cpu_totalt()
        locust = self.locust
        return {
            "t": time.time(),
            "webb": _grupp_cpu(per, self.gunicorn, lambda pid, p: p.grupp == self.gunicorn),
            "databas": _grupp_cpu(per, postmaster, lambda pid, p: p.foralder == postmaster),
            "generator": _grupp_cpu(per, locust, lambda pid, p: p.grupp == locust),
            "upptagen": busy,
            "total": total,
        }

    def run(self) -> None:
        while not self.stopp.is_set():
            self.prov.append(self.prov_nu())
            self.stopp.wait(1.0)

    def andelar(self, fran: float, till: float) -> dict[str, float] | None:
        """Shares of the machine's CPU capacity (all cores) between the times `fran` and `till`."""
        inom = [p for p in self.prov if fran <= p["t"] <= till]
        if len(inom) < 2:
            return None
        a, b = inom[0], inom[-1]
        kapacitet = b["total"] - a["total"]
        if kapacitet <= 0:
            return None
        andel = {k: max(b[k] - a[k], 0) / kapacitet for k in ("webb", "databas", "generator", "upptagen")}
        andel["ovrigt"] = max(andel["upptagen"] - andel["webb"] - andel["databas"] - andel["generator"], 0)
        return andel


# -- data: one person per simulated user, per role ----------------------------------------------------------------


def forbered(a, tmp: Path) -> tuple[Path, dict]:
    """The navigators (run.py's preparation), extra coordinators, and receiving-unit staff at seed_scale's
    receiving units (several per unit, each with its share of the unit's referrals)."""
    behov = {r: math.ceil(a.max * w / sum(ROLLER.values())) + 5 for r, w in ROLLER.items()}
    a.users = behov["vardlots"] + behov["koordinator"]  # seed_scale's people first, region by region
    fil, data = lasttest.forbered_data(a, tmp)
    lotsar = json.loads(fil.read_text(encoding="utf-8"))

    from arenden.models import OPPNA, Arende
    from scale import MARKOR
    from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

    per_roll = {r: [p for p in lotsar["personer"] if p["roll"] == r] for r in (Roll.VARDLOTS, Roll.KOORDINATOR)}
    regioner = {r.kod: r for r in Region.objects.all()}
    mall = list({p["region"]: p for p in lotsar["personer"]}.values())  # one person's work per region
    for roll, markor in ((Roll.VARDLOTS, "LV"), (Roll.KOORDINATOR, "LK")):
        i = 0
        while len(per_roll[roll]) < behov[roll]:  # more than seed_scale made (2 navigators, 1 coordinator/region)
            p = mall[i % len(mall)]
            region = regioner[p["region"]]
            user, _ = User.objects.get_or_create(
                hsa_id=f"SE{region.orgnr.replace('-', '')}-{MARKOR}{markor}{i:03d}",
                defaults={"namn": f"Lasttest {roll.label.lower()} {i} {region.kod}"},
            )
            Medarbetaruppdrag.objects.get_or_create(user=user, roll=roll, region=region, vardenhet=None)
            if all(q["hsa_id"] != user.hsa_id for q in per_roll[roll]):
                per_roll[roll].append({**p, "hsa_id": user.hsa_id, "roll": roll})
            i += 1
    vardlotsar, koordinatorer = per_roll[Roll.VARDLOTS], per_roll[Roll.KOORDINATOR]

    mottagaruppdrag = list(
        Medarbetaruppdrag.objects.filter(roll=Roll.MOTTAGARE, user__hsa_id__contains=f"-{MARKOR}", user__is_active=True)
        .select_related("user", "vardenhet", "region")
        .order_by("vardenhet_id", "user__hsa_id")
    )
    enheter = list(dict.fromkeys(u.vardenhet for u in mottagaruppdrag if u.vardenhet_id))
    if not enheter:
        raise SystemExit("seed_scale har inga mottagande enheter med användare; kör seed_scale först.")
    personal: dict[int, list[str]] = {}
    for u in mottagaruppdrag:
        personal.setdefault(u.vardenhet_id, []).append(u.user.hsa_id)
    i = 0
    while sum(map(len, personal.values())) < behov["mottagare"]:  # more staff: round the units
        enhet = enheter[i % len(enheter)]
        user, _ = User.objects.get_or_create(
            hsa_id=f"{enhet.hsa_id.split('-')[0]}-{MARKOR}LM{i:04d}",
            defaults={"namn": f"Lasttest mottagare {i}"},
        )
        Medarbetaruppdrag.objects.get_or_create(user=user, roll=Roll.MOTTAGARE, region=enhet.region, vardenhet=enhet)
        if user.hsa_id not in personal.setdefault(enhet.pk, []):
            personal[enhet.pk].append(user.hsa_id)
        i += 1
    mottagare = []
    for varv in range(max(map(len, personal.values()))):  # unit by unit: the first of every unit, then the second …
        for enhet in enheter:
            staff = personal.get(enhet.pk, [])
            if varv < len(staff):
                arenden = list(
                    Arende.objects.filter(mottagande_enhet=enhet, status__in=OPPNA)
                    .order_by("pk")
                    .values_list("case_id", flat=True)[:40]
                )
                mottagare.append(
                    {
                        "hsa_id": staff[varv],
                        "enhet": enhet.hsa_id,
                        "index": varv,
                        "antal": len(staff),
                        "arenden": arenden,
                    }
                )
    patienter = forbered_patienter(behov["patient"])
    from django.db import connections

    connections.close_all()
    ut = {
        "vardlots": vardlotsar,
        "koordinator": koordinatorer,
        "mottagare": mottagare,
        "patient": patienter,
        "pnr_start": lotsar["pnr_start"],
    }
    fil.write_text(json.dumps(ut), encoding="utf-8")
    data["roller"] = {r: len(ut[r]) for r in ROLLER}
    data["patienter_med_erbjudande"] = sum(bool(p["erbjudande"]) for p in patienter)
    data["mottagande_enheter"] = len(enheter)
    return fil, data


def forbered_patienter(antal: int) -> list[dict]:
    """`antal` of seed_scale's bulk patients with an open case, those with an open offer first: each signs in with
    the patient stub's key `skala-<nr>` (patient/inloggning.py). Which number a case belongs to is found the way the
    portal finds it: the region's keyed hash of `skalnummer(nr)` against the case's, region by region."""
    from django.db.models import Exists, OuterRef

    from arenden.models import OPPNA, Arende, Erbjudande, Status
    from arenden.services.identitet import pnr_hashar
    from vardformedling.personnummer import skalnummer

    oppet = Erbjudande.objects.filter(
        arende=OuterRef("pk"), arende__status=Status.HITTA_VARDGIVARE, status=Erbjudande.Status.LAMNAT
    )  # what the patient's case page offers an answer to (arenden/patient.py oppna_erbjudanden)
    per_region: dict[str, dict[str, list[tuple[str, bool]]]] = {}
    for region, h, case_id, erbjudet in (
        Arende.objects.filter(status__in=OPPNA)
        .exclude(pnr_hash="")
        .annotate(erbjudet=Exists(oppet))
        .values_list("region_id", "pnr_hash", "case_id", "erbjudet")
    ):
        per_region.setdefault(region, {}).setdefault(h, []).append((case_id, erbjudet))
    nummer = [skalnummer(nr) for nr in range(Arende.objects.count())]  # the bulk numbers nr 0, 1, 2, …
    patienter: dict[int, dict] = {}
    for region in sorted(per_region):
        for nr, h in enumerate(pnr_hashar(region, nummer)):
            for case_id, erbjudet in per_region[region].get(h, []):
                p = patienter.setdefault(nr, {"nyckel": f"skala-{nr}", "arenden": [], "erbjudande": None})
                p["arenden"].append(case_id)
                if erbjudet:
                    p["erbjudande"] = case_id  # the case whose open offers the patient answers
        if sum(bool(p["erbjudande"]) for p in patienter.values()) >= antal:
            break
    valda = sorted(patienter.values(), key=lambda p: (p["erbjudande"] is None, int(p["nyckel"].split("-")[1])))[:antal]
    if len(valda) < antal:
        raise SystemExit(f"seed_scale har bara {len(valda)} patienter med öppna ärenden (behövs {antal}).")
    return valda


# -- the run ------------------------------------------------------------------------------------------------------


def kor_trappan(a, port: int, anvandare: Path, tmp: Path, provtagare: Provtagare) -> tuple[list[dict], dict]:
    steg_tid = lasttest.sekunder(a.steg_tid)
    antal_steg = (a.max - a.start) // a.steg + 1
    trappa = {
        "start": a.start,
        "steg": a.steg,
        "max": a.max,
        "steg_tid": steg_tid,
        "uppvarmning": lasttest.sekunder(a.uppvarmning),
        "p95_grans": a.p95_grans,
        "ut": str(tmp / "steg.json"),
    }
    env = {
        **os.environ,
        "LOAD_USERS": str(anvandare),
        "LOAD_TRAPPA": json.dumps(trappa),
        "LOAD_TANKE_SKALA": str(a.tanke_skala),
    }
    cmd = [
        str(lasttest.VENV_BIN / "locust"), "-f", str(HERE / "realistisk.py"), "--headless",
        "--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
    ]  # fmt: skip
    print(f"locust realistisk: {a.start} användare, +{a.steg} per steg à {a.steg_tid}, högst {a.max} …", flush=True)
    proc = subprocess.Popen(cmd, cwd=HERE, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True)
    provtagare.locust = proc.pid
    try:
        _, logg = proc.communicate(timeout=antal_steg * steg_tid + 180)
    except subprocess.TimeoutExpired:
        lasttest.stoppa(proc)
        raise SystemExit("locust (realistisk) blev inte klar i tid") from None
    fil = Path(trappa["ut"])
    steg = json.loads(fil.read_text(encoding="utf-8")) if fil.exists() else []
    return steg, {"kod": proc.returncode, "logg": (logg or "")[-4000:]}


def procent(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def main(a) -> int:
    if not a.db.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"Lasttestet körs mot PostgreSQL; --db är {a.db!r}.")
    import locust

    with tempfile.TemporaryDirectory(prefix="vf-last-real-") as tmp_namn:
        tmp = Path(tmp_namn)
        t0 = time.perf_counter()
        anvandare, data = forbered(a, tmp)
        print(f"Data klara på {time.perf_counter() - t0:.0f} s: {data}", flush=True)
        lasttest.forvarm(a.db)
        port = lasttest.ledig_port()
        last_fore = os.getloadavg()
        proc = lasttest.starta_gunicorn(a, port)
        provtagare = Provtagare(a.db, proc.pid)
        provtagare.start()
        try:
            steg, kor = kor_trappan(a, port, anvandare, tmp, provtagare)
        finally:
            provtagare.stopp.set()
            lasttest.stoppa(proc)
            provtagare.join(timeout=10)
        last_efter = os.getloadavg()

    for s in steg:
        s["cpu"] = provtagare.andelar(s["matstart"], s["slut"])
    godkanda = [s for s in steg if s["fel"] == 0 and s["total"]["p95"] < a.p95_grans]
    # The served figure: the largest step before the first one that failed (a later step cannot count).
    basta = None
    for s in steg:
        if s not in godkanda:
            break
        basta = s
    nproc = os.cpu_count()
    rok = a.scale < 1 or lasttest.sekunder(a.steg_tid) < 60
    text = [
        "## Realistic profile (users served)",
        "",
        *(
            [f"**Smoke run** (seed_scale {a.scale}, steps of {a.steg_tid}): not the figure to quote.", ""]
            if rok
            else []
        ),
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()}, {nproc} cores, Python "
        f"{platform.python_version()}, locust {locust.__version__}. Load average (1 min) before/after: "
        f"{last_fore[0]:.2f}/{last_efter[0]:.2f}.",
        "",
        f"Settings as the saturation profile (gunicorn {a.workers} sync workers, DEBUG off, PostgreSQL "
        f"`{a.db.rsplit('/', 1)[-1]}` with {data['enheter']:,} active units and {data['arenden']:,} cases, Redis, "
        f"database sessions, SITHS login stub; generator, server, PostgreSQL and Redis on the same {nproc} cores). "
        f"Users by role (locust weights 2:1:3:1): navigators act every 5–20 s, coordinators every 5–20 s, "
        f"receiving-unit staff every 30–60 s, patients open a page every 10–30 s. Navigators and "
        f"coordinators use search (page and HTMX filter), unit pages, lägesbild (table, HTMX filter, unit view), "
        f"worklists, case pages and notes, and drive their own cases through register → assess → search from the "
        f"case → offer → the patient's yes → transfer, one step per action; coordinators also open follow-up and "
        f"the access-log review; receiving-unit staff ({data['mottagande_enheter']} units) open their worklist and "
        f"cases, confirm the referrals sent to them, their unit's lägesbild view and capacity announcements; "
        f"patients (seed_scale's bulk patients with an open case, {data['patienter_med_erbjudande']} of "
        f"{data['roller']['patient']} with an open offer; the patient stub) open their start page and case page "
        f"('Var är jag?', the offers) and answer an open offer once (yes to one, or no to all). "
        f"The database is read into the OS page cache right before the run (pg_prewarm; this VM's host evicts idle "
        f"page cache within minutes). A patient's yes refused because another case took the agreement line's last "
        f"unit of volume in between (422 "
        f"with the cap's message, as the portal must answer) is counted under its own name, not as an error. "
        f"Ramp: {a.start} users, +{a.steg} per step of {a.steg_tid} (the first {a.uppvarmning} of each step, "
        f"while new users sign in, not measured), until p95 ≥ {a.p95_grans:g} ms or an error, at most {a.max}. "
        f"CPU shares are of all {nproc} cores, from /proc: web = the gunicorn processes, DB = the PostgreSQL "
        f"server's processes (backends that ended between samples included, through the server's reaped "
        f"children), generator = locust, other = everything else busy on the machine.",
        "",
        "| users | req/s | p50 ms | p95 ms | errors | CPU web | CPU DB | CPU generator | CPU other |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in steg:
        c = s["cpu"] or {}
        text.append(
            f"| {s['anvandare']} | {s['total']['rps']:.1f} | {s['total']['p50']:.0f} | {s['total']['p95']:.0f} "
            f"| {s['fel']} | {procent(c.get('webb'))} | {procent(c.get('databas'))} | {procent(c.get('generator'))} "
            f"| {procent(c.get('ovrigt'))} |"
        )
    text.append("")
    if a.tanke_skala != 1:
        text += [f"**Think time scaled by {a.tanke_skala:g}** (a check of the mix, not a users-served figure).", ""]
    if basta:
        text.append(
            f"**Largest number of concurrent users served with p95 < {a.p95_grans:g} ms and 0 errors: "
            f"{basta['anvandare']}** ({basta['total']['rps']:.1f} req/s, p95 {basta['total']['p95']:.0f} ms)."
            + (" The ramp reached its maximum without passing the limit." if basta is steg[-1] else "")
        )
        text += ["", f"Per page at {basta['anvandare']} users:", "", "| request | count | p50 ms | p95 ms |"]
        text.append("|---|---:|---:|---:|")
        for namn, v in sorted(basta["sidor"].items()):
            text.append(f"| {namn} | {v['antal']} | {v['p50']:.0f} | {v['p95']:.0f} |")
    else:
        text.append(f"**No step had p95 < {a.p95_grans:g} ms and 0 errors.**")
        if steg:
            text += ["", f"Per page at {steg[0]['anvandare']} users:", "", "| request | count | p50 ms | p95 ms |"]
            text.append("|---|---:|---:|---:|")
            for namn, v in sorted(steg[0]["sidor"].items()):
                text.append(f"| {namn} | {v['antal']} | {v['p50']:.0f} | {v['p95']:.0f} |")
    for s in steg:
        for m in s["felmeddelanden"][:10]:
            text.append(f"- at {s['anvandare']} users: {m}")
    if kor["kod"] not in (0, 1):
        text.append(f"- locust exit code {kor['kod']}\n\n```\n{kor['logg']}\n```")
    utskrift = "\n".join(text) + "\n"
    print(utskrift)
    lasttest.skriv_avsnitt(a.resultat, "realistisk", utskrift)
    if not steg:
        print(f"FEL: inga steg mättes (locust kod {kor['kod']}):\n{kor['logg']}", file=sys.stderr)
        return 1
    return 0 if basta and a.tanke_skala == 1 else 1
