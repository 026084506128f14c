"""Reading the file a management command is given (import_katalog, import_avtal), without showing a personnummer.

The file's name is shown masked (vardformedling.personnummer.maskera_i_text), as the importers store it; a file that
cannot be read is reported by the kind of error only, because an OSError's own text holds the raw path."""

from pathlib import Path

from django.core.management.base import CommandError

from vardformedling.personnummer import maskera_i_text


def las_fil(fil: str) -> tuple[str, bytes]:
    """(the file's name masked, its content); CommandError with a Swedish message when it is missing or unreadable."""
    path = Path(fil)
    namn = maskera_i_text(path.name)
    try:
        if not path.is_file():
            raise CommandError(f"{maskera_i_text(fil)}: filen finns inte.")
        return namn, path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{namn}: filen kunde inte läsas ({type(exc).__name__}).") from None
