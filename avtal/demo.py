"""Demo agreements, generated relative to today and imported through the real importer (idempotent).

Rows whose provider or units are not in the catalogue yet are skipped, so the demo never fails on a smaller
catalogue. Re-running imports the same file again, which changes nothing.
"""

import csv
import io
from datetime import date, timedelta

from django.utils import timezone

from avtal.importer import FILKOLUMNER
from avtal.models import Uppladdningsstatus
from avtal.uppladdning import importera_direkt
from katalog.models import Vardenhet, Vardgivare

KOLUMNER = FILKOLUMNER


def _rader(idag: date) -> list[list[str]]:
    """Agreement tuples: id, owner, orgnr, units, type, from, to, extension, usable by, lines, terms, contact."""
    ar = timedelta(days=365)
    borjan, slut = idag - ar, idag + ar
    avtal = [
        (
            "RS 2025/1187",
            "01",
            "556000-0001",
            "SE5560000001-OGON02|SE5560000001-OGON03",
            "upphandlat",
            borjan,
            slut,
            slut + ar,
            "alla",
            [("CJE", "13500,00", "per_atgard", "400"), ("CJC", "14200,00", "per_atgard", "")],
            "Patienten ska vara bedömd av ögonläkare.",
            "remiss.ogon02@example.se",
        ),
        (
            "RD 2025/0042",
            "20",
            "232100-0180",
            "SE2321000180-OGON01",
            "egen_regi",
            borjan,
            slut,
            "",
            "",
            [("CJE", "11800,00", "fast", "")],
            "",
            "ogon.falun@example.se",
        ),
        (
            "RD 2025/0107",
            "20",
            "556000-0001",
            "SE5560000001-OGON02",
            "direktupphandlat",
            borjan,
            slut,
            "",
            "22|21",
            [("CJE", "12900,00", "per_atgard", "120")],
            "ASA 1–3.",
            "remiss.ogon02@example.se",
        ),
        (
            "RVN 2025/311",
            "22",
            "232100-0206",
            "SE2321000206-OGON01",
            "samverkansavtal",
            borjan,
            slut,
            "",
            "20|23|24|25",
            [("CJE", "12400,00", "per_atgard", "150")],
            "",
            "ogon.sundsvall@example.se",
        ),
        (
            "VGR 2025/77",
            "14",
            "556333-4449",
            "",
            "upphandlat",
            borjan,
            slut,
            slut + ar,
            "alla",
            [("CJE", "12950,00", "per_atgard", "900"), ("CJC", "13600,00", "per_atgard", "")],
            "Gäller alla Synklinikens enheter.",
            "remiss.ogon01@example.se",
        ),
        (
            "RS 2024/0955",
            "01",
            "556543-2100",
            "SE5565432100-CAPIO1",
            "upphandlat",
            borjan,
            slut,
            "",
            "03|04|05",
            [("NGB", "78500,00", "per_vardtillfalle", "60"), ("NFB", "74200,00", "per_vardtillfalle", "60")],
            "BMI under 35.",
            "remiss.capio1@example.se",
        ),
        (
            "RÖ 2025/219",
            "05",
            "556111-2227",
            "SE5561112220-ORT01",
            "upphandlat",
            borjan,
            slut,
            "",
            "alla",
            [("NGB", "76000,00", "per_vardtillfalle", "80"), ("NFB", "72500,00", "per_vardtillfalle", "80")],
            "",
            "remiss.-ort01@example.se",
        ),
        (
            "RH 2025/050",
            "13",
            "556111-2227",
            "SE5561112220-ORT02",
            "direktupphandlat",
            borjan,
            slut,
            "",
            "14|07",
            [("NGB", "77900,00", "per_vardtillfalle", "40")],
            "",
            "remiss.-ort02@example.se",
        ),
        (
            "RD 2025/0300",
            "20",
            "232100-0180",
            "SE2321000180-FALU01",
            "egen_regi",
            borjan,
            slut,
            "",
            "21|17",
            [("NGB", "69000,00", "fast", "100"), ("NFB", "66000,00", "fast", "100")],
            "",
            "vardlots.dalarna@example.se",
        ),
        (
            "RS 2025/2001",
            "01",
            "802000-1114",
            "SE8020001110-KIR01",
            "upphandlat",
            borjan,
            slut,
            "",
            "alla",
            [("JAB", "24500,00", "per_atgard", "200")],
            "Dagkirurgi.",
            "remiss.-kir01@example.se",
        ),
        (
            "RVB 2025/012",
            "24",
            "556777-8880",
            "SE5567778880-END01",
            "samverkansavtal",
            borjan,
            slut,
            "",
            "22|23|25",
            [("UJF", "6800,00", "per_atgard", "20")],
            "Tarmrengöring enligt instruktion.",
            "remiss.-end01@example.se",
        ),
        (
            "RJL 2025/088",
            "06",
            "556333-4449",
            "SE5563334440-OGON03",
            "direktupphandlat",
            idag - ar,
            idag + timedelta(days=40),
            idag + timedelta(days=220),
            "",
            [("CJE", "12700,00", "per_atgard", "250")],
            "Avtalet upphör snart; förlängning utreds.",
            "remiss.ogon03@example.se",
        ),
        (
            "RS 2023/0401",
            "01",
            "556000-0001",
            "SE5560000001-OGON02",
            "upphandlat",
            idag - 3 * ar,
            idag - timedelta(days=30),
            "",
            "alla",
            [("CJE", "12100,00", "per_atgard", "300")],
            "Upphört avtal (historik).",
            "remiss.ogon02@example.se",
        ),
        (
            "RSK 2025/140",
            "12",
            "556333-4449",
            "SE5563334440-OGON02",
            "upphandlat",
            borjan,
            slut,
            "",
            "10|07|13",
            [("CJE", "12850,00", "per_atgard", "300"), ("CJD", "9800,00", "per_atgard", "")],
            "",
            "remiss.ogon02@example.se",
        ),
        (
            "RU 2025/066",
            "03",
            "556000-0001",
            "SE5560000001-OGON02",
            "upphandlat",
            borjan,
            slut,
            "",
            "",
            [("CJE", "13200,00", "per_atgard", "500")],
            "",
            "remiss.ogon02@example.se",
        ),
    ]
    rader = []
    for aid, agare, orgnr, enheter, typ, fran, till, forl, far, linjer, villkor, kontakt in avtal:
        for kva, pris, modell, tak in linjer:
            rader.append(
                [aid, agare, orgnr, enheter, typ, str(fran), str(till), str(forl or ""), far, kva, pris, modell,
                 tak, villkor, kontakt]
            )  # fmt: skip
    return rader


