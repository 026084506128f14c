"""Writes for waiting lists: import a file (guard, check all, apply in one transaction) and re-wrap on key rotation."""

from vardformedling.importering import forhandsvisning
from vardformedling.models import Region
from vardformedling.nycklar import omslag


def importor(region: Region, *, anvandare=None, idag=None):
    from arenden.vantelista.importer import VantelistaImportor

    return VantelistaImportor(region, anvandare=anvandare, idag=idag)


def forhandsgranska(*, region: Region, data: bytes, anvandare=None, idag=None):
    """The plan (with `forhandsvisning`) for `data`; writes nothing. FilAvvisad with every error."""
    return forhandsvisning.forhandsgranska(importor(region, anvandare=anvandare, idag=idag), data)


def importera(*, region: Region, data: bytes, anvandare=None, idag=None) -> tuple[object, dict]:
    """Checks `data` again and applies it in one transaction: (plan, counts). FilAvvisad: nothing was written."""
    return forhandsvisning.tillampa(importor(region, anvandare=anvandare, idag=idag), data)


def omsla_vantelistor(o: omslag.Omslag) -> int:
    """Re-wraps the lists' data keys under the region's newest key version (registered in ArendenConfig.ready)."""
    from arenden.vantelista.models import Vantelista

    n = 0
    for lista in Vantelista.objects.filter(region_id=o.region_kod, nyckelversion__lt=o.version).iterator():
        lista.inslagen_nyckel = o.rewrap(bytes(lista.inslagen_nyckel))
        lista.nyckelversion = o.version
        lista.save(update_fields=["inslagen_nyckel", "nyckelversion"])
        n += 1
    return n


FEL_UPPLADDNING_SAKNAS = (
    "Den kontrollerade filen finns inte längre (bekräftad, avbruten eller äldre än ett dygn). Ladda upp listan igen."
)


def _aad_fil(token) -> bytes:
    from vardformedling.nycklar import falt

    return falt.aad_for("vantelistafil", str(token))


