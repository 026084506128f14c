"""Load (belastning) from Väntetidsdatabasen and the national balance check.

Per region and care area, for the newest month with data: patients waiting, the month's inflow (nytillkomna) and
output (genomförda), the ratio inflow/output (above 1: the queue grows) and the months it would take to clear the
queue at the current output without new patients (waiting / output). The national series must satisfy
waiting(m) = waiting(m−1) + new(m) − performed(m) exactly (it does in the national tables); a month where a
delivery breaks it is flagged with the difference. A suppressed count (`<5`, NULL) is never computed with."""

from dataclasses import dataclass
from datetime import date

from lagesbild.manader import manad_plus
from lagesbild.models import VantetidManad
from vardformedling.charts import Serie, stapeldiagram


@dataclass
class Belastning:
    region_kod: str
    region_namn: str
    manad: date | None
    vantande: int | None
    nytillkomna: int | None
    genomforda: int | None

    @property
    def kvot(self) -> float | None:
        """Inflow / output; None when either is suppressed or nothing was performed."""
        if self.nytillkomna is None or not self.genomforda:
            return None
        return self.nytillkomna / self.genomforda

    @property
    def manader_att_beta_av(self) -> float | None:
        """Months to clear the queue at the month's output, without new patients."""
        if self.vantande is None or not self.genomforda:
            return None
        return self.vantande / self.genomforda


def balans(rader: list[VantetidManad]) -> dict[date, int]:
    """Month → waiting(m) − (waiting(m−1) + new(m) − performed(m)) for the months of one series (one region, type
    and care area) that can be checked: the month before is there and no count involved is suppressed. 0: holds."""
    per_manad = {r.manad: r for r in rader}
    skillnader = {}
    for manad, r in sorted(per_manad.items()):
        fore = per_manad.get(manad_plus(manad, -1))
        if fore is None:
            continue
        vantande, nya, gjorda, vantande_fore = (
            r.antal_vantande, r.antal_nytillkomna, r.antal_genomforda, fore.antal_vantande
        )  # fmt: skip
        if vantande is None or nya is None or gjorda is None or vantande_fore is None:
            continue
        skillnader[manad] = vantande - (vantande_fore + nya - gjorda)
    return skillnader


def balansbrott(rader: list[VantetidManad]) -> dict[date, int]:
    """The months where the identity breaks, with the difference."""
    return {m: d for m, d in balans(rader).items() if d}


def per_region(*, vardomrade: str, typ: str, regioner: list) -> dict:
    """The load of every region and the whole country for one care area and type, in the newest month with data:
    rows for the table, a bar chart of the ratio inflow/output beside it (one query)."""
    qs = VantetidManad.objects.filter(vardomrade=vardomrade, typ=typ)
    senaste = qs.order_by("-manad").values_list("manad", flat=True).first()
    if senaste is None:
        return {"rader": [], "manad": None, "svg": ""}
    rader_i_db = {r.region_id or "00": r for r in qs.filter(manad=senaste)}
    namn = {"00": "Hela landet", **{r.kod: r.namn for r in regioner}}
    rader = []
    for kod in ["00", *(r.kod for r in regioner)]:
        r = rader_i_db.get(kod)
        rader.append(
            Belastning(
                region_kod=kod,
                region_namn=namn[kod],
                manad=senaste if r else None,
                vantande=r.antal_vantande if r else None,
                nytillkomna=r.antal_nytillkomna if r else None,
                genomforda=r.antal_genomforda if r else None,
            )
        )
    regionrader = [b for b in rader if b.region_kod != "00"]
    svg = stapeldiagram(
        titel=f"Inflöde i förhållande till genomförda, {vardomrade}, {senaste:%Y-%m}",
        beskrivning=(
            "Kvoten nytillkomna / genomförda per region (länskod) för månaden; över 1 växer kön. Regioner utan "
            "uppgift saknar stapel. Siffrorna och regionernas namn finns i tabellen bredvid."
        ),
        etiketter=[b.region_kod for b in regionrader],
        serier=[Serie("Nytillkomna / genomförda", [b.kvot for b in regionrader])],
        y_etikett="Kvot",
        id_prefix=f"belastning-{typ}",
    )
    return {"rader": rader, "manad": senaste, "svg": svg}
