"""Case IDs `VF-YYYY-RR-NNNNNN-C` (CONTRACTS.md): year, home-region code, sequence, Luhn check digit.

The check digit is computed over the twelve digits YYYYRRNNNNNN. Numbers are gap-free per region and year:
`next_case_id` locks the region's counter row (SELECT … FOR UPDATE) inside the caller's transaction.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from stdnum import luhn

FEL_KONTROLLSIFFRA = "Kontrollsiffran i ärende-id {case_id} stämmer inte. Kontrollera att du skrivit av det rätt."

_PATTERN = re.compile(r"^VF-?([0-9]{4})-?([0-9]{2})-?([0-9]{6})-?([0-9])$")  # ASCII digits: Luhn takes no others


def format_case_id(ar: int, region_kod: str, nummer: int) -> str:
    digits = f"{ar:04d}{region_kod}{nummer:06d}"
    return f"VF-{ar:04d}-{region_kod}-{nummer:06d}-{luhn.calc_check_digit(digits)}"


# The example shown in placeholders and messages, made by the real function so its check digit is right.
EXEMPEL = format_case_id(2026, "20", 123)
FEL_FORMAT = f"Ärende-id ska skrivas VF-ÅÅÅÅ-RR-NNNNNN-K, till exempel {EXEMPEL}."


def normalise(value: str) -> str:
    """Accepts the ID with or without dashes/spaces and any case; returns the canonical form or raises."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = _PATTERN.match(compact)
    if not match:
        raise ValidationError(FEL_FORMAT, code="format")
    ar, region, nummer, kontroll = match.groups()
    canonical = f"VF-{ar}-{region}-{nummer}-{kontroll}"
    if luhn.calc_check_digit(ar + region + nummer) != kontroll:
        raise ValidationError(FEL_KONTROLLSIFFRA.format(case_id=canonical), code="kontrollsiffra")
    return canonical


def validate(value: str) -> None:
    normalise(value)


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except ValidationError:
        return False
    return True


def looks_like_case_id(value: str) -> bool:
    return bool(_PATTERN.match(re.sub(r"\s+", "", value or "").upper()))


def generate(*, region_kod: str, ar: int) -> str:
    """The next case ID for a region and year. Must run inside a transaction (the counter row stays locked)."""
    from arenden.models import ArendeNummer

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("generate() måste anropas i en transaktion")
    ArendeNummer.objects.get_or_create(region_id=region_kod, ar=ar)
    raknare = ArendeNummer.objects.select_for_update().get(region_id=region_kod, ar=ar)
    raknare.senaste += 1
    raknare.save(update_fields=["senaste"])
    return format_case_id(ar, region_kod, raknare.senaste)
