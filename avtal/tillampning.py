"""Preview and apply a validated agreement file (see avtal.importer for the validation rules).

The preview compares the file with the database per agreement (owner + avtal_id) and field by field. Applying
is one atomic write with bulk operations; it never touches volume reservations, and a line that carries
reservations is kept even when the file drops it (so used volume can never be reset by an upload). `AVTAL` is the
agreements' `Importor` for the kernel's preview/apply protocol (vardformedling.importering.forhandsvisning).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from avtal.api import ersattning_text
from avtal.importer import FALTNAMN, RADNIVA, Analys, AvtalData, analysera
from avtal.models import Avtal, Avtalsrad, Avtalstyp
from katalog.models import KvaGrupp
from vardformedling import format as fmt
from vardformedling import referensdata
from vardformedling.importering.forhandsvisning import varde_text as _text

RADFALT = [k for k in RADNIVA if k != "kva_grupp"]  # a line's own values: price, model, cap, terms


@dataclass
class Plan:
    nya: list[AvtalData]
    andrade: list[tuple[AvtalData, Avtal, list[dict]]]
    oforandrade: list[AvtalData]
    saknade: list[Avtal]
    forhandsvisning: dict
    antal_rader: int = 0


def _avtal_varden(a: Avtal) -> dict:
    return {
        "vardgivare": a.vardgivare.namn,
        "vardenheter": sorted(e.hsa_id for e in a.vardenheter.all()),
        "avtalstyp": a.avtalstyp,
        "giltig_fran": a.giltig_fran,
        "giltig_till": a.giltig_till,
        "forlangning_till": a.forlangning_till,
        "far_nyttjas_av": "alla" if a.far_nyttjas_av_alla else sorted(r.kod for r in a.far_nyttjas_av.all()),
        "kontakt": a.kontakt,
    }


def _fil_varden(d: AvtalData) -> dict:
    return {
        "vardgivare": d.vardgivare_namn,
        "vardenheter": sorted(d.enheter.values()),
        "avtalstyp": d.avtalstyp,
        "giltig_fran": d.giltig_fran,
        "giltig_till": d.giltig_till,
        "forlangning_till": d.forlangning_till,
        "far_nyttjas_av": "alla" if d.far_alla else sorted(d.far_regioner),
        "kontakt": d.kontakt,
    }


def _skillnader(d: AvtalData, a: Avtal) -> list[dict]:
    andringar = []
    fore, efter = _avtal_varden(a), _fil_varden(d)
    for falt, varde in efter.items():
        if fore[falt] != varde:
            andringar.append({"falt": FALTNAMN[falt], "fran": _visa(falt, fore[falt]), "till": _visa(falt, varde)})
    rader = {r.kva_id: r for r in a.rader.all()}
    for kva, ny in d.rader.items():
        gammal = rader.get(kva)
        if gammal is None:
            andringar.append({"falt": f"Ny rad {kva}", "fran": "–", "till": _rad_text(ny)})
            continue
        for falt in RADFALT:
            if getattr(gammal, falt) != ny[falt]:
                andringar.append(
                    {
                        "falt": f"{kva} {FALTNAMN[falt]}",
                        "fran": _visa(falt, getattr(gammal, falt)),
                        "till": _visa(falt, ny[falt]),
                    }
                )
    for kva, gammal in rader.items():
        if kva not in d.rader:
            andringar.append({"falt": f"Rad {kva} tas bort", "fran": _rad_text(gammal.__dict__), "till": "–"})
    return andringar


def _visa(falt: str, varde) -> str:
    """A previewed value in words: prices as "12 900 kr", codes by their labels ("per åtgärd", "Ramavtal")."""
    if varde in (None, ""):
        return _text(varde)
    if falt == "pris_kr":
        return fmt.kr(varde)
    if falt == "ersattningsmodell":
        return ersattning_text(varde)
    if falt == "avtalstyp":
        return dict(Avtalstyp.choices).get(varde, varde)
    return _text(varde)


def _rad_text(r: dict) -> str:
    delar = [fmt.kr(r.get("pris_kr")) or "pris saknas"]
    if r.get("takvolym") is not None:
        delar.append(f"tak {r['takvolym']}")
    if r.get("ersattningsmodell"):
        delar.append(ersattning_text(r["ersattningsmodell"]))
    if r.get("villkor"):
        delar.append(f"villkor: {r['villkor']}")
    return ", ".join(delar)


def planera(analys: Analys) -> Plan:
    """Classify every agreement in the file against the database (a fixed handful of queries)."""
    agare = {k[0] for k in analys.avtal}
    befintliga = {
        (a.avtalsagare_id, a.avtal_id): a
        for a in Avtal.objects.filter(avtalsagare_id__in=agare)
        .select_related("vardgivare")
        .prefetch_related("vardenheter", "far_nyttjas_av", "rader")
    }
    nya, andrade, oforandrade = [], [], []
    for nyckel, d in sorted(analys.avtal.items()):
        a = befintliga.get(nyckel)
        if a is None:
            nya.append(d)
        elif andringar := _skillnader(d, a):
            andrade.append((d, a, andringar))
        else:
            oforandrade.append(d)
    saknade = [a for k, a in sorted(befintliga.items()) if k not in analys.avtal]
    forhandsvisning = {
        "nya": [
            {
                "avtal_id": d.avtal_id,
                "agare": d.agare,
                "vardgivare": d.vardgivare_namn,
                "giltig": f"{d.giltig_fran} – {d.giltig_till}",
                "rader": [f"{kva}: {_rad_text(r)}" for kva, r in sorted(d.rader.items())],
            }
            for d in nya
        ],
        "andrade": [{"avtal_id": d.avtal_id, "agare": d.agare, "andringar": ch} for d, _a, ch in andrade],
        "oforandrade": [{"avtal_id": d.avtal_id, "agare": d.agare} for d in oforandrade],
        "saknade": [
            {"avtal_id": a.avtal_id, "agare": a.avtalsagare_id, "vardgivare": a.vardgivare.namn} for a in saknade
        ],
    }
    return Plan(nya, andrade, oforandrade, saknade, forhandsvisning, analys.antal_rader)


def _avtal_falt(d: AvtalData) -> dict:
    return {
        "vardgivare_id": d.vardgivare_id,
        "avtalstyp": d.avtalstyp,
        "giltig_fran": d.giltig_fran,
        "giltig_till": d.giltig_till,
        "forlangning_till": d.forlangning_till,
        "far_nyttjas_av_alla": d.far_alla,
        "kontakt": d.kontakt,
    }


@transaction.atomic
def tillampa(plan: Plan, *, progress: Callable[[int], None] | None = None) -> dict:
    """Write the plan: bulk create new agreements, bulk update changed ones, their units, rights and lines."""
    referensdata.ogiltigforklara("avtal")  # bulk writes send no signals: the search's cached coverage goes
    now = timezone.now()
    alla = plan.nya + [d for d, _a, _c in plan.andrade]
    kva_koder = {kva for d in alla for kva in d.rader}
    kanda = set(KvaGrupp.objects.filter(kod__in=kva_koder).values_list("kod", flat=True))
    if kva_koder - kanda:
        # Unknown KVÅ groups are data, not errors: create them so the line can point at them.
        KvaGrupp.objects.bulk_create([KvaGrupp(kod=k) for k in sorted(kva_koder - kanda)], ignore_conflicts=True)

    nya_objekt = [Avtal(avtalsagare_id=d.agare, avtal_id=d.avtal_id, andrad=now, **_avtal_falt(d)) for d in plan.nya]
    Avtal.objects.bulk_create(nya_objekt, batch_size=1000)
    if any(o.pk is None for o in nya_objekt):  # databases that cannot return ids from bulk inserts
        ids = {
            (ag, aid): pk
            for ag, aid, pk in Avtal.objects.filter(
                avtalsagare_id__in={d.agare for d in plan.nya}, avtal_id__in={d.avtal_id for d in plan.nya}
            ).values_list("avtalsagare_id", "avtal_id", "pk")
        }
        for o in nya_objekt:
            o.pk = ids[(o.avtalsagare_id, o.avtal_id)]
    if progress:
        progress(75)

    andrade_objekt = []
    for d, a, _c in plan.andrade:
        for k, v in _avtal_falt(d).items():
            setattr(a, k, v)
        a.andrad = now
        andrade_objekt.append(a)
    if andrade_objekt:
        Avtal.objects.bulk_update(andrade_objekt, [*_avtal_falt(plan.andrade[0][0]).keys(), "andrad"], batch_size=1000)

    par = [(o, d) for o, d in zip(nya_objekt, plan.nya, strict=True)] + [(a, d) for d, a, _c in plan.andrade]
    EnhetThrough, RegionThrough = Avtal.vardenheter.through, Avtal.far_nyttjas_av.through
    andrade_pk = [a.pk for a in andrade_objekt]
    EnhetThrough.objects.filter(avtal_id__in=andrade_pk).delete()
    RegionThrough.objects.filter(avtal_id__in=andrade_pk).delete()
    EnhetThrough.objects.bulk_create(
        [EnhetThrough(avtal_id=o.pk, vardenhet_id=e) for o, d in par for e in d.enheter], batch_size=5000
    )
    RegionThrough.objects.bulk_create(
        [RegionThrough(avtal_id=o.pk, region_id=r) for o, d in par for r in d.far_regioner], batch_size=5000
    )

    befintliga_rader = {(r.avtal_id, r.kva_id): r for a in andrade_objekt for r in a.rader.all()}
    skapa, uppdatera = [], []
    for o, d in par:
        for kva, v in d.rader.items():
            falt = {k: v[k] for k in RADFALT}
            gammal = befintliga_rader.pop((o.pk, kva), None)
            if gammal is None:
                skapa.append(Avtalsrad(avtal_id=o.pk, kva_id=kva, **falt))
            elif any(getattr(gammal, k) != val for k, val in falt.items()):
                for k, val in falt.items():
                    setattr(gammal, k, val)
                uppdatera.append(gammal)
    Avtalsrad.objects.bulk_create(skapa, batch_size=5000)
    if skapa:
        from avtal.signaler import rader_skapade

        rader_skapade.send(sender=Avtalsrad, rader=skapa)
    Avtalsrad.objects.bulk_update(uppdatera, RADFALT, batch_size=5000)
    # Lines dropped from the file go, unless cases have reserved volume on them (never reset used volume).
    borttagna = [r.pk for r in befintliga_rader.values()]
    behallna = set(
        Avtalsrad.objects.filter(pk__in=borttagna)
        .annotate(n=Count("reservationer"))
        .filter(n__gt=0)
        .values_list("pk", flat=True)
    )
    Avtalsrad.objects.filter(pk__in=set(borttagna) - behallna).delete()
    if progress:
        progress(95)
    return {
        "nya": len(plan.nya),
        "andrade": len(plan.andrade),
        "oforandrade": len(plan.oforandrade),
        "saknade": len(plan.saknade),
        "rader_skapade": len(skapa),
        "rader_andrade": len(uppdatera),
        "rader_behallna": len(behallna),
    }


class _Avtalsimport:
    """The agreements' `Importor` (vardformedling.importering.forhandsvisning)."""

    analysera = staticmethod(analysera)
    planera = staticmethod(planera)
    tillampa = staticmethod(tillampa)


AVTAL = _Avtalsimport()
