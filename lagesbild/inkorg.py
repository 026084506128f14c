"""The inbox: every file in LAGESBILD_INBOX is imported, then moved to archive/ or rejected/ next to the inbox.

Two runs never import the same file: a run first claims a file by an atomic rename into processing/ (next to
the inbox); a run that loses the race simply skips the file. A file is never moved over another one: files are
filed (archive/, rejected/, back into the inbox) by a hard link, which fails when the name is taken (_flytta).

A run that dies (worker killed, machine restarted) leaves its claimed file in processing/ and its ImportRun
"pågår". Nothing was written (the import writes in one transaction), so every run first puts claims older than
settings.LAGESBILD_HANGANDE_EFTER (1 h; Celery's visibility timeout is derived from it) back into the inbox and
marks such runs failed; the file is then read again like any other. HANGANDE_EFTER is the fallback for settings
without it. A claim whose run finished but could not file it (archive/ could not be written) is filed instead, not
imported again: a newer delivery may have replaced it meanwhile.

Names: a file name is at most 255 BYTES (UTF-8) on Linux, so every name built here (claim, archive, rejected,
upload, put back) is cut in bytes, keeping the extension, and has personnummer-like digit runs masked
(vardformedling.personnummer.maskera_i_text). One file that cannot be handled (an OSError, a bug) is recorded as a
failed run and set aside in rejected/; it never stops the run for the other files. A transient fault (the database or
Redis gone: importers.TILLFALLIGA_FEL) is not the file's fault: the file goes back into the inbox and the error is
raised, so the Celery task retries (or the next run reads it).
"""

import errno
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import DatabaseError
from django.utils import timezone
from django.utils.text import get_valid_filename

from lagesbild.importers import TILLFALLIGA_FEL, Resultat, importera_fil, sha256
from lagesbild.models import ImportRun, ImportStatus
from vardformedling.personnummer import maskera_i_text

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
# What a run passes on instead of setting the file aside: nothing is wrong with the file (see the module docstring).
INTE_FILENS_FEL = (DatabaseError, *TILLFALLIGA_FEL)
# os.link's answer where hard links cannot be made: a file system without them, or (fs.protected_hardlinks) a
# file another user delivered that this one may not write.
INGEN_LANK = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP}
# A claim's mtime is set when it is made, a moment before its run starts; file systems store it a little coarsely.
KLOCKMARGINAL = timedelta(seconds=1)


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
    # Letters break every digit run: "Z" (UTC) after the time and "r" before the random part, so neither
    # "HHMMSS_" nor an all-digit random part followed by the file name can look like a personnummer to
    # maskera_i_text (it would mask part of the stamp or of the name after it).
    return f"{timezone.now():%Y%m%dT%H%M%SZ}_r{uuid.uuid4().hex[:5]}_"


def saker_filnamn(namn: str) -> str:
    """A base name without path parts or odd characters, personnummer masked, prefixed with a timestamp so nothing
    is overwritten, and short enough (in bytes) to be claimed."""
    try:
        base = get_valid_filename(Path(namn or "fil.csv").name) or "fil.csv"
    except SuspiciousFileOperation:  # "..", "." or nothing usable left
        base = "fil.csv"
    return begransa_namn(_stampel() + maskera_i_text(base), MAX_INKORGSNAMN_BYTE)


def _flytta(fil: Path, mapp: Path, namn: str, max_byte: int = MAX_NAMN_BYTE) -> Path:
    """Moves `fil` into `mapp` as `namn` (masked, cut in bytes) and returns its new path, never replacing a file
    there, not even one another run puts there at the same moment: the new name is made by a hard link, which
    fails when the name is taken (then a timestamped name is used), and only then is the old name removed. Where
    no hard link can be made (INGEN_LANK) it falls back to a rename to a name that was free a moment before."""
    namn = maskera_i_text(namn)
    for kandidat in (namn, _stampel() + namn, _stampel() + namn):
        target = mapp / begransa_namn(kandidat, max_byte)
        try:
            os.link(fil, target)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in INGEN_LANK:
                raise
            return _byt_namn(fil, mapp, namn, max_byte)
        os.unlink(fil)
        return target
    raise FileExistsError(errno.EEXIST, "Inget ledigt filnamn")


def _byt_namn(fil: Path, mapp: Path, namn: str, max_byte: int) -> Path:
    """_flytta without hard links: a rename to a name free a moment before (a timestamped one if `namn` is taken)."""
    target = mapp / begransa_namn(namn, max_byte)
    if target.exists():
        target = mapp / begransa_namn(_stampel() + namn, max_byte)
    os.rename(fil, target)
    return target


def _lagg_i(fil: Path, mapp: str, namn: str, filnamn: str) -> Path | None:
    """_flytta into the folder `mapp` (a key of mappar()); an OSError is logged (without the raw path) and gives
    None: the file then stays where it is."""
    try:
        return _flytta(fil, mappar()[mapp], namn, MAX_INKORGSNAMN_BYTE if mapp == "inbox" else MAX_NAMN_BYTE)
    except OSError as exc:
        logger.error("Inkorgsfilen %s kunde inte flyttas till %s/ (%s)", filnamn, mapp, _feltyp(exc))
        return None


