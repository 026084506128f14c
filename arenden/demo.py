"""Demo cases in every step and outcome, created through the real services (idempotent, fast).

- Vera Lots (region 20): cataract cases in every step, an overdue offer (a task), early endings; and the knee pilot
  as the source tells it (issue 17 point 7): she went through Ortopedkliniken Falu lasarett's waiting list and offered
  59 patients care elsewhere, 39 accepted; 30 more patients contacted her themselves.
- Karin Koordinator (region 06): knee and cataract cases in a few steps.
- Waiting lists: Falu lasarett's for NGB (Dalarna) and Ögonkliniken Jönköping's for CJE, imported through the real
  importer, with patients who have passed the guarantee, are at risk or within it, and who left the list.
- A digital offer of two units unanswered for 15 days (the postal-fallback task, issue 18).
- Ville Lots (region 22): cataract cases sent to Demo Ögonklinik Uppsala, so Mona Mottagare has referrals to
  confirm and care to perform.
Every demo unit and each region's brokering function get their key pairs here (`_enhetsnycklar`); the referrals
are end-to-end envelopes, and those of confirmed cases carry the receiving unit's verified receipt (`_kvittenser`).
Cases past care (performed, followed up, closed, invoiced) took each step on its own day in the past (`TIDSLINJE`,
run at a back-dated clock, `_klocka`): registered after the decision, offered, accepted, sent, received, confirmed,
performed on the planned date, invoiced, sent back and closed, in that order; open cases take their steps today.
Agreement lines come from avtal.demo when present; a missing line gives an offer without agreement.
Personnummer are synthetic (valid check digit, born on the 1st–28th of a month in 1930–1960).
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from arenden import services
from arenden.models import (
    Arende,
    ArendeHandelse,
    Avslutsorsak,
    Erbjudande,
    Kalla,
    Patientinstallning,
    Patientmall,
    PatientMeddelande,
    Status,
)
from arenden.patientkanal import mallar
from arenden.services import identitet, remisskuvert
from arenden.services.bevakning import BEVAKA
from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.personnummer import make_test_number

FORNAMN = ["Anna", "Lars", "Maria", "Erik", "Karin", "Per", "Eva", "Nils", "Birgitta", "Sven", "Ingrid", "Olof"]
EFTERNAMN = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]
GATOR = ["Storgatan", "Skolgatan", "Kyrkvägen", "Björkvägen", "Parkgatan", "Ringvägen"]
ORTER = {"20": "791 71 Falun", "06": "553 20 Jönköping", "22": "871 31 Härnösand"}
# Numbers the Swedish telecom regulator (PTS) sets aside for fiction, so no real line is ever printed in a demo letter.
TELEFON = {"20": "08-465 004 20", "06": "08-465 004 06", "22": "08-465 004 22"}
EFTER_GARANTI_SKAL = (
    "Ingen vårdgivare kan ta emot patienten före vårdgarantins datum; patienten vill ha den tidigaste tiden."
)
ORDNING = ["behov", "hitta_vardgivare", "formedla", "remiss_skickad", "bekraftad", "utford", "uppfoljning", "avslutad"]
# Cases past their care took every step in the past: each step runs at its own back-dated moment (`_klocka`), the
# days counted from the decision (the demo's were decided 70–146 days ago, so even their closing lies weeks back).
# The offer's expected care date is 21 days after the offer, and the unit plans and performs the care on that day.
FORBI_VARDEN = ("utford", "uppfoljning", "avslutad")
TIDSLINJE = {
    "registrera": 2,
    "bedom": 3,
    "avboj": 5,
    "erbjud": 7,
    "svara": 9,
    "overfor": 10,
    "kvittera": 11,
    "bekrafta": 12,
    "utford": 28,
    "fakturera": 29,
    "aterremittera": 30,
    "uppfolj": 44,
    "avsluta": 44,
}


@contextmanager
def _klocka(nu: datetime) -> Iterator[None]:
    """Runs the services as if it were `nu`, the clock ticking on from there at the real pace: `timezone.now` and
    `localdate`, the models' `default=timezone.now` fields (history rows, offers, messages, invoice lines) and the
    envelope's and receipt's signed times all read it, so every record of the step agrees. Demo loading only."""
    riktig, start = timezone.now, monotonic()

    def bakdaterad() -> datetime:
        return nu + timedelta(seconds=monotonic() - start)

    class Tid(datetime):
        @classmethod
        def now(cls, tz=None):
            t = bakdaterad()
            return t.astimezone(tz) if tz is not None else t.astimezone().replace(tzinfo=None)

    falt = [f for m in apps.get_models() for f in m._meta.concrete_fields if f.default is riktig]
    riktig_datetime = kuvert.datetime
    try:
        timezone.now = bakdaterad
        kuvert.datetime = Tid  # type: ignore[misc]
        for f in falt:
            f.default = bakdaterad
            f.__dict__.pop("_get_default", None)  # Field caches its default callable
        yield
    finally:
        timezone.now = riktig
        kuvert.datetime = riktig_datetime  # type: ignore[misc]
        for f in falt:
            f.default = riktig
            f.__dict__.pop("_get_default", None)


class _Demo:
    def __init__(self):
        self.nr = 0
        self.idag = timezone.localdate()
        self.bakdaterade: set[int] = set()  # the cases registered past care: `driv` takes them along `TIDSLINJE`
        self.mona = User.objects.filter(hsa_id="SE5560000001-MO01").first()
        self.mona_uppdrag = Medarbetaruppdrag.objects.filter(user=self.mona, roll=Roll.MOTTAGARE).first()

    def pnr(self, nr: int) -> str:
        return make_test_number(1930 + nr % 31, 1 + nr % 12, 1 + nr % 28, 100 + nr % 800)

    def rad(self, enhet: Vardenhet, kva: str, region: Region, datum: date | None = None):
        """The first usable line for the unit, valid on `datum` (the planned care date; today when not given)."""
        from avtal.models import Avtalsrad

        qs = (
            Avtalsrad.objects.filter(kva_id=kva)
            .giltiga(datum or self.idag)
            .omfattar(enhet)
            .nyttjbara_av(region.kod)
            .select_related("avtal")
        )
        return qs.order_by("avtal__avtal_id").first()

    def vid(self, beslutsdatum: date, steg: str) -> AbstractContextManager[None]:
        """The back-dated moment at which a case past care decided on `beslutsdatum` took step `steg`."""
        i = list(TIDSLINJE).index(steg)
        klockslag = time(8 + i // 3, 20 * (i % 3))
        dag = beslutsdatum + timedelta(days=TIDSLINJE[steg])
        return _klocka(timezone.make_aware(datetime.combine(dag, klockslag)))

    def arende(self, *, user, region, kva, dagar_sedan_beslut, till=None, **kwargs):
        """A case registered now; or, when `till` (the step `driv` will take it to) is past care, back then, and
        `driv` then takes it along `TIDSLINJE` (a caller that does not say, as seed_scale, gets today's steps)."""
        self.nr += 1
        uppdrag = Medarbetaruppdrag.objects.filter(user=user, region=region).first()
        beslutsdatum = self.idag - timedelta(days=dagar_sedan_beslut)
        if till not in FORBI_VARDEN:
            return self._registrera(user, uppdrag, region, kva, beslutsdatum, **kwargs), uppdrag
        if dagar_sedan_beslut <= max(TIDSLINJE.values()):
            raise ValueError(f"A demo case past care needs its decision over {max(TIDSLINJE.values())} days ago.")
        with self.vid(beslutsdatum, "registrera"):
            a = self._registrera(user, uppdrag, region, kva, beslutsdatum, **kwargs)
        self.bakdaterade.add(a.pk)
        return a, uppdrag

    def _registrera(self, user, uppdrag, region, kva, beslutsdatum, **kwargs):
        return services.arende_registrera(
            anvandare=user,
            uppdrag=uppdrag,
            region=region,
            personnummer=self.pnr(self.nr),
            namn=f"{FORNAMN[self.nr % len(FORNAMN)]} {EFTERNAMN[(self.nr // 3) % len(EFTERNAMN)]}",
            kontaktuppgifter=f"{GATOR[self.nr % len(GATOR)]} {1 + self.nr % 40}, "
            f"{ORTER.get(region.kod, region.residensstad)}\n070-{1000000 + self.nr * 7919 % 8999999}",
            kva=KvaGrupp.objects.get(kod=kva),
            beslutsdatum=beslutsdatum,
            asa_klass=1 + self.nr % 3,
            diagnos_text="Katarakt" if kva.startswith("CJ") else "Primär gonartros",
            diagnos_kod="H25.9" if kva.startswith("CJ") else "M17.1",
            tillat_dubblett=True,
            **kwargs,
        )

    def driv(self, a, uppdrag, till, *, enhet=None, avbojt_forst=None, forfallet=False, fakturera=False):
        """Drives case `a` to status `till` through the services (step by step, like a navigator would); a case
        registered past care takes each step on its day of `TIDSLINJE`, so its history, offer, envelope, receipt,
        messages and invoice lines (`fakturera`: Mona invoices the care) tell one story that ends in the past."""
        user = a.handlaggare
        forbi = a.pk in self.bakdaterade

        def vid(steg):
            return self.vid(a.beslutsdatum, steg) if forbi else nullcontext()

        if till == "behov":
            return a
        with vid("bedom"):
            a = services.arende_bedom(arende=a, anvandare=user, uppdrag=uppdrag, lamplig=True, motivering="")
        if avbojt_forst is not None:
            with vid("avboj"):
                e = services.erbjudande_lamna(arende=a, anvandare=user, uppdrag=uppdrag, vardenhet=avbojt_forst)
                services.erbjudande_besvara(
                    erbjudande=e, anvandare=user, uppdrag=uppdrag, svar=False, avbojt_orsak="for_langt_bort"
                )
        if till == "hitta_vardgivare" and not forfallet:
            return a
        with vid("erbjud"):
            # Care in three weeks, or by the guarantee date when that comes first; a case already past its
            # guarantee is offered the earliest care with the reason the service requires (the letter says so).
            idag = timezone.localdate()
            forvantat = min(idag + timedelta(days=21), a.vardgaranti_datum)
            skal = ""
            if forvantat <= idag:
                forvantat, skal = idag + timedelta(days=21), EFTER_GARANTI_SKAL
            rad = self.rad(enhet, a.kva_id, a.region, datum=forvantat)  # the line must be valid on the planned date
            e = services.erbjudande_lamna(
                arende=a,
                anvandare=user,
                uppdrag=uppdrag,
                vardenhet=enhet,
                avtalsrad=rad,
                forvantat_datum=forvantat,
                erbjudet_via=Erbjudande.Via.TELEFON,
                efter_vardgaranti_motivering=skal,
            )
        if forfallet:
            # An offer made 17 days ago whose 14-day answer deadline passed 3 days ago (a task on the start page).
            Erbjudande.objects.filter(pk=e.pk).update(
                svarsfrist=self.idag - timedelta(days=3), skapad=timezone.now() - timedelta(days=17)
            )
            _bakat(a, timedelta(days=17))
            return a
        try:
            with vid("svara"):
                services.erbjudande_besvara(erbjudande=e, anvandare=user, uppdrag=uppdrag, svar=True)
        except ValidationError:
            return a  # cap reached in a re-used demo database: leave the offer open
        a.refresh_from_db()
        if till == "formedla":
            return a
        with vid("overfor"):
            services.resa_registrera(arende=a, anvandare=user, uppdrag=uppdrag, fardsatt="tag", bokad_av="hemregion")
            services.arende_overfor(
                arende=a, anvandare=user, uppdrag=uppdrag, dokument=["remiss", "journalutdrag", "provsvar"]
            )
        a.refresh_from_db()
        if till == "remiss_skickad":
            return a
        mottagare, m_uppdrag = self.mottagare_for(a)
        # The unit opens its envelope and its signed receipt is verified before it may confirm (issue 16).
        with vid("kvittera"):
            remisskuvert.kvittera_arende(arende=a, anvandare=mottagare, uppdrag=m_uppdrag)
        # An open case's care is planned ten days ahead; a case past care was planned on the offer's expected date
        # and performed that day.
        planerat = forvantat if forbi else self.idag + timedelta(days=10)
        with vid("bekrafta"):
            a = services.remiss_bekrafta(arende=a, anvandare=mottagare, uppdrag=m_uppdrag, planerat_datum=planerat)
        if till == "bekraftad":
            return a
        with vid("utford"):
            a = services.vard_utford(
                arende=a,
                anvandare=mottagare,
                uppdrag=m_uppdrag,
                utfort_datum=planerat if forbi else self.idag - timedelta(days=2),
                utfall="Okomplicerat ingrepp.",
            )
        if fakturera and self.mona_uppdrag and a.mottagande_enhet_id == self.mona_uppdrag.vardenhet_id:
            with vid("fakturera"):
                self.fakturera(a, extra=till == "avslutad")
        if till == "utford":
            return a
        with vid("aterremittera"):
            a = services.arende_aterremittera(arende=a, anvandare=mottagare, uppdrag=m_uppdrag)
        if till == "uppfoljning":
            return a
        with vid("uppfolj"):
            a = services.uppfoljning_registrera(
                arende=a,
                anvandare=user,
                uppdrag=uppdrag,
                betald_datum=timezone.localdate(),
                resekostnad=640,
                patientupplevelse=5,
            )
        with vid("avsluta"):
            return services.arende_avsluta(arende=a, anvandare=user, uppdrag=uppdrag)

    def fakturera(self, a, *, extra: bool) -> None:
        """Issue #19: Mona invoices Ville's performed cataract cases at Demo Ögonklinik Uppsala – the agreed price,
        a train ticket, and on the closed case an extra follow-up visit the agreement's fixed price already covers
        (the deviation). Region 22 has no demo coordinator, so the lines wait for approval ("Att attestera")."""
        pris = services.avtalspris(a) or Decimal(13500)
        rad = {"arende": a, "anvandare": self.mona, "uppdrag": self.mona_uppdrag, "datum": a.utfort_datum}
        services.fakturarad_registrera(**rad, typ="vard", avser="Kataraktoperation", belopp=pris)
        services.fakturarad_registrera(**rad, typ="resa", avser="Tågresa tur och retur", belopp=Decimal(640))
        if extra:
            services.fakturarad_registrera(**rad, typ="vard", avser="Extra återbesök", belopp=Decimal(1500))

    def mottagare_for(self, a):
        if self.mona_uppdrag and a.mottagande_enhet_id == self.mona_uppdrag.vardenhet_id:
            return self.mona, self.mona_uppdrag
        return a.handlaggare, None  # no demo user at that unit: the navigator records it on the unit's behalf


def _enhet(hsa_id):
    return Vardenhet.objects.filter(hsa_id=hsa_id).first()


# A case closed this long ago is past the default retention (24 months): `gallra --torrkorning` lists it and the
# nightly task shreds its identity (issue 16 point 5).
FORBI_BEVARANDETIDEN_DAGAR = 26 * 31


def _forbi_bevarandetiden(demo, vera, r20) -> None:
    """Vera's case registered and ended early (treated at home) a little over two years ago: every date of it
    moved back together, so the demo still agrees with its own today."""
    a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=20)
    services.arende_avsluta_tidigt(
        arende=a, anvandare=vera, uppdrag=u, orsak=Avslutsorsak.BEHANDLAD_I_HEMREGION, motivering="Fick tid."
    )
    bakat = timedelta(days=FORBI_BEVARANDETIDEN_DAGAR)
    Arende.objects.filter(pk=a.pk).update(
        skapad=F("skapad") - bakat,
        beslutsdatum=F("beslutsdatum") - bakat,
        vardgaranti_datum=F("vardgaranti_datum") - bakat,
        avslutad_datum=F("avslutad_datum") - bakat,
    )
    ArendeHandelse.objects.filter(arende_id=a.pk).update(tidpunkt=F("tidpunkt") - bakat)


