"""Key-service timings per call for both backends: wrap, unwrap, keyed hash, and a page unwrapping 50 data keys.

    .venv/bin/python bench/nycklar.py [--antal 500]

Needs no database: the `lokal` backend in a temporary folder, the `pkcs11` backend against a private SoftHSM
(Debian's softhsm2; `make test` installs it) with one token. Prints median and p95 per operation. Not part of
`make bench` (no page and no target: the figures are for sizing part 2's pages; README "Nycklar och kryptering").
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.softhsm import init_tokens, pin_for, skapa_konfiguration  # noqa: E402

MODUL = os.environ.get("PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")


def mat(funktion, antal: int) -> tuple[float, float]:
    tider = []
    for _ in range(antal):
        start = time.perf_counter()
        funktion()
        tider.append(time.perf_counter() - start)
    tider.sort()
    return statistics.median(tider) * 1000, tider[int(0.95 * (len(tider) - 1))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--antal", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        conf = skapa_konfiguration(Path(tmp) / "softhsm")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        init_tokens(conf, ["VF-BENCH-20"])
        os.environ["PKCS11_PIN_20"] = pin_for("VF-BENCH-20")

        from vardformedling.nycklar.hsm import Pkcs11Nyckeltjanst
        from vardformedling.nycklar.lokal import LokalNyckeltjanst

        tjanster = [
            LokalNyckeltjanst(Path(tmp) / "nycklar"),
            Pkcs11Nyckeltjanst({"20": {"modul": MODUL, "token": "VF-BENCH-20"}}),
        ]
        print(f"{'backend':8} {'operation':24} {'median ms':>10} {'p95 ms':>10}")
        for tjanst in tjanster:
            tjanst.skapa("20")
            data_key = os.urandom(32)
            wrapped = tjanst.wrap("20", data_key)
            femtio = [tjanst.wrap("20", os.urandom(32)) for _ in range(50)]
            for namn, funktion, antal in (
                ("wrap", lambda t=tjanst, k=data_key: t.wrap("20", k), args.antal),
                ("unwrap", lambda t=tjanst, w=wrapped: t.unwrap("20", w), args.antal),
                ("keyed_hash", lambda t=tjanst: t.keyed_hash("20", b"191212121212"), args.antal),
                ("unwrap_many (50 keys)", lambda t=tjanst, f=femtio: t.unwrap_many("20", f), max(args.antal // 10, 20)),
            ):
                median, p95 = mat(funktion, antal)
                print(f"{tjanst.namn:8} {namn:24} {median:10.3f} {p95:10.3f}")
            tjanst.aterstall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
