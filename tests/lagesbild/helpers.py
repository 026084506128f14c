"""Small register files built in the tests (REGISTER_FILES.md)."""

from pathlib import Path

SPOR_HEADER = (
    "uttagsdatum;region_kod;vardenhet_hsaid;vardenhet_namn;kva_grupp;matperiod;prioritet;antal_utforda;"
    "median_vantetid_dagar;p90_vantetid_dagar;andel_inom_90_dagar;andel_asa_3_4"
)
NCR_HEADER = (
    "uttagsdatum;region_kod;vardenhet_hsaid;vardenhet_namn;kva_grupp;matperiod;anestesi;antal_utforda;"
    "median_vantetid_dagar;p90_vantetid_dagar;andel_inom_90_dagar"
)
VT_HEADER = "manad;region_kod;typ;vardomrade;antal_vantande;antal_vantande_over_90;antal_nytillkomna;antal_genomforda"


def write(folder: Path, name: str, header: str, rows: list[str], bom: bool = False) -> Path:
    path = Path(folder) / name
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def manaden_fore(datum: str) -> str:
    """The calendar month before the extract's month (ÅÅÅÅ-MM): the newest month a delivery may hold."""
    year, month = int(datum[:4]), int(datum[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def ncr_rows(datum: str = "2026-11-20") -> list[str]:
    manad = manaden_fore(datum)  # 2026-10 for the default date
    return [
        f"{datum};22;SE2321000206-OGON01;Ögonsektionen Sundsvalls sjukhus;CJE;90d;alla;310;164;240;22,3",
        f"{datum};22;SE2321000206-OGON01;Ögonsektionen Sundsvalls sjukhus;CJE;90d;narkos;7;201;260;14,3",
        f"{datum};22;SE2321000206-OGON01;Ögonsektionen Sundsvalls sjukhus;CJE;{manad};alla;104;170;236;20,2",
        f"{datum};03;SE5560000001-OGON02;Demo Ögonklinik Uppsala;CJE;90d;alla;620;34;71;96.1",
        f"{datum};03;SE5560000001-OGON02;Demo Ögonklinik Uppsala;CJE;90d;narkos;<5;;;",
        f"{datum};3;SE5560000001-OGON02;Demo Ögonklinik Uppsala;CJE;{manad};alla;214;31;66;97,2",
        f"{datum};22;;;CJE;90d;alla;330;160;238;23,0",
        f"{datum};00;;;CJE;90d;alla;21304;78;190;58,9",
    ]


def spor_rows(datum: str = "2026-11-20") -> list[str]:
    manad = manaden_fore(datum)  # 2026-10 for the default date
    return [
        f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;90d;alla;48;212;365;18,8;12,5",
        f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;365d;alla;190;240;401;14,2;11,6",
        f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;{manad};alla;17;205;330;17,6;11,8",
        f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;90d;inom_3m;<5;;;;",
        f"{datum};01;SE5565432100-CAPIO1;Capio S:t Görans sjukhus ortopedi;NGB;90d;alla;96;58;101;84,4;21,9",
        f"{datum};20;;;NGB;90d;alla;52;209;362;19,2;12,5",
        f"{datum};00;;;NGB;90d;alla;3811;119;298;44,7;16,0",
    ]
