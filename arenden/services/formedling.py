"""Steps 3–4: transfer through SDK, travel, the receiving unit's confirmation, care performed, back-referral."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden import sdk
from arenden.models import Erbjudande, Meddelandetyp, Overforing, Resa, Status, kvittens_verifierad
from arenden.services import identitet, patientkanal, remisskuvert
from arenden.services._common import kontrollera_overgang, kontrollera_status, las_arende, overga, spara, volym_forbruka
from vardformedling.nycklar import kuvert
from vardformedling.nycklar.fel import KryptoFel

DOKUMENT = {
    "remiss": "Remiss",
    "journalutdrag": "Journalutdrag",
    "provsvar": "Provsvar",
    "lakemedelslista": "Läkemedelslista",
    "rontgen": "Röntgensvar",
}
DOKUMENT_KRAVS = "Välj minst ett dokument; remissen måste alltid skickas."
INTE_MOTTAGARE = "Endast den mottagande enheten kan {vad}."
DATUM_KRAVS = "Ange {vad}."
KVITTERA_FORST = (
    "Remissen är inte kvitterad än. Öppna remissen i inkorgen och kvittera den först; "
    "när enhetens signerade kvittens är verifierad kan du bekräfta remissen."
)
UTFORT_FRAMTID = "Datumet för utförd vård kan inte ligga i framtiden."
# Travel is arranged while the case is being transferred or awaits care (no transition: the status stays).
# Who books the trip, as the history sentence says it ("Sjukresa registrerad: Tåg, bokas av hemregionens sjukresor").
BOKAS_AV: dict[str, str] = {
    Resa.BokadAv.PATIENT: "patienten bokar själv",
    Resa.BokadAv.HEMREGION: "bokas av hemregionens sjukresor",
    Resa.BokadAv.MOTTAGARE: "bokas av den mottagande enheten",
}
SJUKRESA_I = [Status.FORMEDLA, Status.REMISS_SKICKAD, Status.BEKRAFTAD]
ANTECKNING_MAX = 300
ANTECKNING_FOR_LANG = f"Anteckningen om resan får vara högst {ANTECKNING_MAX} tecken."


def _kontrollera_mottagare(arende, uppdrag, vad: str) -> None:
    if uppdrag is not None and uppdrag.vardenhet_id != arende.mottagande_enhet_id:
        raise ValidationError(INTE_MOTTAGARE.format(vad=vad), code="behorighet")


def arende_overfor(*, arende, anvandare, uppdrag=None, dokument: list[str], version=None, request=None) -> Overforing:
    """Sends the referral and documents to the receiving unit through the SDK transport as an end-to-end envelope
    (remisskuvert.py: the identity is read from the region-sealed copy, logged, and encrypted to the receiving
    unit) and records the transport's receipt; the receiving unit's signed receipt comes later (its inbox).

    The envelope is prepared after every check has passed and published only when the transaction commits
    (sdk.FileOutboxTransport), so neither a refused transfer nor one whose database write fails delivers anything.
    """
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        kontrollera_overgang(arende.overfor, "skicka remissen")
        dokument = [d for d in dict.fromkeys(dokument or []) if d in DOKUMENT]
        if "remiss" not in dokument:
            raise ValidationError({"dokument": DOKUMENT_KRAVS})
        mottagare = arende.mottagande_enhet
        namn = {d: DOKUMENT[d] for d in dokument}
        try:
            ident = identitet.las_for_remiss(arende, anvandare=anvandare, uppdrag=uppdrag, request=request)
            fritext = identitet.oppna_fritext(
                arende, anvandare=anvandare, uppdrag=uppdrag, varfor="skicka remiss", request=request
            )
            data, avsandare = remisskuvert.kuvert_skapa(arende=arende, identitet=ident, dokument=namn, fritext=fritext)
        except KryptoFel as exc:
            raise ValidationError(exc.meddelande, code="nyckel") from None
        transport = sdk.get_transport()
        kvitto = transport.send(
            case_id=arende.case_id,
            avsandare=avsandare,
            mottagare=mottagare.hsa_id,
            kuvert=data,
            dokument=list(namn.values()),
        )
        overforing = Overforing.objects.create(
            arende=arende,
            mottagare=mottagare,
            dokument=list(namn.values()),
            kuvert=kvitto.kuvert,
            kvitto=kvitto.kvitto_id,
            transport=getattr(transport, "name", transport.__class__.__name__),
            skickad_av=anvandare,
            avsandare=avsandare,
            kuvert_sha256=kuvert.kuvert_hash(data),
            metadata=kuvert.las_metadata(data),
        )
        overga(arende.overfor, "skicka remissen")
        spara(
            arende,
            fran=fran,
            handelse=f"Remiss skickad till {mottagare.namn} via SDK (kvitto {kvitto.kvitto_id})",
            anvandare=anvandare,
            uppdrag=uppdrag,
        )
    return overforing


def resa_registrera(
    *,
    arende,
    anvandare,
    uppdrag=None,
    fardsatt: str,
    bokad_av: str,
    ledsagare: bool = False,
    hotellnatt: bool = False,
    anteckning: str = "",
    version=None,
) -> Resa:
    """Records the patient's travel (sjukresa) while the case is being transferred or awaits care."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        kontrollera_status(arende, SJUKRESA_I, "registrera sjukresa")
        resa = Resa(
            arende=arende,
            fardsatt=fardsatt,
            bokad_av=bokad_av,
            ledsagare=ledsagare,
            hotellnatt=hotellnatt,
            registrerad_av=anvandare,
        )
        resa.full_clean(exclude=["arende", "registrerad_av", "anteckning_chiffer"])
        anteckning = (anteckning or "").strip()
        if len(anteckning) > ANTECKNING_MAX:
            raise ValidationError({"anteckning": ANTECKNING_FOR_LANG})
        if anteckning:  # free text about the patient: sealed under the case's data key like the identity
            try:
                resa.anteckning_chiffer = identitet.forsegla_fritext(arende, anteckning, slag="resa")
            except KryptoFel as exc:
                raise ValidationError({"anteckning": exc.meddelande}) from None
        resa.save()
        spara(
            arende,
            fran=arende.status,
            handelse=f"Sjukresa registrerad: {resa.get_fardsatt_display()}, {BOKAS_AV[resa.bokad_av]}",
            anvandare=anvandare,
            uppdrag=uppdrag,
        )
    return resa


