"""Runs every benchmark against PostgreSQL and writes bench/RESULTS.md (machine, date, figures, targets met).

    .venv/bin/python bench/run_all.py [--scale 1] [--antal 200] [--avtal-omgangar 5] [--utan-import] [--utan-pkcs11]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/vf_bench; it is seeded with seed_scale --scale N
when it holds no synthetic data (a database seeded at another scale is reused: pass --reseed to rebuild).
The page scenarios (one script each: search, lagesbild_table, lagesbild_unit, worklist, case_page, uppfoljning)
run in this process; the register-import benchmark (bench/lagesbild_import.py, importer vs COPY) and the agreement
upload (bench/avtal_upload.py, upload vs COPY) run as subprocesses on their own databases (<name>_lagesbild,
<name>_avtal), because they replace register deliveries and add agreements; so do the worklist and case page
with the region keys in SoftHSM tokens (bench/identitet_pkcs11.py, <name>_pkcs11, issue 16 point 7). Every
benchmark runs with the same production-like settings: DEBUG off, no query logging.

A scenario that cannot be measured (a page not answering 200, an import failing) is reported as FAILED in
RESULTS.md and on the terminal, the others still run, and the exit code is 1; so it is when a target is missed.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402  (sets the environment before Django loads)

SIDOR = ["search", "lagesbild_table", "lagesbild_unit", "api", "worklist", "case_page", "uppfoljning", "kapacitet"]
SIDOR.append("patient")  # issue 18: the patient's start page


def _bench_modul(namn: str):
    """bench/<namn>.py by its file: `import uppfoljning` would find the app of that name, not the benchmark."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{namn}", HERE / f"{namn}.py")
    modul = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modul)
    return modul


def maskin() -> dict:
    minne = ""
    try:
        for rad in Path("/proc/meminfo").read_text().splitlines():
            if rad.startswith("MemTotal"):
                minne = f"{int(rad.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": _common.cpu_modell(),
        "minne": minne,
        "python": platform.python_version(),
        "last_start": round(os.getloadavg()[0], 2),
    }


def delprocess(skript: str, db_suffix: str, args: list[str]) -> dict:
    """Runs an import benchmark on its own database; returns its output, JSON figures and whether it measured."""
    import dj_database_url

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{cfg['NAME']}_{db_suffix}"
    env = {**os.environ, "DATABASE_URL": url}  # DEBUG=0 etc. from _common, as for the page scenarios
    with tempfile.TemporaryDirectory() as tmp:
        json_fil = Path(tmp) / "resultat.json"
        t = time.perf_counter()
        p = subprocess.run(
            [sys.executable, str(HERE / skript), *args, "--json", str(json_fil)],
            env=env, cwd=HERE.parent, capture_output=True, text=True,
        )  # fmt: skip
        sekunder = time.perf_counter() - t
        siffror = json.loads(json_fil.read_text()) if json_fil.exists() else None
    text = (p.stdout + (p.stderr[-3000:] if p.returncode else "")).strip()
    print(text)
    # Exit 1 with figures = the target was missed; exit 1 without figures = nothing was measured.
    fel = None if p.returncode == 0 or siffror else f"{skript} {' '.join(args)} avslutades med kod {p.returncode}"
    return {"skript": skript, "args": args, "text": text, "siffror": siffror, "fel": fel, "sekunder": sekunder}


def mal_text(uppfyllt) -> str:
    return "–" if uppfyllt is None else ("yes" if uppfyllt else "**NO**")