# The knee pilot's 39 accepted offers, by how far each case has come since; the 20 declined: 8 still looking.
PILOT_ACCEPTERADE = ["formedla"] * 4 + ["remiss_skickad"] * 5 + ["bekraftad"] * 6 + ["utford"] * 4
PILOT_ACCEPTERADE += ["uppfoljning"] * 5 + ["avslutad"] * 15
PILOT_AVBOJDA_SOKER = 8
# The 30 patients who contacted the navigator themselves.
PILOT_PATIENTER = ["behov"] * 6 + ["hitta_vardgivare"] * 8 + ["bekraftad"] * 4 + ["avslutad"] * 6
PILOT_PATIENTER_HEMMA = 6  # treated at Falu lasarett after all


def _knapilot(demo, vera, r20, falu, ort01) -> None:
    """Issue 17 point 7: Vera goes through Falu lasarett's knee list (the cases' source `vantelista`, the clinic as
    the referring unit) and offers 59 patients a knee replacement at Ortopedi Syd; 39 accept, 20 decline. 30 more
    patients contact her themselves (source `patient`). Every date is counted back from today."""
    fran_listan = {"kalla": Kalla.VANTELISTA, "remitterande_enhet": falu}
    for i, till in enumerate(PILOT_ACCEPTERADE):
        a, u = demo.arende(user=vera, region=r20, kva="NGB", dagar_sedan_beslut=70 + 2 * i, till=till, **fran_listan)
        demo.driv(a, u, till, enhet=ort01)
    for i in range(59 - len(PILOT_ACCEPTERADE)):
        a, u = demo.arende(user=vera, region=r20, kva="NGB", dagar_sedan_beslut=75 + 2 * i, **fran_listan)
        a = demo.driv(a, u, "hitta_vardgivare", enhet=ort01, avbojt_forst=ort01)
        if i >= PILOT_AVBOJDA_SOKER:
            services.arende_avsluta_tidigt(
                arende=a,
                anvandare=vera,
                uppdrag=u,
                orsak=Avslutsorsak.PATIENTEN_AVBOJDE,
                motivering="Vill vänta hemma.",
            )
    for i, till in enumerate([*PILOT_PATIENTER, *["behov"] * PILOT_PATIENTER_HEMMA]):
        a, u = demo.arende(
            user=vera, region=r20, kva="NGB", dagar_sedan_beslut=40 + 3 * i, kalla=Kalla.PATIENT, till=till
        )
        demo.driv(a, u, till, enhet=ort01)
        if i >= len(PILOT_PATIENTER):
            services.arende_avsluta_tidigt(
                arende=a, anvandare=vera, uppdrag=u, orsak=Avslutsorsak.BEHANDLAD_I_HEMREGION, motivering="Fick tid."
            )


