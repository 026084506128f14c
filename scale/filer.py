"""File generators for seed_scale: a catalogue extract, an agreement file and SPOR/NCR deliveries.

The files follow shared/formats exactly and are read back through the real importers, so the synthetic data
passes the same validation as a real delivery. Everything is deterministic (one seeded Random per file).
Synthetic units and agreements carry the marker `SYN` (unit HSA-id suffix `-SYN…`, agreement id `SYN-…`) so
`seed_scale --reset` can find them again.
"""

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from stdnum import luhn

from lagesbild.manader import manader_fore
from scale import MARKOR
from vardformedling.reference import read_csv

KATALOG_KOLUMNER = [
    "vardgivare_hsaid", "vardgivare_orgnr", "vardgivare_namn", "agarform", "vardenhet_hsaid", "vardenhet_namn",
    "region_kod", "kommun", "adress", "postnummer", "ort", "lat", "lon", "telefon", "epost", "vardutbud",
    "tar_emot_asa", "narkos",
]  # fmt: skip
AVTAL_KOLUMNER = [
    "avtal_id", "avtalsagare_region_kod", "vardgivare_orgnr", "vardenhet_hsaid", "avtalstyp", "giltig_fran",
    "giltig_till", "forlangning_till", "far_nyttjas_av", "kva_grupp", "pris_kr", "ersattningsmodell", "takvolym",
    "villkor", "kontakt",
]  # fmt: skip
REGISTER_BAS = [
    "uttagsdatum", "region_kod", "vardenhet_hsaid", "vardenhet_namn", "kva_grupp", "matperiod", "antal_utforda",
    "median_vantetid_dagar", "p90_vantetid_dagar", "andel_inom_90_dagar",
]  # fmt: skip

# KVÅ groups by specialty; a unit offers the groups of its specialty plus a few other groups of the fixture.
SPECIALITETER = {
    "OGON": ("Ögonklinik", ["CJE", "CJC", "CJD"]),
    "ORT": ("Ortopedklinik", ["NGB", "NFB", "ABC"]),
    "KIR": ("Kirurgklinik", ["JAB", "JKA", "JFB", "JGB", "UJF"]),
    "URO": ("Urologklinik", ["KED", "KEC"]),
    "BRO": ("Bröstmottagning", ["HAC", "HAB"]),
    "GYN": ("Kvinnoklinik", ["LCD"]),
    "ONH": ("Öron-näsa-hals", ["EMB"]),
}


def kva_grupper() -> dict[str, str]:
    """The real KVÅ groups of fixtures/kva_grupper.csv (code → register), the groups seed_scale offers and reports."""
    return {r["kva_grupp"]: r["register"] for r in read_csv("kva_grupper.csv")}


def ncr_kva() -> set[str]:
    """The groups whose waiting times come from the cataract register (NCR), the rest from SPOR."""
    return {k for k, register in kva_grupper().items() if register == "NCR"}


def orgnr_med_kontroll(nio: str) -> str:
    """A Luhn-valid organisation number NNNNNN-NNNN from nine digits."""
    tio = nio + luhn.calc_check_digit(nio)
    return f"{tio[:6]}-{tio[6:]}"


@dataclass
class Enhet:
    hsa_id: str
    namn: str
    region: str
    vardgivare_hsa: str
    orgnr: str
    lat: float
    lon: float
    kva: list[str] = field(default_factory=list)
    asa: int = 2
    narkos: bool = False


@dataclass
class Katalog:
    rader: list[dict]
    enheter: list[Enhet]


