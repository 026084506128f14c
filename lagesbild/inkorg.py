"""The inbox: every file in LAGESBILD_INBOX is imported, then moved to archive/ or rejected/ next to the inbox.

Two runs never import the same file: a run first claims a file by an atomic rename into processing/ (next to
the inbox); a run that loses the race simply skips the file.
"""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename

from lagesbild.importers import Resultat, importera_fil


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
    resultat = importera_fil(claimed, startad_av=startad_av, filnamn=filnamn)
    target = folders["archive" if resultat.lyckad else "rejected"] / path.name
    if target.exists():
        target = target.with_name(f"{timezone.now():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}_{path.name}")
    os.replace(claimed, target)
    return resultat


def importera_inkorg(*, startad_av: str, progress: Callable[[int, int], None] | None = None) -> list[Resultat]:
    """Imports every file waiting in the inbox; `progress(done, total)` is called after each file."""
    files = filer_i_inkorgen()
    results = []
    for i, path in enumerate(files, start=1):
        resultat = importera_inkorgsfil(path, startad_av=startad_av)
        if resultat:
            results.append(resultat)
        if progress:
            progress(i, len(files))
    return results