def skriv_resultat(
    a,
    m: dict,
    resultat: list[dict],
    importer: list[dict],
    avtal: dict | None,
    sekunder: float,
    prognos: dict | None = None,
    *,
    vantelista: dict | None = None,
    pkcs11: dict | None = None,
):
    fel = [r for r in resultat if "fel" in r] + [d for d in [*importer, avtal, vantelista, pkcs11] if d and d["fel"]]
    missade = [r["namn"] for r in resultat if r.get("uppfyllt") is False]
    if prognos and prognos.get("uppfyllt") is False:
        missade.append(prognos["namn"])
    missade += [
        f"registerimport {' '.join(d['args'])}" for d in importer if d["siffror"] and d["siffror"]["uppfyllt"] is False
    ]
    if pkcs11 and pkcs11["siffror"]:
        missade += [r["namn"] for r in pkcs11["siffror"] if r.get("uppfyllt") is False]
    if vantelista and vantelista["siffror"]:
        missade += [f"väntelista {k}" for k, v in vantelista["siffror"].items() if v.get("uppfyllt") is False]
    from django.conf import settings

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if fel:
        status = f"**FAILED: {len(fel)} benchmark(s) could not be measured** (see below); exit code 1."
    elif missade:
        status = f"**Targets missed: {', '.join(missade)}**; exit code 1."
    else:
        status = "All scenarios measured; every target checked here is met."
    rader = [
        "# Benchmark results",
        "",
        status,
        "",
        f"Generated by `bench/run_all.py --scale {a.scale} --antal {a.antal}` on "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z} ({sekunder:.0f} s).",
        f"Machine: {m['nproc']} CPUs (nproc, {m['cpu']}), {m['minne']} memory, Python {m['python']}, PostgreSQL on "
        f"loopback; load average (1 min) {m['last_start']} at start, {os.getloadavg()[0]:.2f} at the end (other "
        f"processes share the machine, so figures are upper bounds).",
        f"Settings for every benchmark: DEBUG off, no query logging (queries counted by an execute wrapper), "
        f"PostgreSQL only, cache `{cache}`. Data: seed_scale --scale {a.scale} "
        f"(national scale is 1; targets are stated for national scale).",
        "",
        "## Pages",
        "",
        "Server time via `django.test.Client` in-process, sequential requests as a synthetic user of seed_scale; "
        'the reference is `/healthz` timed the same way in the same run. "SQL alone": the statements each timed '
        "request ran, replayed by themselves on the same connection after the timed requests (rolled back); "
        '"page / SQL alone" is the page median over that median, i.e. how much of the page is not database time.',
        "",
        "| scenario | requests | median ms | p95 ms | req/s | queries/page (max) | ref. /healthz median / p95 ms "
        "| median / /healthz | SQL alone median ms | page / SQL alone | targets | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in resultat:
        if "fel" in r:
            rader.append(f"| {r['namn']} | – | – | – | – | – | – | – | – | – | – | **FAILED: {r['fel']}** |")
            continue
        rader.append(
            f"| {r['namn']} | {r['antal']} | {r['median_ms']} | {r['p95_ms']} | {r['per_s']} | {r['fragor_max']} "
            f"| {r['referens']['median_ms']} / {r['referens']['p95_ms']} | {r['kvot_ref']:g}× "
            f"| {r['sql_median_ms']} | {r['kvot_sql']:g}× | {r['mal_text']} | {mal_text(r['uppfyllt'])} |"
        )
    rader += [
        "",
        "## Register import vs PostgreSQL COPY (bench/lagesbild_import.py)",
        "",
        "Each delivery is loaded with COPY into a plain table (the reference) and then through the importer, in the "
        "same run; the first delivery creates the units, the later ones replace it. Target (issue #21): importer ≤ 2× "
        "COPY, median over the deliveries (judged from 500,000 rows).",
        "",
    ]
    if importer:
        rader += [
            "| delivery rows | deliveries | importer median / p95 s | importer rows/s | COPY median / p95 s "
            "| COPY rows/s | ratio median / max | target ≤ 2× (median) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for d in importer:
            s = d["siffror"]
            if not s:
                rader.append(f"| {' '.join(d['args'])} | – | – | – | – | – | – | **FAILED: {d['fel']}** |")
                continue
            rader.append(
                f"| {s['rader']:,} | {s['leveranser']} | {s['importor_median_s']} / {s['importor_p95_s']} "
                f"| {s['importor_rader_per_s']:,} | {s['copy_median_s']} / {s['copy_p95_s']} "
                f"| {s['copy_rader_per_s']:,} | {s['kvot_median']}× / {s['kvot_max']}× | {mal_text(s['uppfyllt'])} |"
            )
    rader += ["", "```", "\n\n".join(d["text"] for d in importer) or "(ej körd)", "```", ""]
    rader += [
        "## Agreement upload, 20,000 lines (bench/avtal_upload.py)",
        "",
        "Each round: COPY of the file into a plain table (the reference), a fresh file through validation, plan and "
        "apply (2,000 new agreements), then the same file again (2,000 unchanged). No explicit target (issue #4).",
        "",
    ]
    if avtal and avtal["siffror"]:
        rader += [
            "| upload | rounds | median s | p95 s | lines/s | ratio to COPY (median) |",
            "|---|---|---|---|---|---|",
        ]
        for r in avtal["siffror"]["resultat"]:
            rader.append(
                f"| {r['namn']} | {r['omgangar']} | {r['median_s']} | {r['p95_s']} | {r['rader_per_s']:,} "
                f"| {r['kvot_copy']}× |"
            )
        rader.append(
            f"| reference: PostgreSQL COPY of the same lines | | {avtal['siffror']['copy_median_s']} | | | 1× |"
        )
    elif avtal:
        rader.append(f"**FAILED: {avtal['fel']}**")
    rader += ["", "```", avtal["text"] if avtal else "(ej körd)", "```", ""]
    rader += _pkcs11_markdown(pkcs11)
    rader += _vantelista_markdown(vantelista)
    rader += _bench_modul("prognos").markdown(prognos)
    (HERE / "RESULTS.md").write_text("\n".join(rader), encoding="utf-8")
    return fel, missade


def _pkcs11_markdown(pkcs11: dict | None) -> list[str]:
    """Issue 16 point 7: worklist and case page with the regions' keys in a SoftHSM token (NYCKELTJANST=pkcs11)."""
    rader = [
        "## Worklist and case page with PKCS#11 region keys (bench/identitet_pkcs11.py)",
        "",
        "Its own database (<name>_pkcs11), seeded by seed_scale under SoftHSM tokens (one per region, kept in "
        "VAR_DIR/bench-softhsm-<database>): every identity, unit key and envelope key under the tokens' region keys. "
        "Target (issue 16 point 7): p95 within 20 % of the figures before the issue (worklist 64 ms, case page "
        "60 ms). Reference: /healthz in the same run.",
        "",
    ]
    if pkcs11 and pkcs11["siffror"]:
        rader += [
            "| scenario | requests | median ms | p95 ms | queries/page (max) | ref. /healthz median / p95 ms "
            "| SQL alone median ms | target | met |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in pkcs11["siffror"]:
            rader.append(
                f"| {r['namn']} | {r['antal']} | {r['median_ms']} | {r['p95_ms']} | {r['fragor_max']} "
                f"| {r['referens']['median_ms']} / {r['referens']['p95_ms']} | {r['sql_median_ms']} "
                f"| {r['mal_text']} | {mal_text(r['uppfyllt'])} |"
            )
    elif pkcs11:
        rader.append(f"**FAILED: {pkcs11['fel']}**")
    return [*rader, "", "```", pkcs11["text"] if pkcs11 else "(ej körd)", "```", ""]


def _vantelista_markdown(vantelista: dict | None) -> list[str]:
    """Issue 17's figures: import against COPY, the at-risk page against /healthz, the proposal against greedy and
    against the search scoring pair by pair, all in the same run."""
    rader = [
        "## Waiting lists, at-risk page, bulk proposal (bench/vantelista.py)",
        "",
        "Targets: import of 20,000 rows < 20 s; at-risk page for those patients p95 < 300 ms; proposal for 2,000 "
        "patients over 300 units < 5 s. Same-run references: COPY of the rows, /healthz, greedy one-by-one on the "
        "same input, and the search's pair-by-pair scoring for 100 of the patients.",
        "",
    ]
    s = vantelista["siffror"] if vantelista else None
    if s:
        i, sida, f = s["import"], s["sida"], s["forslag"]
        rader += [
            "| scenario | figure | same-run reference | target | met |",
            "|---|---|---|---|---|",
            f"| import {i['rader']:,} rows | {i['sekunder']} s | COPY {i['copy_sekunder']} s | < 20 s "
            f"| {mal_text(i['uppfyllt'])} |",
            f"| at-risk page | median {sida['median_ms']} ms, p95 {sida['p95_ms']} ms, ≤ {sida['fragor_max']} "
            f"queries | /healthz median {sida['referens']['median_ms']} ms | p95 < 300 ms "
            f"| {mal_text(sida['uppfyllt'])} |",
            f"| proposal {f['patienter']:,} × {f['enheter']} units | {f['sekunder']} s "
            f"({f['ms_per_patient']} ms/patient) | greedy {f['girigt_sekunder']} s; pair-by-pair scoring "
            f"{f['referens_ms_per_patient']} ms/patient | < 5 s | {mal_text(f['uppfyllt'])} |",
            "",
            "| proposal | matched | total expected days | guarantee breakers (last resort) | total cost |",
            "|---|---|---|---|---|",
        ]
        for namn, x in (("min-cost flow", f["flode"]), ("greedy, list order", f["girigt"])):
            rader.append(
                f"| {namn} | {x['matchade']:,} | {x['totala_dagar']:,} | {x['sista_utvag']:,} | {x['kostnad']:,} |"
            )
    elif vantelista:
        rader.append(f"**FAILED: {vantelista['fel']}**")
    return [*rader, "", "```", vantelista["text"] if vantelista else "(ej körd)", "```", ""]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--antal", type=int, default=200)
    p.add_argument("--avtal-omgangar", type=int, default=5, help="omgångar i avtalsuppladdningen")
    p.add_argument("--reseed", action="store_true", help="bygg om syntetiska data (seed_scale --reset)")
    p.add_argument("--utan-import", action="store_true", help="hoppa över import- och uppladdningsmätningarna")
    p.add_argument("--no-migrate", action="store_true", help="kör inte migrate (återanvänd databasen som den är)")
    p.add_argument("--utan-pkcs11", action="store_true", help="hoppa över arbetslista och ärendesida med PKCS#11")
    a = p.parse_args()
    if a.no_migrate:
        os.environ["BENCH_MIGRATE"] = "0"
    m = maskin()
    start = time.perf_counter()
    _common.skapa_databas()
    import django

    django.setup()
    from django.core.management import call_command

    if not a.no_migrate:
        call_command("migrate", verbosity=0)
    if a.reseed:
        call_command("seed_scale", scale=a.scale, reset=True)
    _common.forbered(a.scale)
    resultat = []
    for namn in SIDOR:
        modul = _bench_modul(namn)
        try:
            resultat.extend(modul.main(a.antal, a.scale))
        except (SystemExit, Exception) as exc:  # one failing scenario must not hide the others' figures
            meddelande = getattr(exc, "meddelande", None) or str(exc) or type(exc).__name__
            if not isinstance(exc, SystemExit):
                traceback.print_exc()
            print(f"{namn}: MISSLYCKADES: {meddelande}")
            resultat.append({"namn": f"bench/{namn}.py", "fel": meddelande})
    try:  # the nightly forecast on a sample of the series, and its backtest table
        prognos = _bench_modul("prognos").main(300, a.scale)
    except (SystemExit, Exception) as exc:
        traceback.print_exc()
        prognos = {"namn": "bench/prognos.py", "fel": getattr(exc, "meddelande", None) or str(exc)}
    importer, avtal = [], None
    if not a.utan_import:
        enheter = str(max(60, round(3000 * a.scale)))
        # National scale as the formula (100 KVÅ × every unit) and as "several hundred thousand rows"
        # (each unit reports 10 KVÅ groups): the 2× target must hold for both.
        importer = [
            delprocess("lagesbild_import.py", "lagesbild", ["--kva", kva, "--enheter", enheter])
            for kva in ("100", "10")
        ]
        avtal = delprocess("avtal_upload.py", "avtal", ["--omgangar", str(a.avtal_omgangar)])
    # Issue 17: a waiting list imported, the at-risk page and the bulk proposal against greedy (own database).
    vantelista = delprocess("vantelista.py", "vantelista", [
        "--rader", str(max(2000, round(20000 * a.scale))), "--patienter", str(max(200, round(2000 * a.scale))),
        "--enheter", "300", "--antal", "20",
    ])  # fmt: skip
    # Issue 16 point 7: worklist and case page with the region keys in SoftHSM tokens (own database and tokens).
    pkcs11 = None
    if not a.utan_pkcs11:
        pkcs11 = delprocess("identitet_pkcs11.py", "pkcs11", ["--scale", str(a.scale), "--antal", str(a.antal)])
    fel, missade = skriv_resultat(
        a, m, resultat, importer, avtal, time.perf_counter() - start, prognos, vantelista=vantelista, pkcs11=pkcs11
    )
    (HERE / "results.json").write_text(
        json.dumps(
            {
                "maskin": m,
                "scale": a.scale,
                "resultat": resultat,
                "import": importer,
                "avtal": avtal,
                "prognos": prognos,
                "vantelista": vantelista,
                "pkcs11": pkcs11,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"Skrev {HERE / 'RESULTS.md'}")
    if fel:
        raise SystemExit(f"MISSLYCKADES: {len(fel)} benchmark(s) kunde inte mätas – se {HERE / 'RESULTS.md'}")
    if missade:
        raise SystemExit(f"Målen nåddes inte: {', '.join(missade)} – se {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
