"""Retention of delivered files: archive/ and rejected/ keep a register file for LAGESBILD_ARKIV_MANADER months.

The nightly beat task (lagesbild.tasks.gallra_arkiv) removes older files. The import log keeps what matters: every
run's file name (masked) and SHA-256 stay in ImportRun, and the runs whose file was removed get the time of removal
(`fil_gallrad`), so a delivery can still be recognised ("redan inläst") and audited after its file is gone."""

import hashlib
import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from lagesbild import inkorg
from lagesbild.manader import manad_plus
from lagesbild.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)
STANDARD_MANADER = 13


def bevarandetid_manader() -> int:
    return int(getattr(settings, "LAGESBILD_ARKIV_MANADER", STANDARD_MANADER))


def gransdatum(nu: datetime | None = None) -> datetime:
    """Files last written before this moment are removed: the same day and time, N calendar months ago."""
    nu = timezone.localtime(nu or timezone.now())
    manad = manad_plus(nu.date().replace(day=1), -bevarandetid_manader())
    dag = min(nu.day, 28)  # keeps the date valid in every month; at most three days' difference
    return nu.replace(year=manad.year, month=manad.month, day=dag)


def _sha256(fil) -> str:
    h = hashlib.sha256()
    with fil.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def gallra(nu: datetime | None = None) -> dict:
    """Removes the files of archive/ and rejected/ older than the retention period; returns the counts. A file whose
    checksum no run holds gets a run of its own first, so the log keeps every removed file's checksum."""
    grans = gransdatum(nu).timestamp()
    mappar = inkorg.mappar()
    borttagna, kvar = 0, 0
    for mapp in ("archive", "rejected"):
        for fil in sorted(mappar[mapp].iterdir()):
            if not fil.is_file():
                continue
            if fil.stat().st_mtime >= grans:
                kvar += 1
                continue
            summa = _sha256(fil)
            runs = ImportRun.objects.filter(checksumma=summa)
            if not runs.exists():
                ImportRun.objects.create(
                    filnamn=fil.name[:255],
                    checksumma=summa,
                    status=ImportStatus.AVVISAD if mapp == "rejected" else ImportStatus.KLAR,
                    startad_av="gallring",
                    meddelande="Filen saknade importlogg när den gallrades; kontrollsumman sparades då.",
                    klar=timezone.now(),
                )
            fil.unlink()
            ImportRun.objects.filter(checksumma=summa, fil_gallrad__isnull=True).update(fil_gallrad=timezone.now())
            borttagna += 1
    if borttagna:
        logger.info("Gallring: %s arkiverade filer äldre än %s månader togs bort", borttagna, bevarandetid_manader())
    return {"borttagna": borttagna, "kvar": kvar}
