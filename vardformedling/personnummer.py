"""Personnummer and samordningsnummer: validation and normalisation to 12 digits (ÅÅÅÅMMDDNNNK).

python-stdnum validates personnummer; a samordningsnummer has the birth day + 60, which stdnum rejects, so the
date part is checked with day − 60 and the Luhn check digit over the original ten digits.
"""

import re
import traceback

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import personnummer as se_pnr

FEL_PERSONNUMMER = (
    "Personnumret är inte giltigt. Skriv det som ÅÅÅÅMMDD-NNNN (eller ÅÅMMDD-NNNN); "
    "för samordningsnummer är dagen födelsedagen + 60."
)
FEL_KONTROLLSIFFRA = "Personnumrets kontrollsiffra stämmer inte. Kontrollera att du skrivit av det rätt."


def normalise(value: str) -> str:
    """Returns the number as 12 digits, or raises ValidationError with a Swedish message."""
    raw = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}", raw):
        raise ValidationError(FEL_PERSONNUMMER, code="format")
    separator = "+" if "+" in raw else "-"
    digits = raw.replace("-", "").replace("+", "")
    century = digits[:2] if len(digits) == 12 else ""
    ten = digits[-10:]
    day = int(ten[4:6])
    samordning = day > 60
    date_ten = ten[:4] + f"{day - 60:02d}" + ten[6:] if samordning else ten
    candidate = f"{century}{date_ten[:6]}{separator}{date_ten[6:]}"
    try:
        birth = se_pnr.get_birth_date(candidate)
    except StdnumError as exc:
        raise ValidationError(FEL_PERSONNUMMER, code="datum") from exc
    if not luhn.is_valid(ten):
        raise ValidationError(FEL_KONTROLLSIFFRA, code="kontrollsiffra")
    return f"{birth.year:04d}{ten[2:]}"


def mask(pnr12: str) -> str:
    return f"{pnr12[:8]}-****" if len(pnr12) == 12 else "****"


# Anything shaped like a personnummer or samordningsnummer – ÅÅMMDD-NNNN or ÅÅÅÅMMDD-NNNN with any of the separators
# people and file systems use (- + _ . space) – and every run of ten or more digits (ÅÅMMDDNNNN, ÅÅÅÅMMDDNNNN, or one
# hidden in a longer run). ASCII digits only. Deliberately wide (no date or check-digit test): a false hit only hides
# digits, a miss would leak a number. So a 10-digit organisation number ("5560000001") or a date with a time
# ("20261203 1200") is masked too. Kept: dates alone ("20261203", "2026-12-03", "20261101-20261130") and HSA-ids
# ("SE2321000180-VL01": SE, an organisation number – third digit 2–9, which no personnummer month has – and "-").
_PERSONNUMMERLIKT = re.compile(
    r"(?<![0-9])"
    r"(?!(?<=[Ss][Ee])[0-9]{2}[2-9][0-9]{7}-[A-Za-z0-9])"  # an HSA-id's organisation number
    r"(?:[0-9]{6,8}[-+_. ][0-9]{4}|[0-9]{10,})"
    r"(?![0-9])"
)
MASKERAT = "XXXXXXXX-XXXX"


def maskera_i_text(text: str) -> str:
    """`text` (a file name, a log line) with every personnummer-like digit sequence replaced by XXXXXXXX-XXXX.

    Wide on purpose (see _PERSONNUMMERLIKT): other numbers of the same shape, such as organisation numbers in a file
    name, are masked as well."""
    return _PERSONNUMMERLIKT.sub(MASKERAT, text or "")


def maskerat_undantag(exc: BaseException) -> str:
    """`exc` with its traceback as text, masked like maskera_i_text: for the log, where an OSError's message (and
    many a library's) carries the raw path of the file it was reading."""
    return maskera_i_text("".join(traceback.format_exception(exc)).rstrip())


def make_test_number(year: int, month: int, day: int, serial: int) -> str:
    """A syntactically valid 12-digit number for synthetic data (serial 0–999)."""
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year:04d}{month:02d}{day:02d}{serial:03d}{luhn.calc_check_digit(nine)}"


def skalnummer(nr: int) -> str:
    """The number of seed_scale's bulk patient `nr` (scale/arenden.py): serials 900–999, never the demo's (100–899);
    unique for up to 2 million patients. The load test signs these patients in by `nr` (patient/inloggning.py)."""
    return make_test_number(1930 + nr % 60, 1 + (nr // 60) % 12, 1 + (nr // 720) % 28, 900 + (nr // 20160) % 100)
