"""The inbox: every file in LAGESBILD_INBOX is imported, then moved to archive/ or rejected/ next to the inbox.

Two runs never import the same file: a run first claims a file by an atomic rename into processing/ (next to
the inbox); a run that loses the race simply skips the file.

A run that dies (worker killed, machine restarted) leaves its claimed file in processing/ and its ImportRun
"pågår". Nothing was written (the import writes in one transaction), so every run first puts claims older than
HANGANDE_EFTER back into the inbox and marks such runs failed; the file is then read again like any other.
A deployment (or a test's worker) may set settings.LAGESBILD_HANGANDE_EFTER (a timedelta) instead.
"""

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename

from lagesbild.importers import Resultat, importera_fil
from lagesbild.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)

# A claim (or a run "pågår") older than this belongs to a dead run. Far above the longest real import (minutes).
HANGANDE_EFTER = timedelta(hours=1)
MEDDELANDE_AVBRUTEN = (
    "Körningen avbröts innan den blev klar (arbetsprocessen stoppades); inget lästes in. "
    "Filen läses in igen vid nästa körning av inkorgen."
)
_CLAIM_PREFIX = re.compile(r"^[0-9a-f]{32}_")


def hangande_efter() -> timedelta:
    """How old a claim (or a run "pågår") must be to belong to a dead run: the setting if given, else HANGANDE_EFTER."""
    return getattr(settings, "LAGESBILD_HANGANDE_EFTER", None) or HANGANDE_EFTER


def mappar() -> dict[str, Path]:
    inbox = Path(settings.LAGESBILD_INBOX)
    folders = {
        "inbox": inbox,
        "archive": inbox.parent / "archive",
        "rejected": inbox.parent / "rejected",
        "processing": inbox.parent / "processing",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def filer_i_inkorgen() -> list[Path]:
    """Files waiting, in name order (so daily deliveries import oldest first)."""
    inbox = mappar()["inbox"]
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def saker_filnamn(namn: str) -> str:
    """A base name without path parts or odd characters, prefixed with a timestamp so nothing is overwritten."""
    base = get_valid_filename(Path(namn or "fil.csv").name) or "fil.csv"
    return f"{timezone.now():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}_{base}"[:200]


def importera_inkorgsfil(path: Path, *, startad_av: str, filnamn: str | None = None) -> Resultat | None:
    """Claims, imports and files one inbox file. Returns None when another run already claimed it."""
    folders = mappar()
    filnamn = filnamn or path.name
    claimed = folders["processing"] / f"{uuid.uuid4().hex}_{path.name}"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    os.utime(claimed)  # rename keeps the delivery's old mtime; the claim's age is what recovery looks at
    resultat = importera_fil(claimed, startad_av=startad_av, filnamn=filnamn)
    target = folders["archive" if resultat.lyckad else "rejected"] / path.name
    if target.exists():
        target = target.with_name(f"{timezone.now():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}_{path.name}")
    os.replace(claimed, target)
    return resultat


def importera_inkorg(*, startad_av: str, progress: Callable[[int, int], None] | None = None) -> list[Resultat]:
    """Imports every file waiting in the inbox; `progress(done, total)` is called after each file.

    Files left in processing/ by a dead run are put back first, so they are imported in this run."""
    aterstall_avbrutna()
    files = filer_i_inkorgen()
    results = []
    for i, path in enumerate(files, start=1):
        resultat = importera_inkorgsfil(path, startad_av=startad_av)
        if resultat:
            results.append(resultat)
        if progress:
            progress(i, len(files))
    return results


def aterstall_avbrutna() -> int:
    """Moves claims older than HANGANDE_EFTER back to the inbox (original name) and marks runs "pågår" older than
    that as failed. Returns the number of files put back."""
    folders = mappar()
    efter = hangande_efter()
    grans = time.time() - efter.total_seconds()
    aterstallda = 0
    for claimed in folders["processing"].iterdir():
        try:
            if not claimed.is_file() or claimed.stat().st_mtime >= grans:
                continue
        except FileNotFoundError:  # another run just moved it
            continue
        namn = _CLAIM_PREFIX.sub("", claimed.name, count=1) or claimed.name
        target = folders["inbox"] / namn
        if target.exists():  # a new delivery with the same name arrived meanwhile: keep both
            target = folders["inbox"] / f"{timezone.now():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}_{namn}"[:200]
        try:
            os.rename(claimed, target)
        except FileNotFoundError:
            continue
        aterstallda += 1
        logger.warning("Avbruten import: %s lades tillbaka i inkorgen", namn)
    avbrutna = ImportRun.objects.filter(status=ImportStatus.PAGAR, startad__lt=timezone.now() - efter)
    avbrutna.update(status=ImportStatus.MISSLYCKAD, meddelande=MEDDELANDE_AVBRUTEN, klar=timezone.now())
    return aterstallda