def katalog(*, antal_enheter: int, regioner: list, demo_rader: list[dict], seed: int = 1) -> Katalog:
    """The demo catalogue rows plus synthetic units up to `antal_enheter`: ~70 % public (the regions),
    ~25 % private, ~5 % non-profit providers; each unit offers its specialty's groups + 1–4 other real KVÅ groups
    (fixtures/kva_grupper.csv), so every group of the fixture gets offering and register figures."""
    rng = random.Random(seed)
    rader = [dict(r) for r in demo_rader]
    region_vg: dict[str, tuple[str, str, str]] = {}  # region code → its provider (HSA-id, orgnr, name)
    for r in demo_rader:
        if r["agarform"] == "offentlig":
            region_vg.setdefault(r["region_kod"], (r["vardgivare_hsaid"], r["vardgivare_orgnr"], r["vardgivare_namn"]))
    for reg in regioner:
        digits = reg["orgnr"].replace("-", "")
        region_vg.setdefault(reg["kod"], (f"SE{digits}-0000", reg["orgnr"], reg["namn"]))
    n_privata = max(3, antal_enheter // 10)
    privata = []
    for i in range(n_privata):
        ideell = i % 6 == 5
        orgnr = orgnr_med_kontroll(f"{'802' if ideell else '559'}{i:06d}")
        namn = f"{'Stiftelsen Vårdhjälp' if ideell else 'Syntetvård'} {i + 1} {'' if ideell else 'AB'}".strip()
        privata.append((f"SE{orgnr.replace('-', '')}-0000", orgnr, namn, "ideburen" if ideell else "privat"))
    specialiteter = list(SPECIALITETER)
    specialitetens = {k for _, koder in SPECIALITETER.values() for k in koder}
    ovriga_kva = sorted(k for k in kva_grupper() if k not in specialitetens)
    enheter = []
    for r in demo_rader:
        enheter.append(
            Enhet(r["vardenhet_hsaid"], r["vardenhet_namn"], r["region_kod"], r["vardgivare_hsaid"],
                  r["vardgivare_orgnr"], float(r["lat"] or 0), float(r["lon"] or 0),
                  [k for k in r["vardutbud"].split("|") if k], int(r["tar_emot_asa"] or 2), r["narkos"] == "ja")
        )  # fmt: skip
    for i in range(max(0, antal_enheter - len(demo_rader))):
        reg = regioner[i % len(regioner)]
        spec = specialiteter[(i // len(regioner)) % len(specialiteter)]
        if rng.random() < 0.7:
            vg_hsa, orgnr, vg_namn = region_vg[reg["kod"]]
            agarform = "offentlig"
        else:
            vg_hsa, orgnr, vg_namn, agarform = privata[rng.randrange(len(privata))]
        hsa = f"{vg_hsa.split('-')[0]}-{MARKOR}{i:05d}"
        lat = min(69.0, max(55.1, reg["lat"] + rng.uniform(-0.6, 0.6)))
        lon = min(24.1, max(11.0, reg["lon"] + rng.uniform(-0.8, 0.8)))
        kva = SPECIALITETER[spec][1] + rng.sample(ovriga_kva, rng.randint(1, 4))
        asa = rng.choice([2, 3, 3, 4])
        narkos = rng.random() < 0.6
        namn = f"{SPECIALITETER[spec][0]} {reg['residensstad']} {i + 1}"
        enheter.append(Enhet(hsa, namn, reg["kod"], vg_hsa, orgnr, round(lat, 4), round(lon, 4), kva, asa, narkos))
        rader.append(
            {
                "vardgivare_hsaid": vg_hsa, "vardgivare_orgnr": orgnr, "vardgivare_namn": vg_namn,
                "agarform": agarform, "vardenhet_hsaid": hsa, "vardenhet_namn": namn, "region_kod": reg["kod"],
                "kommun": reg["residensstad"], "adress": f"Vårdvägen {1 + i % 90}", "postnummer": "123 45",
                "ort": reg["residensstad"], "lat": f"{lat:.4f}".replace(".", ","),
                "lon": f"{lon:.4f}".replace(".", ","), "telefon": f"010-{100000 + i}",
                "epost": f"remiss{i}@example.se", "vardutbud": "|".join(kva), "tar_emot_asa": str(asa),
                "narkos": "ja" if narkos else "nej",
            }
        )  # fmt: skip
    return Katalog(rader=rader, enheter=enheter)


def katalog_csv(kat: Katalog) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=KATALOG_KOLUMNER, delimiter=";", lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(kat.rader)
    return buf.getvalue().encode("utf-8")


def avtal_csv(*, kat: Katalog, antal_avtal: int, rader_per_avtal: int, regionkoder: list[str], idag: date,
              seed: int = 2) -> bytes:  # fmt: skip
    """`antal_avtal` agreements with about `rader_per_avtal` lines each: the union of the covered units'
    offering, padded with other groups. 80 % valid today, 10 % ending within 60 days, 10 % already ended."""
    rng = random.Random(seed)
    per_vg: dict[str, list[Enhet]] = {}
    for e in kat.enheter:
        per_vg.setdefault(e.orgnr, []).append(e)
    orgnr = sorted(per_vg)
    alla_kva = sorted({k for e in kat.enheter for k in e.kva})
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(AVTAL_KOLUMNER)
    for i in range(antal_avtal):
        vg = orgnr[i % len(orgnr)]
        enheter = per_vg[vg]
        valda = rng.sample(enheter, min(len(enheter), rng.randint(1, 3)))
        kva = list(dict.fromkeys(k for e in valda for k in e.kva))
        while len(kva) < rader_per_avtal:
            k = rng.choice(alla_kva)
            if k not in kva:
                kva.append(k)
        kva = kva[:rader_per_avtal]
        agare = regionkoder[i % len(regionkoder)]
        u = rng.random()
        if u < 0.1:
            fran, till = idag - timedelta(days=800), idag - timedelta(days=rng.randint(1, 60))
        elif u < 0.2:
            fran, till = idag - timedelta(days=600), idag + timedelta(days=rng.randint(1, 60))
        else:
            fran, till = idag - timedelta(days=rng.randint(30, 400)), idag + timedelta(days=rng.randint(90, 700))
        v = rng.random()
        far = "alla" if v < 0.5 else ("" if v < 0.8 else "|".join(sorted(rng.sample(regionkoder, 3))))
        hsa = "" if len(valda) == len(enheter) else "|".join(e.hsa_id for e in valda)
        typ = rng.choice(["upphandlat", "upphandlat", "direktupphandlat", "samverkansavtal"])
        for k in kva:
            tak = "" if rng.random() < 0.2 else str(rng.choice([20, 50, 100, 200, 500, 1000]))
            w.writerow([f"{MARKOR}-{agare}-{i:05d}", agare, vg, hsa, typ, fran, till, till + timedelta(days=365),
                        far, k, f"{rng.randint(40, 1500) * 50},00", "per_atgard", tak, "", f"a{i}@ex.se"])  # fmt: skip
    return buf.getvalue().encode("utf-8")


def _manader(uttag: date) -> list[str]:
    """The 18 monthly periods a delivery holds, newest first."""
    return manader_fore(uttag, 18)[::-1]


def register_csv(*, kat: Katalog, kalla: str, uttag: date, seed: int = 3) -> tuple[bytes, int]:
    """One SPOR or NCR delivery: every unit × offered group of that register × (30d, 90d, 365d, 18 months),
    plus the register's own region and national totals. About 1 cell in 15 is suppressed (`<5`)."""
    rng = random.Random(seed)
    ncr = kalla == "NCR"
    ncr_grupper = ncr_kva()
    kolumner = [*REGISTER_BAS, "anestesi"] if ncr else [*REGISTER_BAS, "prioritet", "andel_asa_3_4"]
    perioder = ["30d", "90d", "365d", *_manader(uttag)]
    lines = [";".join(kolumner)]
    regioner_kva: set[tuple[str, str]] = set()

    def rad(region: str, hsa: str, namn: str, kva: str, period: str, bas: int, skala: int) -> str:
        if hsa and rng.random() < 0.067:
            varden = ["<5", "", "", ""]
        else:
            antal = max(5, int(skala * (0.08 if len(period) == 7 else {"30d": 0.08, "90d": 0.25, "365d": 1}[period])))
            med = max(1, int(bas * rng.uniform(0.85, 1.15)))
            inom = max(0.0, min(100.0, 100 - med * 0.45 + rng.uniform(-5, 5)))
            varden = [str(antal), str(med), str(int(med * 1.9)), f"{inom:.1f}".replace(".", ",")]
        extra = (
            ["alla"] if ncr else ["alla", f"{rng.uniform(5, 30):.1f}".replace(".", ",") if varden[0] != "<5" else ""]
        )
        return ";".join([str(uttag), region, hsa, namn, kva, period, *varden, *extra])

    for e in kat.enheter:
        for kva in e.kva:
            if (kva in ncr_grupper) != ncr:
                continue
            regioner_kva.add((e.region, kva))
            bas, skala = rng.randint(20, 280), rng.randint(30, 900)
            lines.extend(rad(e.region, e.hsa_id, e.namn, kva, p, bas, skala) for p in perioder)
    for region, kva in sorted(regioner_kva) + [("00", k) for k in sorted({k for _, k in regioner_kva})]:
        bas, skala = rng.randint(40, 200), rng.randint(500, 9000)
        lines.extend(rad(region, "", "", kva, p, bas, skala) for p in perioder)
    return ("\n".join(lines) + "\n").encode("utf-8"), len(lines) - 1


def vantetider_csv(*, regionkoder: list[str], uttag: date, seed: int = 6) -> bytes:
    """Väntetidsdatabasen: 18 months × the country and every region × first visits and operations."""
    rng = random.Random(seed)
    lines = ["manad;region_kod;typ;vardomrade;antal_vantande;antal_vantande_over_90;antal_nytillkomna;antal_genomforda"]
    for manad in reversed(_manader(uttag)):
        for region in ["00", *regionkoder]:
            for typ, bas in (("atgard", 200_000), ("besok", 480_000)):
                n = bas if region == "00" else bas // 25
                vantande = int(n * rng.uniform(0.9, 1.1))
                lines.append(f"{manad};{region};{typ};Alla;{vantande};{int(vantande * rng.uniform(0.25, 0.4))};"
                             f"{int(vantande * 0.5)};{int(vantande * 0.49)}")  # fmt: skip
    return ("\n".join(lines) + "\n").encode("utf-8")
