"""The rules of SPOR/NCR and Väntetidsdatabasen files, checked with the vectorised checker (granskare.py).

Small-number suppression (common to all three sources): a count below 5 must be written `<5`; a count of 1–4
written as a number is rejected. A count of 0 is a real zero: then there is nothing to compute, so statistics
given with it are rejected, and a 0 with empty statistics is accepted as "no operations".
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from lagesbild.manader import manad_plus, manadstext
from lagesbild.models import Kalla
from lagesbild.validering.granskare import (
    FEL_FOR_MANGA_DAGAR,
    FEL_FOR_STORT_ANTAL,
    Granskare,
    dubbletter,
    klamrar,
    kontrollera_kolumner,
)
from lagesbild.validering.kallor import (
    FONSTER,
    KOLUMNER,
    KVA_RE,
    MANADER_BAKAT,
    MAX_ENHETSNAMN,
    MAX_HELTAL,
    MAX_VANTEDAGAR,
    MAX_VARDOMRADE,
    UNDERTRYCKT,
    URVAL,
    datum_i_filnamn,
    las_datum,
    las_manad,
)
from lagesbild.validering.lasning import Kolumn, Tabell
from vardformedling.hsa import HSA_RE

FEL_NOLL_MED_STATISTIK = (
    "antal är 0 men statistik är angiven; utan operationer finns ingen väntetid att redovisa (lämna statistiken tom)."
)


def _region(regionkoder: set[str]):
    def normalise(value: str) -> str | None:
        kod = value.zfill(2) if value.isascii() and value.isdigit() and len(value) <= 2 else value
        return kod if kod in regionkoder or kod == "00" else None

    return normalise


def _hsa_id(value: str) -> str | None:
    """Upper case, as the catalogue stores it (katalog.importer); "" is a register total without a unit."""
    normal = value.upper()
    return normal if normal == "" or HSA_RE.match(normal) else None


@dataclass
class RegisterRader:
    """The clean rows of a SPOR/NCR delivery, column by column as codes into distinct values (see Kolumn).

    `region` is the normalised code ("00" the whole country), `hsa` is "" on the register's own totals, numbers
    are floats with NaN for an empty or suppressed cell, `undertryckt` is True where the count was `<5`."""

    region: Kolumn
    hsa: Kolumn
    namn: Kolumn
    kva: Kolumn
    matperiod: Kolumn
    urval: Kolumn
    antal: Kolumn
    undertryckt: Kolumn
    median: Kolumn
    p90: Kolumn
    andel_inom_90: Kolumn
    andel_asa_3_4: Kolumn

    def __len__(self) -> int:
        return len(self.kva)


def _uttagsdatum(g: Granskare, kalla: Kalla, filnamn: str) -> date | None:
    """The extract date: the same on every row, not in the future, and the date in the file name if it has one."""
    datum = g.kontrollera_varden("uttagsdatum", las_datum, "'{varde}' är inte ett datum (ÅÅÅÅ-MM-DD).")
    forsta = datum.varden[datum.koder[0]] if datum.koder[0] >= 0 else None
    if forsta is None:
        return None
    g.markera(
        datum.rader(np.array([d is not None and d != forsta for d in datum.varden], dtype=bool)),
        "uttagsdatum",
        "'{varde}' skiljer sig från första radens " + f"{forsta}; uttagsdatum ska vara samma på alla rader.",
    )
    senast = timezone.localdate() + timedelta(days=1)
    if forsta > senast:
        g.markera_forsta("uttagsdatum", f"'{{varde}}' ligger i framtiden; uttagsdatum kan vara högst {senast}.")
    enligt_namn = datum_i_filnamn(filnamn, kalla)
    if enligt_namn and enligt_namn != forsta.isoformat():
        g.markera_forsta(
            "uttagsdatum",
            klamrar(
                f"filnamnet {filnamn} anger datumet {enligt_namn} men uttagsdatum i filen är {forsta}; "
                "rätta filnamnet eller filens innehåll."
            ),
        )
    return forsta


def granska_register(
    tabell: Tabell, kalla: Kalla, regionkoder: set[str], *, filnamn: str = ""
) -> tuple[RegisterRader, date]:
    """SPOR/NCR: returns (clean rows, uttagsdatum) or raises FilAvvisad with every error."""
    kontrollera_kolumner(tabell, kalla)
    g = Granskare(tabell)
    forsta = _uttagsdatum(g, kalla, filnamn)
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    hsa = g.kontrollera_varden(
        "vardenhet_hsaid",
        _hsa_id,
        "'{varde}' är inget HSA-id; det ska se ut som SE2321000180-FALU01 (SE, tio siffror, bindestreck och "
        "högst 40 bokstäver A–Z eller siffror).",
    )
    if (hsa.varden != "").any() and (region.varden == "00").any():
        g.markera(
            hsa.rader(hsa.varden != "") & region.rader(region.varden == "00"),
            "region_kod",
            "en vårdenhet kan inte ha regionkod 00 (00 är rikets total utan vårdenhet).",
        )
    g.styrtecken("vardenhet_namn")
    g.for_langa("vardenhet_namn", MAX_ENHETSNAMN)
    kva = g.kontrollera_varden(
        "kva_grupp",
        lambda v: v.upper() if KVA_RE.match(v.upper()) else None,
        "'{varde}' är ingen KVÅ-grupp; den ska vara tre tecken, t.ex. NGB eller CJE.",
    )
    matperiod = g.kontrollera_varden(
        "matperiod",
        lambda v: v.lower() if v.lower() in FONSTER else las_manad(v),
        "'{varde}' är ingen mätperiod; använd 30d, 90d, 365d eller en månad ÅÅÅÅ-MM.",
    )
    if forsta is not None:
        fran, till = manadstext(manad_plus(forsta, -MANADER_BAKAT)), manadstext(manad_plus(forsta, -1))
        utanfor = np.array([m is not None and m not in FONSTER and not fran <= m <= till for m in matperiod.varden])
        if utanfor.any():
            g.markera(
                matperiod.rader(utanfor),
                "matperiod",
                f"'{{varde}}' ligger utanför de {MANADER_BAKAT} kalendermånaderna före uttagsdatums månad "
                f"({fran} – {till}).",
            )
    urval_kolumn, urval_varden = URVAL[kalla]
    urval = g.kontrollera_varden(
        urval_kolumn,
        lambda v: v.lower() if v.lower() in urval_varden else None,
        "'{varde}' är inget giltigt värde; använd " + ", ".join(urval_varden) + ".",
    )

    antal_text = tabell["antal_utforda"].per_varde(str.strip).varden
    undertryckt_v = antal_text == UNDERTRYCKT
    tom_v = antal_text == ""
    antal = g.tal("antal_utforda", heltal=True, hogst=MAX_HELTAL, for_stort=FEL_FOR_STORT_ANTAL, utom={UNDERTRYCKT})
    g.under_fem("antal_utforda", antal)
    noll_v = antal.varden == 0
    dagar: dict[str, Any] = {"heltal": True, "hogst": MAX_VANTEDAGAR, "for_stort": FEL_FOR_MANGA_DAGAR}
    stats = {
        "median_vantetid_dagar": g.tal("median_vantetid_dagar", **dagar),
        "p90_vantetid_dagar": g.tal("p90_vantetid_dagar", **dagar),
        "andel_inom_90_dagar": g.tal("andel_inom_90_dagar", heltal=False, hogst=100),
    }
    if kalla == Kalla.SPOR:
        stats["andel_asa_3_4"] = g.tal("andel_asa_3_4", heltal=False, hogst=100)
    undertryckt = tabell["antal_utforda"].rader(undertryckt_v) if undertryckt_v.any() else None
    antal_tom = tabell["antal_utforda"].rader(tom_v) if tom_v.any() else None
    antal_noll = tabell["antal_utforda"].rader(noll_v) if noll_v.any() else None
    behover_stat = antal_tom is not None or antal_noll is not None
    nagon_stat = np.zeros(tabell.rader, dtype=bool) if behover_stat else None
    for kolumn in stats:
        ifylld = tabell[kolumn].rader(g.ifylld(kolumn))
        if nagon_stat is not None:
            nagon_stat |= ifylld
        if undertryckt is not None:
            g.markera(
                undertryckt & ifylld,
                kolumn,
                "statistik får inte anges när antal_utforda är <5 (färre än 5 ska lämnas tomt).",
            )
    if antal_tom is not None and nagon_stat is not None:  # there is a statistics mask when a count is missing
        g.markera(
            antal_tom & nagon_stat, "antal_utforda", "antal saknas men statistik är angiven; ange antal eller <5."
        )
        g.markera(antal_tom & ~nagon_stat, "antal_utforda", "antal saknas; ange antal eller <5.")
    if antal_noll is not None:
        g.markera(antal_noll & nagon_stat, "antal_utforda", FEL_NOLL_MED_STATISTIK)
    median, p90 = stats["median_vantetid_dagar"], stats["p90_vantetid_dagar"]
    with np.errstate(invalid="ignore"):
        lagre = p90.rader(p90.varden, np.nan) < median.rader(median.varden, np.nan)
    g.markera(
        lagre,
        "p90_vantetid_dagar",
        "'{varde}' är lägre än medianen på samma rad; 90:e percentilen kan inte vara lägre än medianen.",
    )
    # A unit is one unit whatever region code a row gives it; only the registers' totals are told apart by region.
    enhetsrad = hsa.rader(hsa.varden != "")
    region_om_total = Kolumn(np.where(enhetsrad, len(region.varden), region.koder), np.append(region.varden, [None]))
    dubblett = dubbletter([hsa, region_om_total, kva, matperiod, urval])
    if dubblett.any():
        g.markera(
            dubblett,
            "vardenhet_hsaid",
            "dubblett: samma vårdenhet (eller samma regions total), KVÅ-grupp, mätperiod och urval finns på en "
            "tidigare rad.",
        )
    g.resultat()
    assert forsta is not None  # a first row without a valid uttagsdatum is an error: resultat() has raised
    rader = RegisterRader(
        region=region,
        hsa=hsa,
        namn=tabell["vardenhet_namn"].per_varde(str.strip),
        kva=kva,
        matperiod=matperiod,
        urval=urval,
        antal=antal,
        undertryckt=Kolumn(tabell["antal_utforda"].koder, undertryckt_v),
        median=median,
        p90=p90,
        andel_inom_90=stats["andel_inom_90_dagar"],
        andel_asa_3_4=stats["andel_asa_3_4"] if kalla == Kalla.SPOR else Kolumn.konstant(np.nan, tabell.rader),
    )
    return rader, forsta


def granska_vantetider(tabell: Tabell, regionkoder: set[str], *, filnamn: str = "") -> pd.DataFrame:
    """Väntetidsdatabasen: returns a clean frame or raises FilAvvisad with every error.

    Counts are ints, or None where the file says `<5` (suppressed: shown as "färre än 5", never computed with)."""
    kontrollera_kolumner(tabell, Kalla.VANTETIDER)
    g = Granskare(tabell)
    manad = g.kontrollera_varden("manad", las_manad, "'{varde}' är ingen månad (ÅÅÅÅ-MM).")
    denna = timezone.localdate().strftime("%Y-%m")
    framtid = np.array([m is not None and m > denna for m in manad.varden], dtype=bool)
    g.markera(manad.rader(framtid), "manad", f"'{{varde}}' ligger i framtiden; senast möjliga månad är {denna}.")
    giltiga = [m for m in manad.varden if m is not None]
    enligt_namn = datum_i_filnamn(filnamn, Kalla.VANTETIDER)
    if enligt_namn and giltiga and max(giltiga) != enligt_namn:
        senaste = max(giltiga)
        forsta_rad = np.zeros(tabell.rader, dtype=bool)
        forsta_rad[np.argmax(manad.rader(manad.varden == senaste))] = True
        g.markera(
            forsta_rad,
            "manad",
            klamrar(
                f"filnamnet {filnamn} anger månaden {enligt_namn} men filens senaste månad är {senaste}; "
                "rätta filnamnet eller filens innehåll."
            ),
        )
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    typ = g.kontrollera_varden(
        "typ",
        lambda v: v.lower() if v.lower() in {"besok", "atgard"} else None,
        "'{varde}': använd besok eller atgard.",
    )
    omrade = g.kontrollera_varden(
        "vardomrade", lambda v: v or None, "vårdområde saknas (t.ex. Ögonsjukvård eller Alla)."
    )
    g.styrtecken("vardomrade")
    g.for_langa("vardomrade", MAX_VARDOMRADE)
    tal = {}
    for kolumn in KOLUMNER[Kalla.VANTETIDER][4:]:
        num = g.tal(kolumn, heltal=True, hogst=MAX_HELTAL, for_stort=FEL_FOR_STORT_ANTAL, utom={UNDERTRYCKT})
        g.markera_varden(~g.ifylld(kolumn), kolumn, "värde saknas; ange antal eller <5.")
        g.under_fem(kolumn, num)
        tal[kolumn] = num.rader(num.varden, np.nan)  # NaN: `<5` (or an error reported above)
    vantande_undertryckt = tabell["antal_vantande"].rader(
        np.array([v.strip() == UNDERTRYCKT for v in tabell["antal_vantande"].varden], dtype=bool)
    )
    with np.errstate(invalid="ignore"):
        g.markera(
            tal["antal_vantande_over_90"] > tal["antal_vantande"],
            "antal_vantande_over_90",
            "'{varde}' är fler än antal_vantande.",
        )
        g.markera(
            vantande_undertryckt & (tal["antal_vantande_over_90"] >= 5),
            "antal_vantande_over_90",
            "'{varde}' är fler än antal_vantande, som är <5.",
        )
    g.markera(
        dubbletter([manad, region, typ, omrade]),
        "vardomrade",
        "dubblett: samma månad, region, typ och vårdområde finns på en tidigare rad.",
    )
    g.resultat()
    return pd.DataFrame(
        {"manad": manad.serie(), "region_kod": region.serie(), "typ": typ.serie(), "vardomrade": omrade.serie()}
        | {k: pd.Series([None if np.isnan(x) else int(x) for x in v], dtype=object) for k, v in tal.items()}
    )