VANTELISTA_KOLUMNER = (
    "region_kod;vardenhet_hsaid;personnummer;fornamn;efternamn;kva_grupp;kva_kod;beslutsdatum;bortre_tidsgrans;asa;"
    "narkos;kommun_kod;telefon;max_avstand_km;anteckning"
)


def _vantelista_fil(demo, region: str, hsa_id: str, kva: str, kod: str, kommun: str, rader: list[tuple[int, int]]):
    """A waiting list file as a region exports it: one row per (patient number, days since the decision)."""
    ut = [VANTELISTA_KOLUMNER]
    for nr, d in rader:
        ut.append(
            f"{region};{hsa_id};{demo.pnr(nr)};{FORNAMN[nr % len(FORNAMN)]};{EFTERNAMN[(nr // 3) % len(EFTERNAMN)]};"
            f"{kva};{kod};{demo.idag - timedelta(days=d)};;{1 + nr % 3};{'ja' if kva == 'NGB' else 'nej'};"
            f"{kommun};{TELEFON[region]};;"
        )
    return ("\n".join(ut) + "\n").encode("utf-8")


# Days since the decision of each patient on today's list: past the 90-day guarantee, and within it (whether those
# are at risk is the home unit's median wait: Falu lasarett's for knees is over 90 days, Jönköping's for cataract
# under). Two more were on last month's list and have left since ("lämnat listan").
VANTELISTA_DAGAR = [150, 132, 118, 104, 96, 85, 70, 61, 48, 37, 30, 22, 15, 9, 4]
VANTELISTA_LAMNAT = [60, 33]
FORRA_LISTAN_DAGAR = 30