def demo_csv(idag: date | None = None) -> bytes:
    """The demo agreement file, keeping only rows whose provider and units exist in the catalogue."""
    rader = _rader(idag or timezone.localdate())
    orgnr = set(Vardgivare.objects.values_list("orgnr", flat=True))
    enheter = set(Vardenhet.objects.values_list("hsa_id", flat=True))
    behall = [r for r in rader if r[2] in orgnr and all(h in enheter for h in r[3].split("|") if h)]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(KOLUMNER)
    writer.writerows(behall)
    text = buf.getvalue()
    return text.encode("utf-8")


# Volume used outside the portal (issue #19): Region Uppsala's own patients on its agreement with Demo Ögonklinik
# (cap 400), reported for the three months before the demo's month; 325 of 400 passes 80 % and sends that notice.
RAPPORTERAD_VOLYM = [("RS 2025/1187", "01", "CJE", "01", 3, 120), ("RS 2025/1187", "01", "CJE", "01", 2, 110),
                     ("RS 2025/1187", "01", "CJE", "01", 1, 95)]  # fmt: skip


def _manad_bakat(idag: date, n: int) -> date:
    index = idag.year * 12 + idag.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def load_rapporterad_volym(idag: date | None = None) -> int:
    from avtal.models import Avtalsrad
    from avtal.services import volym_rapportera
    from vardformedling.models import Region

    idag = idag or timezone.localdate()
    antal = 0
    for avtal_id, agare, kva, region, bakat, n in RAPPORTERAD_VOLYM:
        rad = Avtalsrad.objects.filter(avtal__avtal_id=avtal_id, avtal__avtalsagare_id=agare, kva_id=kva).first()
        if rad is None:
            continue
        volym_rapportera(rad=rad, region=Region.objects.get(kod=region), manad=_manad_bakat(idag, bakat), antal=n,
                         kommentar="Egna patienter via regionens kösamordning", uppdrag="Demodata")  # fmt: skip
        antal += 1
    return antal


def load(stdout=None) -> None:
    innehall = demo_csv()
    u = importera_direkt(filnamn="avtal_demo.csv", innehall=innehall)
    rapporter = load_rapporterad_volym()
    if stdout is not None and rapporter:
        stdout.write(f"Avtal: rapporterad volym utanför portalen för {rapporter} månader.")
    if stdout is not None:
        if u.status == Uppladdningsstatus.TILLAMPAD:
            stdout.write(f"Avtal: {u.antal_nya} nya, {u.antal_andrade} ändrade, {u.antal_oforandrade} oförändrade.")
        else:
            stdout.write("Avtal: demoavtalen kunde inte läsas in: " + "; ".join(u.fel[:5]))
