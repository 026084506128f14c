"""URL-driven column sorting for tables (`?sort=<kolumn>&ordning=stigande|fallande`), as the lägesbild table does.

`sortering(params, kolumner, standard)` reads the choice (unknown values fall back to the default) and gives, per
column, the link that sorts by it (a second click reverses), its aria-sort and arrow, for
templates/vardformedling/_sorterbar.html.
"""

from dataclasses import dataclass

ORDNINGAR = ("stigande", "fallande")


@dataclass(frozen=True)
class Sortering:
    sort: str
    ordning: str
    lankar: dict[str, dict[str, str]]

    @property
    def fallande(self) -> bool:
        return self.ordning == "fallande"


def sortering(params, kolumner: list[str], standard: str, *, standard_ordning: str = "stigande") -> Sortering:
    """`params` is the request's QueryDict; `kolumner` the sortable column keys."""
    sort = params.get("sort") if params.get("sort") in kolumner else standard
    ordning = params.get("ordning") if params.get("ordning") in ORDNINGAR else standard_ordning
    lankar = {}
    for kolumn in kolumner:
        p = params.copy()
        for bort in ("sida", "export", "format"):
            p.pop(bort, None)
        vald = kolumn == sort
        p["sort"] = kolumn
        p["ordning"] = ("fallande" if ordning == "stigande" else "stigande") if vald else "stigande"
        lankar[kolumn] = {
            "url": "?" + p.urlencode(),
            "aria": ("ascending" if ordning == "stigande" else "descending") if vald else "",
            "pil": ("▲" if ordning == "stigande" else "▼") if vald else "",
        }
    return Sortering(sort, ordning, lankar)