def _vantelistor(demo, vera, karin, r20, r06) -> None:
    """Falu lasarett's knee list (Dalarna) and Ögonkliniken Jönköping's cataract list, each imported as last month's
    list (the patients decided by then, and two who have left since) and then today's, which replaces it."""
    from arenden.vantelista import services as vl_services

    listor = [
        (r20, vera, "SE2321000180-FALU01", "NGB", "NGB49", "2080", 5000),
        (r06, karin, "SE2321000057-OGON01", "CJE", "CJE20", "0680", 6000),
    ]
    for region, user, hsa_id, kva, kod, kommun, start in listor:
        if not Vardenhet.objects.filter(hsa_id=hsa_id).exists():
            continue
        idag = [(start + i, d) for i, d in enumerate(VANTELISTA_DAGAR)]
        lamnat = [(start + len(idag) + i, d) for i, d in enumerate(VANTELISTA_LAMNAT)]
        forra = [(nr, d) for nr, d in idag + lamnat if d >= FORRA_LISTAN_DAGAR]
        fil = {"region": region.kod, "hsa_id": hsa_id, "kva": kva, "kod": kod, "kommun": kommun}
        vl_services.importera(
            region=region, data=_vantelista_fil(demo, rader=forra, **fil), anvandare=user,
            idag=demo.idag - timedelta(days=FORRA_LISTAN_DAGAR),
        )  # fmt: skip
        vl_services.importera(region=region, data=_vantelista_fil(demo, rader=idag, **fil), anvandare=user)


