"""The upload guard in front of every importer: size, type by content (never by the name), and XLSX bombs.

Used by the catalogue, agreement and register-file upload pages and by their management commands, before any
parser sees the file. An XLSX is a zip: its directory says how large every part is once inflated, and Python's
zipfile never inflates a part beyond the size its directory gives (a part that lies fails its CRC), so checking the
directory's sizes bounds the memory openpyxl can use — a 300 kB file with a 300 MB shared-strings part is refused
in milliseconds without inflating anything."""

import io
import zipfile

from django.conf import settings

from vardformedling import format as fmt
from vardformedling.importering.fel import FilAvvisad, Importfel

ZIP_MAX_OKOMPRIMERAT = 50 * 1024 * 1024  # a 20 MB workbook of agreement lines inflates to well under this
ZIP_MAX_KVOT = 100  # spreadsheet XML compresses 5–20×; a bomb by hundreds or thousands
ZIP_MAX_DELAR = 1000  # a workbook has tens of parts
SNIFF_BYTES = 64 * 1024

FEL_FOR_STOR = "Filen är för stor ({storlek} MB); största tillåtna storlek är {max} MB."
FEL_TOM = "Filen är tom."
FEL_ZIP_BOMB = (
    "XLSX-filen packas upp till orimligt mycket data ({mb} MB uppackat, {kvot}× filens storlek) och har avvisats av "
    "säkerhetsskäl. Kontrollera filen och försök igen."
)
FEL_TRASIG_ZIP = "Filen ser ut som XLSX men är trasig eller inte en Excel-fil."
FEL_INTE_ARBETSBOK = "Filen är en zip-fil men inte en XLSX-arbetsbok."
FEL_INTE_TEXT = "Filen är varken en CSV-fil (UTF-8-text) eller en XLSX-fil. Spara den som ”CSV UTF-8” eller som XLSX."
FEL_INTE_UTF8 = "Filen är inte UTF-8-kodad text. Spara den som ”CSV UTF-8” eller som XLSX."
FEL_BARA_CSV = (
    "Filen är en Excel-arbetsbok eller zip-fil, inte CSV. Öppna filen i Excel och spara den som ”CSV UTF-8” med "
    "semikolon som avgränsare."
)

CSV = "csv"
XLSX = "xlsx"


def _avvisa(meddelande: str, rad: int | None = None) -> FilAvvisad:
    return FilAvvisad([Importfel(rad, "", meddelande)])


def max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def kontrollera_storlek(storlek: int) -> None:
    """Refuse a file over UPLOAD_MAX_BYTES (the page reads at most one byte more, so this is cheap)."""
    if storlek > max_bytes():
        mb = fmt.tal(storlek / 1_048_576, 1)
        raise _avvisa(FEL_FOR_STOR.format(storlek=mb, max=max_bytes() // 1_048_576))


def ar_zip(borjan: bytes) -> bool:
    """A zip (an XLSX workbook, or anything else zipped) by its first bytes."""
    return borjan[:4] == b"PK\x03\x04"


def filtyp(borjan: bytes, *, typer: tuple[str, ...] = (CSV, XLSX), rad: int | None = None) -> str:
    """CSV or XLSX decided by the first bytes, never by the file's name; FilAvvisad for anything else.

    `typer=(CSV,)` for the registers, which deliver CSV only (a workbook gets a message saying how to save it).
    `rad` places a file-level error (the register importer reports them on line 1)."""
    if ar_zip(borjan):
        if XLSX not in typer:
            raise _avvisa(FEL_BARA_CSV, rad)
        return XLSX
    if b"\x00" in borjan[:SNIFF_BYTES]:
        raise _avvisa(FEL_INTE_TEXT, rad)
    return CSV


def kontrollera_xlsx(data: bytes) -> None:
    """Refuse a zip bomb (inflated size or ratio), a broken zip, or a zip that is no workbook, before inflating."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            delar = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):  # ValueError/OSError: a directory with impossible offsets
        raise _avvisa(FEL_TRASIG_ZIP) from None
    okomprimerat = sum(d.file_size for d in delar)
    kvot = okomprimerat / max(len(data), 1)
    if len(delar) > ZIP_MAX_DELAR or okomprimerat > ZIP_MAX_OKOMPRIMERAT or kvot > ZIP_MAX_KVOT:
        raise _avvisa(FEL_ZIP_BOMB.format(mb=round(okomprimerat / 1_048_576), kvot=round(kvot)))
    if "xl/workbook.xml" not in {d.filename for d in delar}:
        raise _avvisa(FEL_INTE_ARBETSBOK)


def kontrollera(data: bytes, *, typer: tuple[str, ...] = (CSV, XLSX)) -> str:
    """The whole guard for a file held in memory (catalogue, agreements): returns CSV or XLSX, else FilAvvisad."""
    kontrollera_storlek(len(data))
    if not data.strip():
        raise _avvisa(FEL_TOM)
    typ = filtyp(data, typer=typer)
    if typ == XLSX:
        kontrollera_xlsx(data)
    elif b"\x00" in data:
        raise _avvisa(FEL_INTE_TEXT)
    else:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _avvisa(FEL_INTE_UTF8) from None
    return typ


def kontrollera_uppladdad(fil, *, typer: tuple[str, ...] = (CSV, XLSX)) -> str:
    """The guard for an upload streamed to disk (register files): size from the request, type from the first
    chunk; the file is not read into memory here (its parser checks the encoding as it reads)."""
    kontrollera_storlek(fil.size)
    borjan = fil.read(SNIFF_BYTES)
    fil.seek(0)
    if not borjan.strip():
        raise _avvisa(FEL_TOM)
    return filtyp(borjan, typer=typer)
