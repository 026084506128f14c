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
    An agreement without explicit units covers every unit of its provider. Three queries regardless of size.
    """
    from avtal.models import Avtal, Avtalsrad
    from katalog.models import Vardenhet

    rader = list(
        Avtalsrad.objects.filter(kva_id=kva_kod, avtal__giltig_fran__lte=datum, avtal__giltig_till__gte=datum)
        .nyttjbara_av(region_kod)
        .med_volym()
        .values(
            "id",
            "avtal_id",
            "avtal__avtal_id",
            "avtal__avtalsagare_id",
            "avtal__vardgivare_id",
            "pris_kr",
            "ersattningsmodell",
            "takvolym",
            "left",
        )
    )
    if not rader:
        return {}
    enhet_filter = set(vardenhet_ids) if vardenhet_ids is not None else None
    avtal_pks = {r["avtal_id"] for r in rader}
    enheter_per_avtal: dict[int, list[int]] = {}
    for avtal_pk, enhet_id in Avtal.vardenheter.through.objects.filter(avtal_id__in=avtal_pks).values_list(
        "avtal_id", "vardenhet_id"
    ):
        if enhet_filter is None or enhet_id in enhet_filter:
            enheter_per_avtal.setdefault(avtal_pk, []).append(enhet_id)
        else:
            enheter_per_avtal.setdefault(avtal_pk, [])
    explicita = set(enheter_per_avtal)
    # Agreements naming no units cover all the provider's units.
    hela_vardgivare = {r["avtal__vardgivare_id"] for r in rader if r["avtal_id"] not in explicita}
    enheter_per_vardgivare: dict[int, list[int]] = {}
    if hela_vardgivare:
        qs = Vardenhet.objects.filter(vardgivare_id__in=hela_vardgivare)
        if enhet_filter is not None:
            qs = qs.filter(id__in=enhet_filter)
        for enhet_id, vg_id in qs.values_list("id", "vardgivare_id"):
            enheter_per_vardgivare.setdefault(vg_id, []).append(enhet_id)
    resultat: dict[int, list[RadInfo]] = {}
    for r in rader:
        info = RadInfo(
            rad_id=r["id"],
            avtal_pk=r["avtal_id"],
            avtal_id=r["avtal__avtal_id"],
            avtalsagare_kod=r["avtal__avtalsagare_id"],
            pris_kr=r["pris_kr"],
            ersattningsmodell=r["ersattningsmodell"],
            takvolym=r["takvolym"],
            kvar=r["left"],
        )
        if r["avtal_id"] in explicita:
            enheter = enheter_per_avtal.get(r["avtal_id"], [])
        else:
            enheter = enheter_per_vardgivare.get(r["avtal__vardgivare_id"], [])
        for enhet_id in enheter:
            resultat.setdefault(enhet_id, []).append(info)
    return resultat