def _enhetsnycklar(enheter, regioner) -> None:
    """Key pairs for the demo's care units and for the regions' brokering functions that sign referrals (each unit's
    private keys under its own region's key service; a unit that has them keeps them)."""
    for enhet in enheter:
        if enhet is not None:
            enhetsnycklar.skapa(enhet.hsa_id, enhet.region_id)
    for region in regioner:
        enhetsnycklar.skapa(remisskuvert.avsandande_enhet(region), region.kod)


def _patientmallar() -> None:
    """Issue 18: every region gets the national default confirmation texts as its own editable templates (kept
    when a region already changed them); the demo regions' contact lines name their demo numbers."""
    for region in Region.objects.all():
        for typ, (rubrik, text) in mallar.STANDARD.items():
            Patientmall.objects.get_or_create(region=region, typ=typ, defaults={"rubrik": rubrik, "text": text})
    for kod, telefon in TELEFON.items():
        Patientinstallning.objects.get_or_create(
            region_id=kod,
            defaults={"kontakt": f"Ring vårdförmedlingen på {telefon}, vardagar 8–16. Uppge ditt ärendenummer."},
        )


def _postuppgift(demo, vera, r20, enheter) -> None:
    """Issue 18: a digital offer of two units sent through 1177 fifteen days ago and not answered – the postal
    fallback task "Skicka erbjudandet per post" on Vera's worklist. Its own answer deadline is still ahead."""
    a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=50)
    a = services.arende_bedom(arende=a, anvandare=vera, uppdrag=u, lamplig=True, motivering="")
    for enhet in enheter:
        e = services.erbjudande_lamna(
            arende=a, anvandare=vera, uppdrag=u, vardenhet=enhet, avtalsrad=demo.rad(enhet, "CJE", r20),
            forvantat_datum=min(demo.idag + timedelta(days=21), a.vardgaranti_datum),
            erbjudet_via=Erbjudande.Via.V1177, svarsfrist=demo.idag + timedelta(days=15),
        )  # fmt: skip
        Erbjudande.objects.filter(pk=e.pk).update(skapad=timezone.now() - timedelta(days=15))
    PatientMeddelande.objects.filter(arende=a).update(skapad=timezone.now() - timedelta(days=15))
    _bakat(a, timedelta(days=15))


