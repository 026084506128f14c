"""Benchmark (issue 16 point 7): the worklist and the case page with identity sealed under PKCS#11 region keys.

    .venv/bin/python bench/identitet_pkcs11.py [--antal 200] [--scale 1] [--reseed] [--json FIL]

Sets up a SoftHSM (Debian's softhsm2) with one token per region and NYCKELTJANST=pkcs11 before Django starts, then
runs bench/worklist.py and bench/case_page.py in this process (their /healthz reference is timed in the same run)
against issue 16's targets: p95 within 20 % of the figures before the issue (worklist 64 ms → < 76.8 ms, case page
60 ms → < 72 ms). Exit code 1 when a target is missed.

The tokens live in BENCH_SOFTHSM_DIR (default VAR_DIR/bench-softhsm-<database>), kept between runs: seed_scale
seals every case's identity, the units' private keys and the referral envelopes' keys through the tokens' region
keys, so the database and its tokens belong together. DATABASE_URL must name a database of its own (bench/run_all.py
uses <name>_pkcs11): it is seeded with seed_scale --scale N when empty, and re-seeded (--reset) when its tokens were
just created or with --reseed; data seeded under other keys (lokal, or lost tokens) cannot be opened.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.softhsm import init_tokens, pin_for, skapa_konfiguration  # noqa: E402

# Issue 16 point 7: within 20 % of the p95 before it (bench/RESULTS.md then: worklist 64 ms, case page 60 ms).
MAL_ARBETSLISTA_MS = 64 * 1.2
MAL_ARENDESIDA_MS = 60 * 1.2


def _token_katalog() -> Path:
    import dj_database_url

    if os.environ.get("BENCH_SOFTHSM_DIR"):
        return Path(os.environ["BENCH_SOFTHSM_DIR"])
    namn = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
    return Path(os.environ.get("VAR_DIR") or ROOT / "var") / f"bench-softhsm-{namn}"


def main() -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--antal", type=int, default=200)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--reseed", action="store_true", help="bygg om syntetiska data under tokenens nycklar")
    p.add_argument("--json", type=Path, help="skriv siffrorna som JSON (bench/run_all.py)")
    args = p.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vf_bench_pkcs11")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")
    tokens = _token_katalog()
    conf = skapa_konfiguration(tokens)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    from vardformedling.reference import read_csv

    regioner = [row["region_kod"] for row in read_csv("regioner.csv")]
    nya_tokens = not any((tokens / "tokens").iterdir())
    if nya_tokens:
        init_tokens(conf, [f"VF-BENCH-{rr}" for rr in regioner])
    os.environ["NYCKELTJANST"] = "pkcs11"
    os.environ.setdefault("PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
    for rr in regioner:
        os.environ[f"PKCS11_TOKEN_{rr}"] = f"VF-BENCH-{rr}"
        os.environ[f"PKCS11_PIN_{rr}"] = pin_for(f"VF-BENCH-{rr}")
    import _common  # the benchmark settings: DEBUG off, no query logging, before Django starts
    import django

    _common.skapa_databas()

    django.setup()
    from vardformedling.nycklar.tjanst import nyckeltjanst

    for rr in regioner:
        if not nyckeltjanst().versioner(rr):
            nyckeltjanst().skapa(rr)
    import case_page
    import worklist
    from _common import forbered
    from django.core.management import call_command

    from katalog.models import Vardenhet
    from scale import MARKOR

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    if args.reseed or (nya_tokens and Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").exists()):
        call_command("seed_scale", scale=args.scale, reset=True)
    forbered(args.scale)
    sekunder = time.perf_counter() - start
    print(f"seed_scale --scale {args.scale} (identitet via pkcs11, tokens i {tokens}): {sekunder:.0f} s")
    print(f"Nyckeltjänst: {nyckeltjanst().namn}")
    worklist.MAL_P95_MS, case_page.MAL_P95_MS = MAL_ARBETSLISTA_MS, MAL_ARENDESIDA_MS
    resultat = []
    for modul in (worklist, case_page):
        for r in modul.main(args.antal, args.scale):  # prints each scenario beside its /healthz reference
            resultat.append({**r, "namn": f"{r['namn']} (PKCS#11)"})
    _identitet_ensam(min(args.antal, 100))
    if args.json:
        args.json.write_text(json.dumps(resultat, ensure_ascii=False, default=str), encoding="utf-8")
    missade = [r["namn"] for r in resultat if r.get("uppfyllt") is False]
    if missade:
        print(f"Målet nåddes inte: {', '.join(missade)}")
        return 1
    return 0


def _identitet_ensam(antal: int) -> None:
    """The identity part alone, same run: opening a worklist page's 25 identities (one unwrap_many) and one case's,
    each in a fresh "request" (no cached data keys), without the access-log insert."""
    import statistics

    from arenden.models import Arende
    from arenden.services import identitet
    from vardformedling.models import Medarbetaruppdrag, Roll

    uppdrag = Medarbetaruppdrag.objects.filter(roll=Roll.VARDLOTS, region_id="20").select_related("user").first()
    rader = list(Arende.objects.filter(region_id="20").order_by("vardgaranti_datum", "id")[:25])

    class Forfragan:
        pass

    for namn, urval in (("25 identiteter (arbetslistans sida)", rader), ("1 identitet (ärendesidan)", rader[:1])):
        tider = []
        for _ in range(antal):
            start = time.perf_counter()
            v = identitet.visa(Forfragan(), urval, "bench", anvandare=uppdrag.user, uppdrag=uppdrag, logga=False)
            tider.append((time.perf_counter() - start) * 1000)
            assert all(x.identitet for x in v.values())
        tider.sort()
        print(
            f"Identitet ensam, {namn}: median {statistics.median(tider):.2f} ms, "
            f"p95 {tider[int(0.95 * (len(tider) - 1))]:.2f} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
