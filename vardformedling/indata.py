"""Reading numbers from query strings and form fields that anyone can type."""


def heltal(value: str | None) -> int | None:
    """A non-negative whole number written in ASCII digits (at most 18, so it fits a bigint), else None.

    `str.isdigit()` alone is not enough: it accepts "²" and other characters `int()` refuses (a 500).
    """
    value = (value or "").strip()
    if value and len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None
