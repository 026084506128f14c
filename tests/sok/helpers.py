"""Fakes for the two interfaces the search reads (lagesbild.api, avtal.api), recording how often they are called."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from avtal.api import RadInfo
from lagesbild.api import Vantetid

DATUM = date(2026, 10, 31)


def vantetid(median, antal=40, undertryckt=False, kalla="NCR"):
    return Vantetid(median_dagar=median, antal=antal, undertryckt=undertryckt, kalla=kalla, datum=DATUM)


def rad(rad_id, pris, kvar=None, takvolym=None, avtal_id="RD 2026/1", agare="20"):
    return RadInfo(
        rad_id=rad_id,
        avtal_pk=rad_id,
        avtal_id=avtal_id,
        avtalsagare_kod=agare,
        pris_kr=None if pris is None else Decimal(pris),
        ersattningsmodell="per_atgard",
        takvolym=takvolym,
        kvar=kvar,
    )


class Fakes:
    """`fakes.vantetider[unit_pk] = vantetid(...)`, `fakes.rader[unit_pk] = [rad(...)]`."""

    def __init__(self, monkeypatch):
        self.vantetider: dict = {}
        self.rader: dict = {}
        self.prognoser: dict = {}
        self.calls = {"vantetider": [], "rader": []}
        monkeypatch.setattr("lagesbild.api.vantetider_for_enheter", self._vantetider)
        monkeypatch.setattr("lagesbild.api.vantetider_och_prognoser", self._vantetider_och_prognoser)
        monkeypatch.setattr("lagesbild.api.vantetider_for_par", self._vantetider_for_par)
        monkeypatch.setattr("avtal.api.anvandbara_rader", self._rader)

    def _vantetider(self, *, kva_kod, vardenhet_ids=None, period="90d", urval=None):
        self.calls.setdefault("urval", []).append(urval)
        ids = _ids(vardenhet_ids)
        self.calls["vantetider"].append((kva_kod, ids))
        return {k: v for k, v in self.vantetider.items() if not isinstance(ids, list) or k in ids}

    def _vantetider_och_prognoser(self, *, kva_kod, manad, vardenhet_ids=None, period="90d", urval=None):
        vantetider = self._vantetider(kva_kod=kva_kod, vardenhet_ids=vardenhet_ids, period=period, urval=urval)
        return vantetider, {k: v for k, v in self.prognoser.items() if k in vantetider}

    def _vantetider_for_par(self, *, par, period="90d"):
        self.calls["vantetider"].append(("par", sorted(par)))
        return {(k, e): self.vantetider[e] for k, e in par if e in self.vantetider}

    def _rader(self, *, kva_kod, region_kod, datum, vardenhet_ids=None, bara_utbud=False):
        if bara_utbud:  # the units that offer the group, as the real interface narrows them
            from katalog.api import enheter_med_utbud

            vardenhet_ids = enheter_med_utbud(kva_kod)
        ids = _ids(vardenhet_ids)
        self.calls["rader"].append((kva_kod, region_kod, datum, ids))
        return {k: v for k, v in self.rader.items() if not isinstance(ids, list) or k in ids}


def _ids(vardenhet_ids):
    """A list of ids as a list; None or a lazy subquery (katalog.api.enheter_med_utbud) as given: evaluating the
    subquery here would add a query the real interfaces never run (every fake unit offers the group)."""
    return vardenhet_ids if vardenhet_ids is None or isinstance(vardenhet_ids, QuerySet) else list(vardenhet_ids)


class Fragor(CaptureQueriesContext):
    """The statements a request runs, as a server in autocommit mode runs them: the SAVEPOINT/RELEASE pairs that
    appear only because each test runs inside a transaction (around the session save) are left out."""

    def __init__(self):
        super().__init__(connection)

    @property
    def antal(self) -> int:
        return sum(1 for q in self.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))

    def __str__(self) -> str:
        return "\n".join(q["sql"][:160] for q in self.captured_queries)
