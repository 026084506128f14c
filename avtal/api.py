"""What other apps ask of agreements. The avtal app owns the implementation; the signature is shared."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class RadInfo:
    """One agreement line usable for a unit: price and the volume left (None = no cap)."""

    rad_id: int
    avtal_pk: int
    avtal_id: str
    avtalsagare_kod: str
    pris_kr: Decimal | None
    ersattningsmodell: str
    takvolym: int | None
    kvar: int | None


def anvandbara_rader(
    *, kva_kod: str, region_kod: str, datum: date, vardenhet_ids: Iterable[int] | None = None
) -> dict[int, list[RadInfo]]:
    """Agreement lines for `kva_kod` valid on `datum` and usable by `region_kod`, per care-unit id.

    Lines whose cap is reached are included with kvar == 0 so the search can say "takvolym nådd".
    """
    return {}
