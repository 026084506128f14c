"""Agreement test helpers: a small catalogue and agreement files built from dicts."""

import io
from datetime import date, timedelta

import openpyxl
import pytest

from avtal.importer import FILKOLUMNER
from katalog.models import Vardenhet, Vardgivare
from vardformedling.models import Region

IDAG = date.today()
KOLUMNER = FILKOLUMNER


def rad(**over) -> dict:
    """One valid agreement row (owner 20, provider Testögon AB, unit SE5565432100-OG1, CJE) with overrides."""
    base = {
        "avtal_id": "RD 2026/1",
        "avtalsagare_region_kod": "20",
        "vardgivare_orgnr": "556543-2100",
        "vardenhet_hsaid": "SE5565432100-OG1",
        "avtalstyp": "upphandlat",
        "giltig_fran": str(IDAG - timedelta(days=100)),
        "giltig_till": str(IDAG + timedelta(days=300)),
        "forlangning_till": "",
        "far_nyttjas_av": "22|21",
        "kva_grupp": "CJE",
        "pris_kr": "12500,50",
        "ersattningsmodell": "per_atgard",
        "takvolym": "10",
        "villkor": "ASA 1–3",
        "kontakt": "remiss@example.se",
    }
    base.update(over)
    return base


def csv_bytes(rader: list[dict], *, bom: bool = True, kolumner=None) -> bytes:
    kolumner = kolumner or KOLUMNER
    text = ";".join(kolumner) + "\n" + "".join(";".join(r.get(k, "") for k in kolumner) + "\n" for r in rader)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def xlsx_bytes(rader: list[dict]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([k.upper() for k in KOLUMNER])
    for r in rader:
        ws.append([r.get(k, "") for k in KOLUMNER])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def katalog(db):
    """Two providers: Testögon AB (two units in region 03 and 22) and Knäkliniken AB (one unit)."""
    ogon = Vardgivare.objects.create(
        hsa_id="SE5565432100-0000", orgnr="556543-2100", namn="Testögon AB", agarform="privat"
    )
    kna = Vardgivare.objects.create(
        hsa_id="SE5561112220-0000", orgnr="556111-2227", namn="Knäkliniken AB", agarform="privat"
    )
    r03, r22 = Region.objects.get(kod="03"), Region.objects.get(kod="22")
    e1 = Vardenhet.objects.create(hsa_id="SE5565432100-OG1", namn="Testögon Uppsala", vardgivare=ogon, region=r03)
    e2 = Vardenhet.objects.create(hsa_id="SE5565432100-OG2", namn="Testögon Sundsvall", vardgivare=ogon, region=r22)
    e3 = Vardenhet.objects.create(hsa_id="SE5561112220-K1", namn="Knäkliniken Motala", vardgivare=kna, region=r03)
    return {"ogon": ogon, "kna": kna, "e1": e1, "e2": e2, "e3": e3}
