"""The inbox: every file in LAGESBILD_INBOX is imported, then moved to archive/ or rejected/ next to the inbox.

Two runs never import the same file: a run first claims a file by an atomic rename into processing/ (next to
the inbox); a run that loses the race simply skips the file.

A run that dies (worker killed, machine restarted) leaves its claimed file in processing/ and its ImportRun
"pågår". Nothing was written (the import writes in one transaction), so every run first puts claims older than
settings.LAGESBILD_HANGANDE_EFTER (1 h; Celery's visibility timeout is derived from it) back into the inbox and
marks such runs failed; the file is then read again like any other. HANGANDE_EFTER is the fallback for settings
without it.

Names: a file name is at most 255 BYTES (UTF-8) on Linux, so every name built here (claim, archive, rejected,
upload) is cut in bytes, keeping the extension, and has personnummer-like digit runs masked
(arenden.personnummer.maskera_i_text). One file that cannot be handled (an OSError, a bug) is recorded as a failed
run and set aside in rejected/; it never stops the run for the other files.
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
from django.core.exceptions import SuspiciousFileOperation
from django.db import DatabaseError
from django.utils import timezone
from django.utils.text import get_valid_filename

from arenden.personnummer import maskera_i_text
from lagesbild.importers import Resultat, importera_fil
from lagesbild.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)

# A claim (or a run "pågår") older than this belongs to a dead run. Far above the longest real import (minutes).
# Used only when settings.LAGESBILD_HANGANDE_EFTER is not set (settings.py sets it to the same hour).
HANGANDE_EFTER = timedelta(hours=1)
MEDDELANDE_AVBRUTEN = (
    "Körningen avbröts innan den blev klar (arbetsprocessen stoppades); inget lästes in. "
    "Filen läses in igen vid nästa körning av inkorgen."
)
_CLAIM_PREFIX = re.compile(r"^[0-9a-f]{32}_")
MAX_NAMN_BYTE = 255  # NAME_MAX: a file name's length in bytes, whatever the characters
CLAIM_BYTE = 33  # "<32 hex>_" in front of a claimed file's name
MAX_INKORGSNAMN_BYTE = MAX_NAMN_BYTE - CLAIM_BYTE  # a name we put in the inbox can always be claimed
MEDDELANDE_FILFEL = "Filen kunde inte hanteras ({fel}); inget lästes in. {var}"
FILFEL_FLYTTAD = "Den flyttades till rejected/; lägg tillbaka den i inkorgen för att försöka igen."
FILFEL_KVAR = "Den kunde inte flyttas och ligger kvar i {mapp}/."


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


def begransa_namn(namn: str, max_byte: int = MAX_NAMN_BYTE) -> str:
    """`namn` cut to at most `max_byte` bytes of UTF-8 without splitting a character, keeping a short extension."""
    if len(namn.encode()) <= max_byte:
        return namn
    stam, punkt, andelse = namn.rpartition(".")
    if not punkt or not stam or len(andelse.encode()) > 10:
        stam, andelse = namn, ""
    andelse = f".{andelse}" if andelse else ""
    plats = max(0, max_byte - len(andelse.encode()))
    return stam.encode()[:plats].decode("utf-8", errors="ignore") + andelse


def _stampel() -> str:
    return f"{timezone.now():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}_"


def saker_filnamn(namn: str) -> str:
    """A base name without path parts or odd characters, personnummer masked, prefixed with a timestamp so nothing
    is overwritten, and short enough (in bytes) to be claimed."""
    try:
        base = get_valid_filename(Path(namn or "fil.csv").name) or "fil.csv"
    except SuspiciousFileOperation:  # "..", "." or nothing usable left
        base = "fil.csv"
    return begransa_namn(_stampel() + maskera_i_text(base), MAX_INKORGSNAMN_BYTE)


def _filnamn_i(mapp: Path, namn: str) -> Path:
    """A free path in `mapp` for a file called `namn` (masked, cut in bytes): a name already there gets a
    timestamp prefix, so nothing is overwritten."""
    namn = maskera_i_text(namn)
    target = mapp / begransa_namn(namn)
    if target.exists():
        target = mapp / begransa_namn(_stampel() + namn)
    return target


def importera_inkorgsfil(path: Path, *, startad_av: str, filnamn: str | None = None) -> Resultat | None:
    """Claims, imports and files one inbox file. Returns None when another run already claimed it.

    A file that cannot be claimed or imported for a reason of its own (an OSError, an unexpected error) gives a
    failed run and is moved to rejected/; a database error is raised (nothing can be recorded; a claimed file goes
    back to the inbox through aterstall_avbrutna)."""
    folders = mappar()
    filnamn = maskera_i_text(filnamn or path.name)
    claimed = folders["processing"] / begransa_namn(f"{uuid.uuid4().hex}_{maskera_i_text(path.name)}")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _misslyckad_fil(path, filnamn, startad_av=startad_av, fel=exc)
    try:
        os.utime(claimed)  # rename keeps the delivery's old mtime; the claim's age is what recovery looks at
        resultat = importera_fil(claimed, startad_av=startad_av, filnamn=filnamn)
    except DatabaseError:
        raise
    except Exception as exc:  # one file must never stop the others
        return _misslyckad_fil(claimed, filnamn, startad_av=startad_av, fel=exc)
    target = _filnamn_i(folders["archive" if resultat.lyckad else "rejected"], path.name)
    try:
        os.replace(claimed, target)
    except OSError as exc:  # imported all the same; the claim goes back to the inbox later and reads "redan inläst"
        logger.error("Inläst fil %s kunde inte flyttas till %s (%s)", filnamn, target.parent.name, type(exc).__name__)
    return resultat


def _misslyckad_fil(fil: Path, filnamn: str, *, startad_av: str, fel: Exception) -> Resultat:
    """Records a failed run for a file that could not be handled and sets the file aside in rejected/ (or leaves it
    where it is when even that fails: a file is never lost). Logs no exception text: it would hold the raw path."""
    typ = type(fel).__name__ + (f" {fel.errno}" if isinstance(fel, OSError) and fel.errno else "")
    logger.error("Inkorgsfilen %s kunde inte hanteras (%s)", filnamn, typ)
    try:
        os.rename(fil, _filnamn_i(mappar()["rejected"], _CLAIM_PREFIX.sub("", fil.name, count=1)))
        var = FILFEL_FLYTTAD
    except OSError as exc:
        logger.error("Inkorgsfilen %s kunde inte flyttas till rejected/ (%s)", filnamn, type(exc).__name__)
        var = FILFEL_KVAR.format(mapp=fil.parent.name)
    now = timezone.now()
    run = ImportRun.objects.create(
        filnamn=filnamn[:255],
        startad_av=startad_av[:64],
        status=ImportStatus.MISSLYCKAD,
        meddelande=MEDDELANDE_FILFEL.format(fel=typ, var=var),
        klar=now,
    )
    return Resultat(run)


def importera_inkorg(*, startad_av: str, progress: Callable[[int, int], None] | None = None) -> list[Resultat]:
    """Imports every file waiting in the inbox; `progress(done, total)` is called after each file.

    Files left in processing/ by a dead run are put back first, so they are imported in this run."""
    aterstall_avbrutna()
    files = filer_i_inkorgen()
    results = []
    for i, path in enumerate(files, start=1):
        try:
            resultat = importera_inkorgsfil(path, startad_av=startad_av)
        except DatabaseError:
            raise
        except Exception as exc:  # whatever went wrong with this file, the next one is read
            resultat = _misslyckad_fil(path, maskera_i_text(path.name), startad_av=startad_av, fel=exc)
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


def ta_emot_uppladdning(chunks, namn: str) -> Path:
    """Writes an upload into the inbox under a safe name: first into uppladdning/ next to the inbox (which no run
    scans), then one rename into the inbox, so an inbox run never claims half a file."""
    folders = mappar()
    tillfalle = folders["inbox"].parent / "uppladdning"
    tillfalle.mkdir(parents=True, exist_ok=True)
    target = folders["inbox"] / saker_filnamn(namn)
    tmp = tillfalle / f"{uuid.uuid4().hex}.part"
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.rename(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
