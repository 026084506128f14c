"""One way to preview and apply an import: validate the whole file, plan against the database, show, confirm, apply.

An app's importer implements `Importor`: `analysera(data, typ)` reads and checks every record (FilAvvisad with every
error), `planera(analys)` compares it with the database without writing (the plan's `forhandsvisning` is what the
preview page shows and the upload record stores as JSON: new, changed field by field, unchanged, and what the file
leaves out), and `tillampa(plan)` writes it. `forhandsgranska` runs the first two; `tillampa` runs all three in one
transaction, so a confirmed file is checked again against the database as it is when it is applied."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.core.cache import cache
from django.db import transaction

from vardformedling import format as fmt
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad

FIL_SAKNAS = "Välj en CSV- eller XLSX-fil att ladda upp."
ANNAT_UPPDRAG = (
    "Filen kontrollerades under uppdraget {uppdrag}, inte under det du har valt nu. Ingenting är inläst: byt "
    "tillbaka till det uppdraget och bekräfta där, eller ladda upp filen igen under det här uppdraget."
)


@dataclass
class Forhandsvisning:
    """What an import would do. Each list holds JSON-ready dicts; `andrade` items carry `andringar`, a list of
    {"falt", "fran", "till"} (field by field). `saknade` is what the file leaves out (agreements left untouched,
    catalogue units to be deactivated), as the importer's rule says."""

    nya: list[dict] = field(default_factory=list)
    andrade: list[dict] = field(default_factory=list)
    oforandrade: list[dict] = field(default_factory=list)
    saknade: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"nya": self.nya, "andrade": self.andrade, "oforandrade": self.oforandrade, "saknade": self.saknade}

    def rader(self) -> list[tuple[dict, str]]:
        """The file's rows for a preview table, new, changed, unchanged, each with what happens to it: "Ny", its
        changes ("Antal 3 → 5") or "Oförändrad"."""
        return [
            *((r, "Ny") for r in self.nya),
            *((r, "; ".join(f"{a['falt']} {a['fran']} → {a['till']}" for a in r["andringar"])) for r in self.andrade),
            *((r, "Oförändrad") for r in self.oforandrade),
        ]


class Importor(Protocol):
    def analysera(self, data: bytes, typ: str, *, progress: Callable[[int], None] | None = None) -> Any: ...

    def planera(self, analys: Any) -> Any: ...

    def tillampa(self, plan: Any, *, progress: Callable[[int], None] | None = None) -> dict: ...


def forhandsgranska(importor: Importor, data: bytes, *, progress: Callable[[int], None] | None = None):
    """Guard, read, check every record and plan: returns the plan (with `forhandsvisning`), writes nothing.
    Raises FilAvvisad with every error."""
    typ = vakt.kontrollera(data)
    return importor.planera(importor.analysera(data, typ, progress=progress))


def ta_emot(request, *, importor: Callable[[str], Importor], nyckel: Callable[[str], str], tid: int):
    """An upload page's POST: the file (`fil`) size-checked, read and previewed as a whole; a good file is kept in
    the cache under `nyckel(token)` for `tid` seconds until the user confirms it, together with the active commission
    (the plan is that commission's). Returns (errors in Swedish, the plan or None, the token or "")."""
    fil = request.FILES.get("fil")
    if fil is None:
        return [FIL_SAKNAS], None, ""
    try:
        vakt.kontrollera_storlek(fil.size)  # the upload handlers always set the size
        data = fil.read()
        plan = forhandsgranska(importor(fil.name or ""), data)
    except FilAvvisad as exc:
        return exc.texter, None, ""
    token = secrets.token_urlsafe(16)
    uppdrag = getattr(request, "uppdrag", None)
    cache.set(nyckel(token), (fil.name, data, uppdrag.pk if uppdrag else None, uppdrag.etikett if uppdrag else ""), tid)
    return [], plan, token


def bekrafta(request, *, importor: Callable[[str], Importor], nyckel: Callable[[str], str], borta: str):
    """The confirm POST of a file `ta_emot` kept: applied (checked again against the database as it is now) and
    forgotten. Returns (errors in Swedish, the counts or None); `borta` when the kept file is gone (expired), and a
    refusal when the user has switched to another commission since the preview (the file would be written as that
    commission's: another region's plans, volume on agreements the preview did not show)."""
    token = request.POST.get("token", "")
    sparad = cache.get(nyckel(token)) if token else None
    if sparad is None or len(sparad) != 4:  # gone, or kept by a release before the commission was kept with it
        return [borta], None
    filnamn, data, uppdrag_pk, uppdrag_etikett = sparad
    uppdrag = getattr(request, "uppdrag", None)
    if uppdrag_pk != (uppdrag.pk if uppdrag else None):
        return [ANNAT_UPPDRAG.format(uppdrag=f"”{uppdrag_etikett}”")], None
    try:
        _plan, antal = tillampa(importor(filnamn), data)
    except FilAvvisad as exc:  # the database changed since the preview
        return exc.texter, None
    cache.delete(nyckel(token))
    return [], antal


def tillampa(
    importor: Importor, data: bytes, *, kontroll: Callable[[Any], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Any, dict]:  # fmt: skip
    """Check and plan again against the database as it is now, run `kontroll(plan)` (a guard that may raise
    FilAvvisad, e.g. too many deactivations), then write; all in one transaction. Returns (plan, counts)."""
    typ = vakt.kontrollera(data)
    with transaction.atomic():
        plan = importor.planera(importor.analysera(data, typ, progress=progress))
        if kontroll:
            kontroll(plan)
        return plan, importor.tillampa(plan, progress=progress)


def varde_text(v) -> str:
    """A value as the preview shows it: "–" for nothing, ja/nej, lists joined, dates ISO, amounts with comma."""
    if v is None or v == "" or v == [] or v == ():
        return "–"
    if isinstance(v, bool):
        return "ja" if v else "nej"
    if isinstance(v, list | tuple | set):
        return ", ".join(str(x) for x in (sorted(v) if isinstance(v, set) else v))
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal | float):
        d = Decimal(repr(v)) if isinstance(v, float) else v
        exponent = d.normalize().as_tuple().exponent  # an int for every finite number
        return fmt.tal(d, 0 if d == d.to_integral_value() or not isinstance(exponent, int) else max(-exponent, 0))
    return str(v)


def andringar(fore: dict, efter: dict, etiketter: dict[str, str]) -> list[dict]:
    """Field by field what changes, in the order of `etiketter` (field → Swedish label)."""
    return [
        {"falt": etikett, "fran": varde_text(fore.get(falt)), "till": varde_text(efter.get(falt))}
        for falt, etikett in etiketter.items()
        if fore.get(falt) != efter.get(falt)
    ]
