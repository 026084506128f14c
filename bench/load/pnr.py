"""Patients for the load test's registrations: samordningsnummer numbered 0, 1, 2, … (no Django, no locust).

Number n is born 1940-01-01 + n // 1000 days with serial n % 1000, written with the day + 60 as a
samordningsnummer. seed_scale and the demo use personnummer (real days of birth), so these never meet their
patients; run.py starts each run past every number an earlier run registered (see `nasta_samordningsnummer`),
so a registration never meets an earlier run's open case either (the duplicate warning a real navigator would stop
at).
"""

from datetime import date, timedelta

BAS = date(1940, 1, 1)


def luhn(siffror: str) -> int:
    """The check digit for the ten-digit form (YYMMDDNNN)."""
    summa = 0
    for i, s in enumerate(siffror):
        d = int(s) * (2 - i % 2)
        summa += d - 9 if d > 9 else d
    return (10 - summa % 10) % 10


def samordningsnummer(nr: int) -> str:
    """ÅÅÅÅMMDD-NNNK with DD = day of birth + 60."""
    fodd = BAS + timedelta(days=nr // 1000)
    nio = f"{fodd:%y%m}{fodd.day + 60:02d}{nr % 1000:03d}"
    return f"{fodd:%Y}{nio[2:6]}-{nio[6:]}{luhn(nio)}"


def nummer(pnr: str) -> int | None:
    """The n of a normalised 12-digit samordningsnummer (None for a personnummer or a date outside the series)."""
    if len(pnr) != 12 or not pnr.isdigit() or int(pnr[6:8]) <= 60:
        return None
    try:
        fodd = date(int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8]) - 60)
    except ValueError:
        return None
    return (fodd - BAS).days * 1000 + int(pnr[8:11]) if fodd >= BAS else None
