"""Calendar-month arithmetic for the register figures. One place for it: the unit view, the Väntetidsdatabasen
page, the import's 18-month rule and the demo data all count calendar months, never days or list positions.

A month is the first day of the month as a date, or the text "ÅÅÅÅ-MM" (matperiod) – manad_start in models.py
reads the text."""

from datetime import date


def manad_plus(manad: date, antal: int) -> date:
    """The first day of the calendar month `antal` months after `manad`'s month (a negative `antal`: before)."""
    index = manad.year * 12 + manad.month - 1 + antal
    return date(index // 12, index % 12 + 1, 1)


def manadstext(manad: date) -> str:
    """ "ÅÅÅÅ-MM"."""
    return f"{manad.year:04d}-{manad.month:02d}"


def manader_fore(datum: date, antal: int) -> list[str]:
    """The `antal` calendar months before the month of `datum`, oldest first, as "ÅÅÅÅ-MM"."""
    return [manadstext(manad_plus(datum, -i)) for i in range(antal, 0, -1)]