def ladda_upp(*, region: Region, anvandare, data: bytes, idag=None):
    """Checks the whole file and plans it (FilAvvisad: nothing kept). The checked file is kept sealed until it is
    confirmed or cancelled; returns the upload record (its `forhandsvisning` is what the preview shows)."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from arenden.vantelista.models import VantelistaUppladdning
    from vardformedling.nycklar import falt
    from vardformedling.nycklar.tjanst import nyckeltjanst, nyckelversion

    plan = forhandsgranska(region=region, data=data, anvandare=anvandare, idag=idag)
    VantelistaUppladdning.objects.filter(skapad__lt=timezone.now() - timedelta(days=1)).delete()
    token = uuid.uuid4()
    data_key = falt.ny_datanyckel()
    inslagen = nyckeltjanst().wrap(region.kod, data_key)
    return VantelistaUppladdning.objects.create(
        token=token, region=region, anvandare=anvandare, chiffertext=falt.encrypt(data_key, data, aad=_aad_fil(token)),
        inslagen_nyckel=inslagen, nyckelversion=nyckelversion(inslagen), forhandsvisning=plan.forhandsvisning.as_dict(),
    )  # fmt: skip


def _hamta_uppladdning(*, token, anvandare, region_kod):
    """The user's checked file for `region_kod`, the active commission's region: a file checked under another
    commission (or one since withdrawn) is not found, so it is never written without a commission for its region."""
    from django.core.exceptions import ValidationError

    from arenden.vantelista.models import VantelistaUppladdning

    u = (
        VantelistaUppladdning.objects.select_related("region")
        .filter(token=token, anvandare=anvandare, region_id=region_kod)
        .first()
    )
    if u is None:
        raise ValidationError(FEL_UPPLADDNING_SAKNAS, code="saknas")
    return u


def bekrafta(*, token, anvandare, region_kod, idag=None) -> dict:
    """Applies the sealed file (checked again against the database as it is now) and forgets it. Returns counts;
    FilAvvisad when the file no longer passes (e.g. a unit left the catalogue meanwhile)."""
    from vardformedling.nycklar import falt
    from vardformedling.nycklar.tjanst import nyckeltjanst

    u = _hamta_uppladdning(token=token, anvandare=anvandare, region_kod=region_kod)
    data_key = nyckeltjanst().unwrap(u.region_id, bytes(u.inslagen_nyckel))
    data = falt.decrypt(data_key, bytes(u.chiffertext), aad=_aad_fil(u.token))
    _plan, antal = importera(region=u.region, data=data, anvandare=anvandare, idag=idag)
    u.delete()
    return antal


def avbryt(*, token, anvandare, region_kod) -> None:
    _hamta_uppladdning(token=token, anvandare=anvandare, region_kod=region_kod).delete()


def arenden_fran_lista(*, anvandare, uppdrag, patient_ids, idag=None) -> dict:
    """Step-1 cases (source "vantelista") for the chosen patients of the commission's region, in one action.

    A patient who already has an open case for the group (own region or another) is skipped and named (masked
    personnummer and name; the case ID only within the own region); one whose list row already has a case is skipped
    likewise. Returns {"skapade": [Arende], "hoppade": [{"patient", "namn", "orsak"}]}."""
    from django.core.exceptions import ValidationError

    from arenden.models import Kalla
    from arenden.services.registrering import DubblettFel, arende_registrera, registreringsregion
    from arenden.vantelista.importer import oppna_identiteter
    from arenden.vantelista.models import ListStatus, VantelistaPatient
    from vardformedling.personnummer import mask

    region = registreringsregion(uppdrag)
    patienter = list(
        VantelistaPatient.objects.filter(
            pk__in=list(patient_ids), lista__region_id=region.kod, status=ListStatus.PA_LISTAN
        )
        .select_related("lista", "lista__kva", "arende")
        .order_by("beslutsdatum", "pk")
    )
    identiteter = oppna_identiteter(patienter)
    skapade, hoppade = [], []
    for p in patienter:
        ident = identiteter[p.pk]
        namn = " ".join(x for x in (ident.get("fornamn", ""), ident.get("efternamn", "")) if x)
        vem = f"{namn or 'Patient'} ({mask(ident['personnummer'])})"
        if p.arende is not None and p.arende.status in _oppna():
            hoppade.append({"patient": p, "namn": vem, "orsak": f"har redan ärendet {p.arende.case_id}"})
            continue
        try:
            arende = arende_registrera(
                anvandare=anvandare, uppdrag=uppdrag, personnummer=ident["personnummer"], kva=p.lista.kva,
                beslutsdatum=p.beslutsdatum, idag=idag, kalla=Kalla.VANTELISTA, namn=namn or "Okänt namn",
                kontaktuppgifter=ident.get("telefon", ""), kommun=p.kommun_kod, asa_klass=p.asa,
                narkos=bool(p.narkos), medicinskt_senast=p.bortre_tidsgrans, max_avstand=p.max_avstand_km,
            )  # fmt: skip
        except DubblettFel as exc:
            orsak = (
                f"har redan ett öppet ärende, {exc.dubblett.arende.case_id}"
                if exc.dubblett.egen_region
                else "kan redan vara förmedlad i en annan region"
            )
            hoppade.append({"patient": p, "namn": vem, "orsak": orsak, "dubblett": exc.dubblett})
            continue
        except ValidationError as exc:
            hoppade.append({"patient": p, "namn": vem, "orsak": "; ".join(exc.messages)})
            continue
        VantelistaPatient.objects.filter(pk=p.pk).update(arende=arende)
        skapade.append(arende)
    return {"skapade": skapade, "hoppade": hoppade}


def _oppna():
    from arenden.models import OPPNA

    return OPPNA
