"""Reading numbers from query strings and form fields, and text from files, that anyone can type."""

import re

# C0 and C1 control characters (Unicode category Cc). PostgreSQL refuses NUL in text (a DataError at the write);
# the others would be stored and end up in pages, exports and terminals.
_STYRTECKEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_STYRTECKEN_UTOM_RADBRYTNING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF and CR allowed
FEL_STYRTECKEN = "värdet innehåller ett styrtecken ({kod}), som inte får finnas i text; ta bort det och spara igen."


def heltal(value: str | None) -> int | None:
    """A non-negative whole number written in ASCII digits (at most 18, so it fits a bigint), else None.

    `str.isdigit()` alone is not enough: it accepts "²" and other characters `int()` refuses (a 500).
    """
    value = (value or "").strip()
    if value and len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None


def citera(value: str, langst: int = 30) -> str:
    """A value the user typed (a rejected query parameter) as a message quotes it: white space folded, and cut
    with "…" when longer than `langst` characters."""
    value = " ".join(value.split())
    return value if len(value) <= langst else value[: langst - 1] + "…"


def styrtecken(text: str, *, radbrytning: bool = False) -> str | None:
    """The first control character in `text` as "U+0000", or None when there is none.

    `radbrytning=True` allows tab, line feed and carriage return (a multi-line text such as an agreement's terms)."""
    m = (_STYRTECKEN_UTOM_RADBRYTNING if radbrytning else _STYRTECKEN).search(text or "")
    return f"U+{ord(m.group()):04X}" if m else None


def fel_styrtecken(text: str, *, radbrytning: bool = False) -> str | None:
    """FEL_STYRTECKEN for `text` when it holds a control character, else None."""
    kod = styrtecken(text, radbrytning=radbrytning)
    return FEL_STYRTECKEN.format(kod=kod) if kod else None


def utan_styrtecken(text: str) -> str:
    """`text` with every control character replaced by U+FFFD: a value quoted in an error message (stored as JSON,
    printed in a terminal) never carries a NUL or an escape sequence."""
    return _STYRTECKEN.sub("\ufffd", text)
