"""Monthly follow-up reports per region (the Blekinge practice: statistics sent monthly to unit heads).

Files: settings.RAPPORT_DIR/<region_kod>/uppfoljning_<region_kod>_<YYYY-MM>.csv and .xlsx, one per region for the
cases the region referred, registered during the month. Same tables and suppression as the export; written to a
temporary file and renamed, so a reader never sees half a report. No model: the folder is the list.
"""

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from uppfoljning import export
from uppfoljning.statistik import berakna
from uppfoljning.urval import Urval
from vardformedling.models import Region

FILNAMN = re.compile(r"^uppfoljning_(?P<region>[0-9]{2})_(?P<manad>[0-9]{4}-[0-9]{2})\.(?P<format>csv|xlsx)$")
MANAD_FEL = "Månaden ska skrivas ÅÅÅÅ-MM, t.ex. 2026-10."


@dataclass(frozen=True)
class Rapport:
    filnamn: str
    region: str
    manad: str
    format: str
    storlek: int
    skapad: datetime


def foregaende_manad(idag: date | None = None) -> str:
    idag = idag or timezone.localdate()
    forra = idag.replace(day=1) - timedelta(days=1)
    return f"{forra:%Y-%m}"


def _manadens_dagar(manad: str) -> tuple[date, date]:
    try:
        ar, man = (int(x) for x in manad.split("-"))
        if len(manad) != 7:
            raise ValueError(manad)
        start = date(ar, man, 1)
    except ValueError as exc:
        raise ValueError(MANAD_FEL) from exc
    nasta = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, nasta - timedelta(days=1)


def region_mapp(region_kod: str) -> Path:
    if not re.fullmatch(r"[0-9]{2}", region_kod or ""):
        raise ValueError("Ogiltig regionkod.")
    return Path(settings.RAPPORT_DIR) / region_kod


def _skriv_atomiskt(mal: Path, innehall: bytes) -> None:
    mal.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mal.parent, prefix=".tmp-", suffix=mal.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(innehall)
        os.replace(tmp, mal)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def skapa_rapport(*, region_kod: str, manad: str) -> list[Path]:
    """Writes the CSV and XLSX report of one region and month (overwrites an earlier run of the same month)."""
    fran, till = _manadens_dagar(manad)
    urval = Urval(fran=fran, till=till, region=region_kod)
    tabeller = list(berakna(urval, export=True).values())
    mapp = region_mapp(region_kod)
    bas = f"uppfoljning_{region_kod}_{manad}"
    filer = [mapp / f"{bas}.csv", mapp / f"{bas}.xlsx"]
    _skriv_atomiskt(filer[0], export.csv_bytes(tabeller, rubriker=True))
    _skriv_atomiskt(filer[1], export.xlsx_bytes(tabeller))
    return filer


def skapa_manadsrapporter(*, manad: str | None = None, regioner: list[str] | None = None) -> list[Path]:
    """One report per region (all 21 unless `regioner`) for `manad` (default: the previous month)."""
    manad = manad or foregaende_manad()
    _manadens_dagar(manad)
    koder = regioner or list(Region.objects.order_by("kod").values_list("kod", flat=True))
    filer: list[Path] = []
    for kod in koder:
        filer += skapa_rapport(region_kod=kod, manad=manad)
    return filer


def rapporter_for_region(region_kod: str | None) -> list[Rapport]:
    """The region's reports, newest month first (read from disk; only well-formed names of that region)."""
    if not region_kod:
        return []
    mapp = region_mapp(region_kod)
    if not mapp.is_dir():
        return []
    ut = []
    for p in mapp.iterdir():
        m = FILNAMN.match(p.name)
        if not m or m["region"] != region_kod or not p.is_file():
            continue
        st = p.stat()
        skapad = datetime.fromtimestamp(st.st_mtime, tz=timezone.get_current_timezone())
        ut.append(Rapport(p.name, m["region"], m["manad"], m["format"], st.st_size, skapad))
    return sorted(ut, key=lambda r: (r.manad, r.format), reverse=True)


def rapportfil(region_kod: str | None, filnamn: str) -> Path | None:
    """The path of a report of `region_kod`, or None: the name must match exactly and belong to that region."""
    m = FILNAMN.match(filnamn or "")
    if not region_kod or not m or m["region"] != region_kod:
        return None
    mapp = region_mapp(region_kod).resolve()
    p = (mapp / filnamn).resolve()
    if p.parent != mapp or not p.is_file():
        return None
    return p