def remiss_bekrafta(*, arende, anvandare, uppdrag=None, planerat_datum, version=None):
    """The receiving unit confirms the referral (remissbekräftelse) with a planned date, once it has opened the
    envelope and its signed receipt is verified (remisskuvert.kvittera; the transition's condition)."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        _kontrollera_mottagare(arende, uppdrag, "bekräfta remissen")
        if arende.status == Status.REMISS_SKICKAD and not kvittens_verifierad(arende):
            raise ValidationError(KVITTERA_FORST, code="kvittens")
        kontrollera_overgang(arende.bekrafta, "bekräfta remissen")
        if not planerat_datum:
            raise ValidationError({"planerat_datum": DATUM_KRAVS.format(vad="planerat datum")})
        arende.planerat_datum = planerat_datum
        overga(arende.bekrafta, "bekräfta remissen")
        spara(
            arende,
            fran=fran,
            handelse=f"Remissen bekräftad, planerat datum {planerat_datum:%Y-%m-%d}",
            anvandare=anvandare,
            uppdrag=uppdrag,
        )
        patientkanal.bekraftelse_skapa(
            arende=arende, typ=Meddelandetyp.REMISSBEKRAFTELSE, anvandare=anvandare, uppdrag=uppdrag
        )
    return arende


def vard_utford(*, arende, anvandare, uppdrag=None, utfort_datum, utfall: str = "", version=None):
    """The receiving unit reports the care as performed; this consumes the reserved agreement volume."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        _kontrollera_mottagare(arende, uppdrag, "rapportera utförd vård")
        kontrollera_overgang(arende.utfor, "rapportera utförd vård")
        if not utfort_datum:
            raise ValidationError({"utfort_datum": DATUM_KRAVS.format(vad="datum för utförd vård")})
        if utfort_datum > timezone.localdate():
            raise ValidationError({"utfort_datum": UTFORT_FRAMTID})
        if arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT, avtalsrad__isnull=False).exists():
            volym_forbruka(referens=arende.case_id, anvandare=anvandare)
        arende.utfort_datum = utfort_datum
        identitet.satt_fritext(arende, utfall=utfall or "")
        overga(arende.utfor, "rapportera utförd vård")
        spara(
            arende,
            fran=fran,
            handelse=f"Vården utförd {utfort_datum:%Y-%m-%d}",
            anvandare=anvandare,
            uppdrag=uppdrag,
            motivering=utfall,
        )
        patientkanal.bekraftelse_skapa(
            arende=arende, typ=Meddelandetyp.BEHANDLINGSBEKRAFTELSE, anvandare=anvandare, uppdrag=uppdrag
        )
    return arende


def arende_aterremittera(*, arende, anvandare, uppdrag=None, datum=None, motivering: str = "", version=None):
    """Back-referral (återremittering) to the home region; the case moves to step 5."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        _kontrollera_mottagare(arende, uppdrag, "återremittera")
        overga(arende.aterremittera, "återremittera")
        arende.aterremitterad = datum or timezone.localdate()
        spara(
            arende,
            fran=fran,
            handelse="Återremitterad till hemregionen",
            anvandare=anvandare,
            uppdrag=uppdrag,
            motivering=motivering,
        )
    return arende