def _feltyp(fel: Exception) -> str:
    return type(fel).__name__ + (f" {fel.errno}" if isinstance(fel, OSError) and fel.errno else "")


def _utan_claim(claimed: Path) -> str:
    """The (masked) name a claimed file had in the inbox."""
    return _CLAIM_PREFIX.sub("", claimed.name, count=1) or claimed.name


def importera_inkorgsfil(path: Path, *, startad_av: str, filnamn: str | None = None) -> Resultat | None:
    """Claims, imports and files one inbox file. Returns None when another run already claimed it.

    A file that cannot be claimed or imported for a reason of its own (an OSError, an unexpected error) gives a
    failed run and is moved to rejected/. A database error or another transient fault (INTE_FILENS_FEL) is raised
    once the file is back in the inbox (never in rejected/), to be read when the task retries or by the next run.
    A file imported (or rejected) but that cannot be filed stays in processing/; aterstall_avbrutna files it later
    without importing it again."""
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
    except INTE_FILENS_FEL:
        _lagg_i(claimed, "inbox", path.name, filnamn)  # if even that fails, aterstall_avbrutna puts it back later
        raise
    except Exception as exc:  # one file must never stop the others
        return _misslyckad_fil(claimed, filnamn, startad_av=startad_av, fel=exc)
    _lagg_i(claimed, "archive" if resultat.lyckad else "rejected", path.name, filnamn)
    return resultat


def _misslyckad_fil(fil: Path, filnamn: str, *, startad_av: str, fel: Exception) -> Resultat:
    """Records a failed run for a file that could not be handled and sets the file aside in rejected/ (or leaves it
    where it is when even that fails: a file is never lost). Logs no exception text: it would hold the raw path."""
    typ = _feltyp(fel)
    logger.error("Inkorgsfilen %s kunde inte hanteras (%s)", filnamn, typ)
    flyttad = _lagg_i(fil, "rejected", _utan_claim(fil), filnamn)
    var = FILFEL_FLYTTAD if flyttad else FILFEL_KVAR.format(mapp=fil.parent.name)
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
        except INTE_FILENS_FEL:
            raise
        except Exception as exc:  # whatever went wrong with this file, the next one is read
            resultat = _misslyckad_fil(path, maskera_i_text(path.name), startad_av=startad_av, fel=exc)
        if resultat:
            results.append(resultat)
        if progress:
            progress(i, len(files))
    return results


def aterstall_avbrutna() -> int:
    """Files claims older than HANGANDE_EFTER (see _aterstall) and marks runs "pågår" older than that as failed.
    Returns the number of files put back into the inbox."""
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
        aterstallda += _aterstall(claimed)
    avbrutna = ImportRun.objects.filter(status=ImportStatus.PAGAR, startad__lt=timezone.now() - efter)
    avbrutna.update(status=ImportStatus.MISSLYCKAD, meddelande=MEDDELANDE_AVBRUTEN, klar=timezone.now())
    return aterstallda


def _aterstall(claimed: Path) -> bool:
    """Takes over an old claim and files it: where its own run would have put it when that run finished (see
    _egen_korning), else back into the inbox under its name (a delivery of the same name there is kept: the
    claim gets a timestamped name, cut in bytes so it can be claimed again). True when put back into the inbox."""
    namn = _utan_claim(claimed)
    egen = claimed.with_name(begransa_namn(f"{uuid.uuid4().hex}_{namn}"))
    try:
        os.rename(claimed, egen)  # atomic: of two runs recovering at once, one takes it
        run = _egen_korning(egen)
    except FileNotFoundError:  # another run took it
        return False
    except OSError as exc:
        logger.error("Avbruten import: %s kunde inte tas tillbaka (%s)", namn, _feltyp(exc))
        return False
    mapp = "inbox" if run is None else ("archive" if run.lyckad else "rejected")
    if _lagg_i(egen, mapp, namn, namn) is None:
        return False
    if run is None:
        logger.warning("Avbruten import: %s lades tillbaka i inkorgen", namn)
    else:
        logger.warning("Inläst fil %s som inte kunde flyttas lades i %s/", namn, mapp)
    return run is None


def _egen_korning(claimed: Path) -> ImportRun | None:
    """The finished run (inläst, redan inläst or avvisad) that read this very claim: same content, started after
    the claim was made (a claim's mtime is set when it is made). None when its run died or failed: the file is then
    to be read again. An earlier run of the same content does not count: the file was delivered anew."""
    gjord = datetime.fromtimestamp(claimed.stat().st_mtime, tz=UTC) - KLOCKMARGINAL
    avslutade = [ImportStatus.KLAR, ImportStatus.REDAN_INLAST, ImportStatus.AVVISAD]
    korningar = ImportRun.objects.filter(checksumma=sha256(claimed), startad__gte=gjord, status__in=avslutade)
    return korningar.order_by("startad").first()


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
