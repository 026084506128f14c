"""Benchmark (issue 16 point 7): the worklist and the case page with identity sealed under PKCS#11 region keys.

    .venv/bin/python bench/identitet_pkcs11.py [--antal 100] [--scale 0.1]

Sets up a private SoftHSM (Debian's softhsm2) with one token per region and NYCKELTJANST=pkcs11 before Django
starts, then runs bench/worklist.py and bench/case_page.py in this process (their /healthz reference is timed in
the same run). DATABASE_URL must name a database of its own: seed_scale writes every case's identity through the
key service of this run's tokens, so a database seeded with other keys would show "cannot be opened" everywhere.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.softhsm import init_tokens, pin_for, skapa_konfiguration  # noqa: E402


def main() -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--antal", type=int, default=100)
    p.add_argument("--scale", type=float, default=0.1)
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")
    # The benchmark signs its synthetic users in with the stub backend (a test environment that says so).
    os.environ.setdefault("AUTH_MODE", "stub")
    os.environ.setdefault("SITHS_STUB_ALLOWED", "1")
    tokens = Path(os.environ.get("BENCH_SOFTHSM_DIR") or tempfile.mkdtemp(prefix="vf-bench-softhsm-"))
    conf = skapa_konfiguration(tokens)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    from vardformedling.reference import read_csv

    regioner = [row["region_kod"] for row in read_csv("regioner.csv")]
    if not any((tokens / "tokens").iterdir()):
        init_tokens(conf, [f"VF-BENCH-{rr}" for rr in regioner])
    os.environ["NYCKELTJANST"] = "pkcs11"
    os.environ.setdefault("PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
    for rr in regioner:
        os.environ[f"PKCS11_TOKEN_{rr}"] = f"VF-BENCH-{rr}"
        os.environ[f"PKCS11_PIN_{rr}"] = pin_for(f"VF-BENCH-{rr}")
    import _common  # noqa: F401  (the benchmark settings: DEBUG off, no query logging, before Django starts)
    import django

    django.setup()
    from vardformedling.nycklar.tjanst import nyckeltjanst

    for rr in regioner:
        if not nyckeltjanst().versioner(rr):
            nyckeltjanst().skapa(rr)
    import case_page
    import worklist
    from _common import forbered

    start = time.perf_counter()
    forbered(args.scale)
    print(f"seed_scale --scale {args.scale} (identitet via pkcs11): {time.perf_counter() - start:.0f} s")
    print(f"Nyckeltjänst: {nyckeltjanst().namn}")
    for modul in (worklist, case_page):
        modul.main(args.antal, args.scale)  # prints each scenario beside its /healthz reference
    _identitet_ensam(args.antal)
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
