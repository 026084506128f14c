"""Benchmark: validate, preview and apply a national-scale agreement file (2,000 agreements, 20,000 lines).

Run after load_demo (needs the demo catalogue):
    DEBUG=1 .venv/bin/python bench/avtal_upload.py
Prints seconds for the first upload (all new) and the identical re-upload (all unchanged).
"""

import csv
import io
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")

import django

django.setup()

from avtal.uppladdning import importera_direkt  # noqa: E402
from katalog.models import KvaGrupp, Vardenhet  # noqa: E402


def fil(n_avtal: int = 2000, per_avtal: int = 10) -> bytes:
    enheter = list(Vardenhet.objects.filter(vardgivare__isnull=False).select_related("vardgivare")[:50])
    kva = list(KvaGrupp.objects.values_list("kod", flat=True)[:per_avtal])
    idag = date.today()  # noqa: DTZ011
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["avtal_id", "avtalsagare_region_kod", "vardgivare_orgnr", "vardenhet_hsaid", "avtalstyp",
                "giltig_fran", "giltig_till", "far_nyttjas_av", "kva_grupp", "pris_kr", "takvolym"])  # fmt: skip
    for i in range(n_avtal):
        e = enheter[i % len(enheter)]
        for k in kva:
            w.writerow([f"BENCH {i:05d}", f"{(i % 20) + 1:02d}" if (i % 20) + 1 not in (2, 11, 15, 16) else "01",
                        e.vardgivare.orgnr, e.hsa_id, "upphandlat", idag - timedelta(days=10),
                        idag + timedelta(days=300), "alla", k, "12500,00", "100"])  # fmt: skip
    return buf.getvalue().encode()


if __name__ == "__main__":
    data = fil()
    for etikett in ("första uppladdningen", "samma fil igen"):
        t = time.perf_counter()
        u = importera_direkt(filnamn="bench.csv", innehall=data)
        print(f"{etikett}: {time.perf_counter() - t:.1f} s, {u.status}, {u.antal_rader} rader, "
              f"{u.antal_nya} nya, {u.antal_oforandrade} oförändrade {u.fel[:3]}")  # fmt: skip
