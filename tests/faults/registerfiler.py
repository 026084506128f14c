"""Register files for the fault tests (REGISTER_FILES.md, SPOR and NCR formats)."""

from pathlib import Path

SPOR_HEADER = (
    "uttagsdatum;region_kod;vardenhet_hsaid;vardenhet_namn;kva_grupp;matperiod;prioritet;antal_utforda;"
    "median_vantetid_dagar;p90_vantetid_dagar;andel_inom_90_dagar;andel_asa_3_4"
)
NCR_HEADER = (
    "uttagsdatum;region_kod;vardenhet_hsaid;vardenhet_namn;kva_grupp;matperiod;anestesi;antal_utforda;"
    "median_vantetid_dagar;p90_vantetid_dagar;andel_inom_90_dagar"
)


def spor_file(path: Path, *, enheter: int, datum: str = "2026-11-20", kva=("NGB", "NFB", "CJE", "NHB")) -> int:
    """Writes a valid SPOR delivery with `enheter` units × `kva` × 2 periods; returns the number of data rows."""
    lines = [SPOR_HEADER]
    for i in range(enheter):
        hsa = f"SE2321000180-F{i:06d}"
        for k in kva:
            for period in ("90d", "365d"):
                lines.append(f"{datum};20;{hsa};Lasttestenhet {i};{k};{period};alla;48;212;365;18,8;12,5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def ncr_file(path: Path, *, enheter: int, datum: str = "2026-11-20") -> int:
    """Writes a valid NCR (cataract) delivery with `enheter` units × 2 periods; returns the number of data rows."""
    lines = [NCR_HEADER]
    for i in range(enheter):
        hsa = f"SE2321000206-O{i:06d}"
        for period in ("90d", "365d"):
            lines.append(f"{datum};22;{hsa};Ögonenhet {i};CJE;{period};alla;310;164;240;22,3")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1