def _bevakning_och_aterringning(demo, karin, behov, hitta) -> None:
    """Parked cases and call-backs on Karin's worklist: a call-back booked tomorrow morning on her cataract case in
    step 1 (the badge "Återuppringning"), and her cataract case in the search parked because no unit fits yet (off
    the list until something fits; "Bara bevakade ärenden" shows it)."""
    a, u = behov
    services.aterringning_boka(
        arende=a, datum=demo.idag + timedelta(days=1), tid=time(9, 30), anvandare=karin, uppdrag=u
    )
    a, u = hitta
    services.arende_bevaka(
        arende=a, val=BEVAKA, orsak="ASA 3 med syrgas hemma; ingen enhet med narkosläkare på plats har tid före "
        "vårdgarantin", anvandare=karin, uppdrag=u,
    )  # fmt: skip


def _bakat(a: Arende, bakat: timedelta) -> None:
    """A case whose offer is moved back in time: its registration and history move with it, so the case page does
    not say it was registered after its offer was sent."""
    Arende.objects.filter(pk=a.pk).update(skapad=F("skapad") - bakat)
    ArendeHandelse.objects.filter(arende_id=a.pk).update(tidpunkt=F("tidpunkt") - bakat)


def load(stdout=None) -> None:
    _patientmallar()
    vera = User.objects.filter(hsa_id="SE2321000180-VL01").first()
    karin = User.objects.filter(hsa_id="SE2321000057-KO01").first()
    ville = User.objects.filter(hsa_id="SE2321000206-VL02").first()
    if not (vera and karin and ville):
        if stdout:
            stdout.write("Ärenden: demoidentiteterna saknas, inga ärenden skapade.")
        return
    demo = _Demo()
    if Arende.objects.filter(region_id="20", pnr_hash=identitet.pnr_hash("20", demo.pnr(1))).exists():
        if stdout:
            stdout.write("Ärenden: demoärenden finns redan.")
        return
    ogon02, ogon_falun, falu, ort01, ort02 = (
        _enhet("SE5560000001-OGON02"),
        _enhet("SE2321000180-OGON01"),
        _enhet("SE2321000180-FALU01"),
        _enhet("SE5561112220-ORT01"),
        _enhet("SE5561112220-ORT02"),
    )
    r20, r06, r22 = (Region.objects.get(kod=k) for k in ("20", "06", "22"))
    _enhetsnycklar([ogon02, ogon_falun, falu, ort01, ort02], [r20, r06, r22])
    for kod, telefon in TELEFON.items():
        Region.objects.filter(kod=kod, vardformedling_telefon="").update(vardformedling_telefon=telefon)
    with transaction.atomic():
        # Vera Lots, Dalarna: every step for cataract, a few knee cases, early endings.
        for i, till in enumerate(ORDNING):
            a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=40 + 9 * i, till=till)
            demo.driv(a, u, till, enhet=ogon02 or ogon_falun)
        a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=80)
        demo.driv(a, u, "hitta_vardgivare", enhet=ogon02 or ogon_falun, forfallet=True)
        a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=70)
        a = demo.driv(a, u, "formedla", enhet=ogon02 or ogon_falun)
        services.arende_avsluta_tidigt(
            arende=a, anvandare=vera, uppdrag=u, orsak=Avslutsorsak.PATIENTEN_AVBOJDE, motivering="Vill vänta hemma."
        )
        a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=30)
        services.arende_bedom(arende=a, anvandare=vera, uppdrag=u, lamplig=False, motivering="Kräver intensivvård.")
        a, u = demo.arende(user=vera, region=r20, kva="CJE", dagar_sedan_beslut=60)
        services.arende_avsluta_tidigt(
            arende=a, anvandare=vera, uppdrag=u, orsak=Avslutsorsak.BEHANDLAD_I_HEMREGION, motivering="Fick tid."
        )
        _forbi_bevarandetiden(demo, vera, r20)
        _postuppgift(demo, vera, r20, [e for e in (ogon02, ogon_falun) if e is not None])

        _knapilot(demo, vera, r20, falu, ort01)

        # Karin, Jönköping: knee replacements at Ortopedi Syd (one declined the nearer unit first), cataract waiting.
        for i, till in enumerate(["formedla", "remiss_skickad", "bekraftad", *["avslutad"] * 8]):
            a, u = demo.arende(user=karin, region=r06, kva="NGB", dagar_sedan_beslut=100 + 3 * i, till=till)
            demo.driv(a, u, till, enhet=ort01, avbojt_forst=ort02 if i == 0 else None)
        a, u = demo.arende(user=karin, region=r06, kva="NGB", dagar_sedan_beslut=110)
        demo.driv(a, u, "hitta_vardgivare", enhet=ort01, avbojt_forst=ort02)
        cje = []
        for till in ("behov", "hitta_vardgivare"):
            a, u = demo.arende(user=karin, region=r06, kva="CJE", dagar_sedan_beslut=50)
            cje.append((demo.driv(a, u, till), u))
        _bevakning_och_aterringning(demo, karin, *cje)

        # Ville, Västernorrland: cataract to Demo Ögonklinik Uppsala (Mona confirms and performs).
        for i, till in enumerate(
            ["behov", "remiss_skickad", "remiss_skickad", "bekraftad", "bekraftad", "utford", "uppfoljning", "avslutad"]
        ):
            a, u = demo.arende(user=ville, region=r22, kva="CJE", dagar_sedan_beslut=60 + 6 * i, till=till)
            demo.driv(a, u, till, enhet=ogon02, fakturera=True)
        _vantelistor(demo, vera, karin, r20, r06)
    planer = _leveransplaner()
    if stdout:
        stdout.write(f"Ärenden: {Arende.objects.count()} demoärenden i alla steg.")
        stdout.write(f"Leveransplaner: {planer} planerade veckor.")


