"""Preview and apply a validated catalogue extract (see katalog.importer for the validation rules).

The plan compares the extract with the database unit by unit and field by field (new, changed, unchanged, units of
the catalogue missing from the file, which are deactivated) without writing; applying writes it with bulk operations
inside the caller's transaction. Deactivation guard: a file that would deactivate more than
KATALOG_MAX_INAKTIVERING_ANDEL of the active catalogue units (default 10 %) — a partial extract mistaken for a full
one — is applied only when the administrator confirms that number (the upload page) or the command is given
`--tillat-inaktivering`.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from katalog.models import KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from vardformedling import format as fmt
from vardformedling.importering import forhandsvisning
from vardformedling.importering.fel import FilAvvisad, Importfel

FEL_FOR_MANGA_INAKTIVERAS = (
    "Filen skulle inaktivera {antal} av {aktiva} aktiva vårdenheter ({andel}\u00a0%), fler än de {grans}\u00a0% som "
    "tillåts utan bekräftelse. Kontrollera att filen är ett fullständigt utdrag ur katalogen."
)
FEL_FOR_MANGA_KOMMANDO = " Kör kommandot igen med --tillat-inaktivering om det är avsikten."

ENHETSFALT = {
    "namn": "Namn",
    "vardgivare": "Vårdgivare",
    "region_id": "Region",
    "kommun": "Kommun",
    "adress": "Adress",
    "postnummer": "Postnummer",
    "ort": "Ort",
    "lat": "Latitud",
    "lon": "Longitud",
    "telefon": "Telefon",
    "epost": "E-post",
    "vardutbud": "Vårdutbud",
    "aktiv": "Aktiv",
    "kalla": "Källa",
}
VARDGIVARFALT = {"orgnr": "Vårdgivarens organisationsnummer", "namn": "Vårdgivarens namn", "agarform": "Ägarform"}
VARDENHET_FIELDS = ["namn", "region_id", "kommun", "adress", "postnummer", "ort", "lat", "lon", "telefon", "epost"]


@dataclass
class Rad:
    """One validated row, ready to write."""

    rad: int
    vardgivare: dict
    vardenhet: dict
    hsa_id: str
    vardutbud: dict[str, tuple[int, bool]] = field(default_factory=dict)
    # The quality measure per group (reoperation within two years, %); None = the file leaves it as it is.
    kvalitet: dict[str, Decimal | None] | None = None


@dataclass
class Plan:
    """The change a valid extract makes, computed without writing (see `planera`)."""

    rader: list[Rad]
    nya_vg: list[Vardgivare]
    andrade_vg: list[Vardgivare]
    nya_kva: list[str]
    nya_enheter: list[Vardenhet]
    andrade_enheter: list[Vardenhet]
    nytt_utbud: list[tuple[str, str, int, bool]]  # (unit HSA-id, KVÅ, ASA, narkos)
    # The quality measure of new offerings, (unit HSA-id, KVÅ) → percent (changed ones carry it on the row).
    andrat_utbud: list[Vardutbud]
    borttaget_utbud: list[int]
    kvalitet_nytt: dict[tuple[str, str], Decimal | None]
    inaktiveras: list[tuple[int, str, str]]  # (pk, HSA-id, name)
    aktiva: int  # active catalogue units before the file
    oforandrade: int
    forhandsvisning: dict

    @property
    def kraver_bekraftelse(self) -> bool:
        return len(self.inaktiveras) > tillatna_inaktiveringar(self.aktiva)


def tillatna_inaktiveringar(aktiva: int) -> int:
    """How many active catalogue units one file may deactivate without an explicit confirmation."""
    return math.floor(aktiva * settings.KATALOG_MAX_INAKTIVERING_ANDEL + 1e-9)


def _utbud_text(utbud: dict[str, tuple[int, bool]], kvalitet: dict[str, Decimal | None] | None = None) -> list[str]:
    def text(kva: str, asa: int, narkos: bool) -> str:
        andel = (kvalitet or {}).get(kva)
        return f"{kva} (ASA ≤ {asa}{', narkos' if narkos else ''}" + (
            f", reoperation {fmt.procent(andel, 1)})" if andel is not None else ")"
        )

    return [text(kva, asa, narkos) for kva, (asa, narkos) in sorted(utbud.items())]


def planera(rows: list[Rad]) -> Plan:
    """Compare the extract with the database, unit by unit and field by field (a fixed handful of queries)."""
    wanted_vg = {r.vardgivare["hsa_id"]: r.vardgivare for r in rows}
    existing_vg = {vg.hsa_id: vg for vg in Vardgivare.objects.filter(hsa_id__in=wanted_vg)}
    nya_vg, andrade_vg, vg_andringar = [], [], {}
    for hsa, data in wanted_vg.items():
        vg = existing_vg.get(hsa)
        if vg is None:
            nya_vg.append(Vardgivare(**data))
            continue
        fore = {k: getattr(vg, k) for k in VARDGIVARFALT}
        if ch := forhandsvisning.andringar(fore, data, VARDGIVARFALT):
            for k in VARDGIVARFALT:
                setattr(vg, k, data[k])
            andrade_vg.append(vg)
            vg_andringar[hsa] = ch

    koder = {k for r in rows for k in r.vardutbud}
    nya_kva = sorted(koder - set(KvaGrupp.objects.filter(kod__in=koder).values_list("kod", flat=True)))

    hsa_ids = [r.hsa_id for r in rows]
    existing = {ve.hsa_id: ve for ve in Vardenhet.objects.filter(hsa_id__in=hsa_ids).select_related("vardgivare")}
    current: dict[int, dict[str, Vardutbud]] = {}
    for vu in Vardutbud.objects.filter(vardenhet__hsa_id__in=hsa_ids):
        current.setdefault(vu.vardenhet_id, {})[vu.kva_id] = vu
    f: dict[str, Any] = {"nya": [], "andrade": [], "oforandrade": [], "saknade": []}
    nya_enheter, andrade_enheter, nytt, andrat, borttaget = [], [], [], [], []
    kvalitet_nytt: dict[tuple[str, str], Decimal | None] = {}
    for r in rows:
        ve = existing.get(r.hsa_id)
        vg_hsa = r.vardgivare["hsa_id"]
        if ve is None:
            nya_enheter.append(Vardenhet(hsa_id=r.hsa_id, aktiv=True, kalla=Vardenhet.Kalla.KATALOG, **r.vardenhet))
            nytt += [(r.hsa_id, kva, asa, narkos) for kva, (asa, narkos) in r.vardutbud.items()]
            kvalitet_nytt |= {(r.hsa_id, kva): andel for kva, andel in (r.kvalitet or {}).items()}
            f["nya"].append(
                {
                    "hsa_id": r.hsa_id,
                    "namn": r.vardenhet["namn"],
                    "vardgivare": r.vardgivare["namn"],
                    "region": r.vardenhet["region_id"],
                    "vardutbud": ", ".join(_utbud_text(r.vardutbud, r.kvalitet)) or "–",
                }
            )
            continue
        finns = current.get(ve.pk, {})
        fore = {k: getattr(ve, k) for k in VARDENHET_FIELDS}
        fore |= {
            "vardgivare": ve.vardgivare.hsa_id if ve.vardgivare else "",
            "aktiv": ve.aktiv,
            "kalla": ve.get_kalla_display(),
            "vardutbud": _utbud_text(
                {k: (vu.max_asa, vu.narkos) for k, vu in finns.items()},
                {k: vu.reoperation_andel for k, vu in finns.items()},
            ),
        }
        efter = {**r.vardenhet, "vardgivare": vg_hsa, "aktiv": True, "kalla": Vardenhet.Kalla.KATALOG.label}
        kvalitet_efter = r.kvalitet if r.kvalitet is not None else {k: vu.reoperation_andel for k, vu in finns.items()}
        efter["vardutbud"] = _utbud_text(r.vardutbud, kvalitet_efter)
        ch = forhandsvisning.andringar(fore, efter, ENHETSFALT) + vg_andringar.get(vg_hsa, [])
        if any(fore[k] != efter[k] for k in (*VARDENHET_FIELDS, "vardgivare", "aktiv", "kalla")):
            for k in VARDENHET_FIELDS:
                setattr(ve, k, r.vardenhet[k])
            ve.aktiv, ve.kalla = True, Vardenhet.Kalla.KATALOG
            andrade_enheter.append(ve)
        for kva, (asa, narkos) in r.vardutbud.items():
            utbud = finns.get(kva)
            if utbud is None:
                nytt.append((r.hsa_id, kva, asa, narkos))
                kvalitet_nytt[(r.hsa_id, kva)] = (r.kvalitet or {}).get(kva)
                continue
            andel = utbud.reoperation_andel if r.kvalitet is None else r.kvalitet.get(kva)
            if (utbud.max_asa, utbud.narkos, utbud.reoperation_andel) != (asa, narkos, andel):
                utbud.max_asa, utbud.narkos, utbud.reoperation_andel = asa, narkos, andel
                andrat.append(utbud)
        borttaget += [vu.pk for kva, vu in finns.items() if kva not in r.vardutbud]
        if ch:
            f["andrade"].append({"hsa_id": r.hsa_id, "namn": r.vardenhet["namn"], "andringar": ch})
        else:
            f["oforandrade"].append({"hsa_id": r.hsa_id, "namn": r.vardenhet["namn"]})

    aktiva = Vardenhet.objects.filter(kalla=Vardenhet.Kalla.KATALOG, aktiv=True)
    inaktiveras = list(aktiva.exclude(hsa_id__in=hsa_ids).order_by("hsa_id").values_list("pk", "hsa_id", "namn"))
    f["saknade"] = [{"hsa_id": h, "namn": n} for _pk, h, n in inaktiveras]
    antal_aktiva = aktiva.count()
    f |= {"aktiva": antal_aktiva, "tillatna_inaktiveringar": tillatna_inaktiveringar(antal_aktiva)}
    return Plan(
        rader=rows,
        nya_vg=nya_vg,
        andrade_vg=andrade_vg,
        nya_kva=nya_kva,
        nya_enheter=nya_enheter,
        andrade_enheter=andrade_enheter,
        nytt_utbud=nytt,
        kvalitet_nytt=kvalitet_nytt,
        andrat_utbud=andrat,
        borttaget_utbud=borttaget,
        inaktiveras=inaktiveras,
        aktiva=antal_aktiva,
        oforandrade=len(f["oforandrade"]),
        forhandsvisning=f,
    )


def kontrollera_inaktivering(
    plan: Plan, *, tillat: bool = False, bekraftat_antal: int | None = None, kommando: bool = False
) -> None:
    """The deactivation guard: FilAvvisad when the plan deactivates more than the allowed share of active units and
    neither `tillat` (the command's --tillat-inaktivering) nor a confirmation of exactly this number was given."""
    antal = len(plan.inaktiveras)
    if not plan.kraver_bekraftelse or tillat or bekraftat_antal == antal:
        return
    andel = round(100 * antal / max(plan.aktiva, 1))
    grans = f"{settings.KATALOG_MAX_INAKTIVERING_ANDEL * 100:g}".replace(".", ",")
    meddelande = FEL_FOR_MANGA_INAKTIVERAS.format(
        antal=fmt.antal(antal), aktiva=fmt.antal(plan.aktiva), andel=fmt.tal(andel), grans=fmt.tal(grans)
    )
    if kommando:
        meddelande += FEL_FOR_MANGA_KOMMANDO
    raise FilAvvisad([Importfel(None, "", meddelande)])


# --- Writing -----------------------------------------------------------------------------------------------


def tillampa(plan: Plan, *, progress: Callable[[int], None] | None = None) -> dict:
    """Write the plan with bulk operations (the caller holds the transaction); returns the counts in units."""
    Vardgivare.objects.bulk_create(plan.nya_vg)
    Vardgivare.objects.bulk_update(plan.andrade_vg, list(VARDGIVARFALT))
    vg_pk = dict(
        Vardgivare.objects.filter(hsa_id__in={r.vardgivare["hsa_id"] for r in plan.rader}).values_list("hsa_id", "pk")
    )
    KvaGrupp.objects.bulk_create([KvaGrupp(kod=k) for k in plan.nya_kva])
    vg_for_enhet = {r.hsa_id: vg_pk[r.vardgivare["hsa_id"]] for r in plan.rader}
    for ve in (*plan.nya_enheter, *plan.andrade_enheter):
        ve.vardgivare_id = vg_for_enhet[ve.hsa_id]
    Vardenhet.objects.bulk_create(plan.nya_enheter)
    Vardenhet.objects.bulk_update(plan.andrade_enheter, [*VARDENHET_FIELDS, "vardgivare_id", "aktiv", "kalla"])
    enhet_pk = dict(Vardenhet.objects.filter(hsa_id__in=vg_for_enhet).values_list("hsa_id", "pk"))
    nytt = Vardutbud.objects.bulk_create(
        [
            Vardutbud(vardenhet_id=enhet_pk[h], kva_id=k, max_asa=a, narkos=n, reoperation_andel=andel)
            for h, k, a, n in plan.nytt_utbud
            for andel in [plan.kvalitet_nytt.get((h, k))]
        ]
    )
    Vardutbud.objects.bulk_update(plan.andrat_utbud, ["max_asa", "narkos", "reoperation_andel"])
    if nytt or plan.andrat_utbud:
        from katalog.signaler import utbud_andrat

        utbud_andrat.send(sender=Vardutbud, utbud=[*nytt, *plan.andrat_utbud])
    Vardutbud.objects.filter(pk__in=plan.borttaget_utbud).delete()
    inaktiverade = Vardenhet.objects.filter(pk__in=[pk for pk, _h, _n in plan.inaktiveras]).update(aktiv=False)
    f = plan.forhandsvisning
    return {
        "nya": len(f["nya"]),
        "andrade": len(f["andrade"]),
        "oforandrade": len(f["oforandrade"]),
        "inaktiverade": inaktiverade,
    }
