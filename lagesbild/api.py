"""What other apps ask of the lägesbild. The lagesbild app owns the implementation; the signature is shared."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Vantetid:
    """A unit's latest waiting-time figure for one KVÅ group and period (urval "alla")."""

    median_dagar: int | None
    antal: int | None
    undertryckt: bool  # "<5" in the register: show "färre än 5", never compute with it
    kalla: str  # "SPOR" or "NCR"
    datum: date  # uttagsdatum of the delivery


def vantetider_for_enheter(
    *, kva_kod: str, vardenhet_ids: Iterable[int] | None = None, period: str = "90d"
) -> dict[int, Vantetid]:
    """Latest figure per care-unit id (all units with data when `vardenhet_ids` is None)."""
    return {}


def inaktuella_kallor(kallor: Iterable[str] | None = None) -> list[str]:
    """Swedish warnings for register sources whose latest delivery is too old (REGISTER_FILES.md)."""
    return []
