"""Cells of CSV/XLSX exports: values from uploaded files never run as spreadsheet formulas."""

FARLIGA_TECKEN = ("=", "+", "-", "@", "\t", "\r")


def neutralisera(varde) -> object:
    """Spreadsheet formula injection: a text cell starting with = + - @ (or tab, CR) is prefixed with ' so it stays
    text."""
    if isinstance(varde, str) and varde.startswith(FARLIGA_TECKEN):
        return "'" + varde
    return varde