def _leveransplaner() -> int:
    """Delivery plans (issue #19 point 3), idempotent: Karin's region 06 plans knee replacements (NGB) at the
    pilot's provider – last week 5 (none offered: a highlighted deviation), this week 50 (the pilot's offers), then 6
    a week for eight weeks; the national coordination plans cataract (CJE) at Mona's unit for the next eight weeks,
    4 a week from region 22 and 2 from region 03 (her expected inflow)."""
    from avtal.leveransplan import mandag
    from avtal.services import leveransplan_spara

    ort01, ogon02 = _enhet("SE5561112220-ORT01"), _enhet("SE5560000001-OGON02")
    denna = mandag(timezone.localdate())
    veckor = 0
    if ort01 is not None and ort01.vardgivare is not None:
        for i in range(-1, 9):
            antal = {-1: 5, 0: 50}.get(i, 6)
            leveransplan_spara(planerad_av_id="06", vardgivare=ort01.vardgivare, kva_id="NGB",
                               veckor=[denna + timedelta(weeks=i)], antal=antal, via="demo")  # fmt: skip
            veckor += 1
    if ogon02 is not None and ogon02.vardgivare is not None:
        for i in range(9):
            for region, antal in (("22", 4), ("03", 2)):
                leveransplan_spara(planerad_av_id=None, vardgivare=ogon02.vardgivare, vardenhet=ogon02, kva_id="CJE",
                                   veckor=[denna + timedelta(weeks=i)], sandande_region_id=region, antal=antal,
                                   via="demo")  # fmt: skip
                veckor += 1
    return veckor


__all__ = ["Status", "load"]
