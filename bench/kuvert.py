"""End-to-end referral envelope timings (issue 16 point 4): seal, open, sign a receipt and verify it, beside the
same run's reference: sealing one case's identity document under a fresh data key wrapped by a local region key
(what every registration costs).

    .venv/bin/python bench/kuvert.py [--antal 300] [--dokument-kb 200]

Needs no database: the unit key pairs are made in memory and the reference uses the `lokal` key service in a
temporary folder (with `pkcs11` the portal adds one region-key unwrap per private key, see bench/nycklar.py).
Prints median and p95 per operation in ms and the ratio to the reference. Not part of `make bench` (no page and
no target).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    parser.add_argument("--antal", type=int, default=300)
    parser.add_argument("--dokument-kb", type=int, default=200, help="size of the journal extract in the envelope")
    args = parser.parse_args()

    import tempfile

    from vardformedling.nycklar import falt, kuvert
    from vardformedling.nycklar.enhetsnycklar import nytt_nyckelpar
    from vardformedling.nycklar.lokal import LokalNyckeltjanst

    fran, till = nytt_nyckelpar("SE2321000180-VARDFORMEDLING"), nytt_nyckelpar("SE5560000001-OGON02")
    case_id = "VF-2026-20-000001-9"
    identitet = {"personnummer": "195003041234", "namn": "Anna Andersson", "kontaktuppgifter": "Storgatan 1"}
    remiss = "Remiss via vårdförmedling\n".encode() * 40
    dokument = {"Remiss": remiss, "Journalutdrag": os.urandom(args.dokument_kb * 1024)}
    payload = {"identitet": identitet, "remiss": {"text": remiss.decode()}}

    def forsegla():
        return kuvert.forsegla(
            payload,
            dokument,
            avsandare=fran.hsa_id,
            mottagare_publik=till.publik(),
            avsandare_signeringsnyckel=fran,
            metadata={"arende_id": case_id},
        )

    data = forsegla()
    hash_ = kuvert.kuvert_hash(data)
    kvitto = kuvert.kvittera(hash_, mottagare_signeringsnyckel=till, arende_id=case_id)
    lokal = LokalNyckeltjanst(Path(tempfile.mkdtemp()) / "nycklar")
    lokal.skapa("20")
    aad = falt.aad_for("arende", case_id)
    operationer = [
        ("referens: försegla identitet", lambda: falt.forsegla_dokument("20", identitet, aad=aad, tjanst=lokal)),
        ("kuvert: försegla + signera", forsegla),
        (
            "kuvert: verifiera + öppna",
            lambda: kuvert.oppna(data, mottagare_privat=till, avsandare_publik=fran.publik()),
        ),
        ("kvittens: signera", lambda: kuvert.kvittera(hash_, mottagare_signeringsnyckel=till, arende_id=case_id)),
        (
            "kvittens: verifiera",
            lambda: kuvert.verifiera_kvitto(kvitto, mottagare_publik=till.publik(), kuvert_hash=hash_),
        ),
    ]
    print(f"envelope {len(data) / 1024:.0f} KB ({args.dokument_kb} KB journal extract), {args.antal} runs each")
    print(f"{'operation':32} {'median ms':>10} {'p95 ms':>10} {'× reference':>12}")
    referens = None
    for namn, funktion in operationer:
        median, p95 = mat(funktion, args.antal)
        referens = referens or median
        print(f"{namn:32} {median:10.3f} {p95:10.3f} {median / referens:12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
