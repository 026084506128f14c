"""Synthetic users and cases for seed_scale.

A sample of the cases (`genom_tjanster`) is driven step by step through the real arenden services (registration,
assessment, offer, answer, travel, SDK transfer, confirmation, care, back-referral, follow-up, closing), exactly
as the demo does. The bulk is written with bulk_create of the same model fields the services set — one
service-driven case costs ~80 queries, so 50,000 would take far too long — with:
- case IDs from the real formatter (`arenden.case_id.format_case_id`, Luhn check digit) on numbers reserved
  from the same locked per-region/year counter (`ArendeNummer`) that `case_id.generate` uses, so later cases
  registered through the services continue the sequence without gaps or clashes;
- the history rows (`ArendeHandelse`) one per transition with from/to status and plausible times;
- offers (accepted, declined with reasons, open) and volume reservations on usable agreement lines, never beyond
  a line's volume cap (reserved until care is performed, consumed afterwards — as `avtal.services` does);
- transfers (`Overforing`) whose envelopes are sealed to the receiving unit and signed by the home region's
  brokering function through the web's code (`remisskuvert.forsegla_remiss` with the case's free text opened, and
  the reading logged, by `identitet.oppna_fritext` as the web's transfer does; keys looked up once per unit) and
  sent through the SDK transport; for cases past the confirmation, the unit's signed receipt, verified against its
  public key as `remisskuvert.kvittens_registrera` does, and its history row (`Kuvert`).
"""

import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from arenden import sdk, services
from arenden.case_id import format_case_id
from arenden.models import (
    Arende,
    ArendeHandelse,
    ArendeNummer,
    Avslutsorsak,
    Erbjudande,
    Overforing,
    Status,
)
from arenden.services import identitet, remisskuvert
from avtal.models import Avtal, Avtalsrad, Reservationsstatus, Volymreservation
from katalog.models import KvaGrupp, Vardenhet
from scale import MARKOR
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User
from vardformedling.nycklar import enhetsnycklar, kuvert
from vardformedling.personnummer import skalnummer

FORNAMN = ["Anna", "Lars", "Maria", "Erik", "Karin", "Per", "Eva", "Nils", "Birgitta", "Sven", "Ingrid", "Olof"]
EFTERNAMN = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]
# Share of cases per end state (sums to 1): most cases of a year are closed, the rest spread over the steps.
FORDELNING = [
    (Status.BEHOV, 0.05),
    (Status.HITTA_VARDGIVARE, 0.10),
    (Status.FORMEDLA, 0.04),
    (Status.REMISS_SKICKAD, 0.04),
    (Status.BEKRAFTAD, 0.06),
    (Status.UTFORD, 0.04),
    (Status.UPPFOLJNING, 0.06),
    (Status.AVSLUTAD, 0.45),
    (Status.AVSLUTAD_TIDIGT, 0.16),
]
KEDJA: list[str] = [
    Status.BEHOV,
    Status.HITTA_VARDGIVARE,
    Status.FORMEDLA,
    Status.REMISS_SKICKAD,
    Status.BEKRAFTAD,
    Status.UTFORD,
    Status.UPPFOLJNING,
    Status.AVSLUTAD,
]
HANDELSE: dict[str, str] = {
    Status.HITTA_VARDGIVARE: "Bedömt lämplig för vårdförmedling",
    Status.FORMEDLA: "Patienten tackade ja till {enhet}",
    Status.REMISS_SKICKAD: "Remiss skickad till {enhet} via SDK (kvitto {kvitto})",
    Status.BEKRAFTAD: "Remissen bekräftad, planerat datum {planerat}",
    Status.UTFORD: "Vården utförd {utfort}",
    Status.UPPFOLJNING: "Återremitterad till hemregionen",
    Status.AVSLUTAD: "Ärendet avslutat",
}
DAGAR_PER_STEG: dict[str, tuple[int, int]] = {  # days spent before reaching each status (min, max)
    Status.HITTA_VARDGIVARE: (1, 4),
    Status.FORMEDLA: (4, 20),
    Status.REMISS_SKICKAD: (1, 5),
    Status.BEKRAFTAD: (1, 7),
    Status.UTFORD: (7, 40),
    Status.UPPFOLJNING: (1, 6),
    Status.AVSLUTAD: (7, 30),
}
BATCH = 5000
DOKUMENT = {"remiss": "Remiss", "journalutdrag": "Journalutdrag"}


class Kuvert:
    """The bulk cases' referral envelopes and receipts, through the same sealing, signing and transport as the web;
    each unit's keys are looked up (and created, the first time) once."""

    def __init__(self, enheter: dict[int, tuple[str, str, str]], personer: dict):
        self.enheter = enheter  # unit id → (HSA-id, region, name)
        self.mottagare = personer["mottagare"]
        self.transport = sdk.get_transport()
        self.transportnamn = getattr(self.transport, "name", self.transport.__class__.__name__)
        self.avsandare: dict[str, tuple[str, enhetsnycklar.PrivataNycklar]] = {}
        self.publik: dict[int, enhetsnycklar.PublikaNycklar] = {}
        self.privat: dict[int, enhetsnycklar.PrivataNycklar] = {}
        self.antal = self.kvittenser = 0

    def _avsandare(self, region: Region) -> tuple[str, enhetsnycklar.PrivataNycklar]:
        if region.kod not in self.avsandare:
            hsa = remisskuvert.avsandande_enhet(region)
            enhetsnycklar.skapa(hsa, region.kod)
            self.avsandare[region.kod] = (hsa, enhetsnycklar.privat(hsa, region.kod))
        return self.avsandare[region.kod]

    def skicka(
        self, a: Arende, ident: identitet.Identitet, enhet_id: int, skickad: datetime, user, uppdrag
    ) -> Overforing:
        hsa, region_kod, _ = self.enheter[enhet_id]
        if enhet_id not in self.publik:
            self.publik[enhet_id] = enhetsnycklar.skapa(hsa, region_kod)
        avsandare, nyckel = self._avsandare(a.region)
        # The case's sealed free text (the diagnosis words) opened and logged as the web's transfer does
        # (formedling.arende_overfor), under the data key `identitet.forsegla` left on the case: no key-service round.
        fritext = identitet.oppna_fritext(a, anvandare=user, uppdrag=uppdrag, varfor="skicka remiss")
        data = remisskuvert.forsegla_remiss(a, ident, DOKUMENT, avsandare, self.publik[enhet_id], nyckel, fritext)
        kvitto = self.transport.send(
            case_id=a.case_id, avsandare=avsandare, mottagare=hsa, kuvert=data, dokument=list(DOKUMENT.values())
        )
        self.antal += 1
        return Overforing(arende=a, mottagare_id=enhet_id, dokument=list(DOKUMENT.values()), kuvert=kvitto.kuvert,
                          kvitto=kvitto.kvitto_id, transport=self.transportnamn, skickad=skickad, skickad_av=user,
                          avsandare=avsandare, kuvert_sha256=kuvert.kuvert_hash(data),
                          metadata=kuvert.las_metadata(data))  # fmt: skip

    def kvittera(self, o: Overforing, mottagen: datetime) -> str:
        """Signs the unit's receipt, verifies it against the unit's public key, sends it back; the history text."""
        hsa, region_kod, namn = self.enheter[o.mottagare_id]
        if o.mottagare_id not in self.privat:
            self.privat[o.mottagare_id] = enhetsnycklar.privat(hsa, region_kod)
        kvittens = kuvert.kvittera(o.kuvert_sha256, mottagare_signeringsnyckel=self.privat[o.mottagare_id],
                                   arende_id=o.arende.case_id, mottagen=mottagen)  # fmt: skip
        kuvert.verifiera_kvitto(kvittens, mottagare_publik=self.publik[o.mottagare_id], kuvert_hash=o.kuvert_sha256)
        self.transport.skicka_kvittens(case_id=o.arende.case_id, avsandare=hsa, mottagare=o.avsandare,
                                       kvittens=kvittens)  # fmt: skip
        o.kvittens, o.mottagen = kvittens.decode(), mottagen
        o.mottagen_av = self.mottagare.get(o.mottagare_id, (None, None))[0]
        self.kvittenser += 1
        return f"Remissen mottagen av {namn} (signerad kvittens verifierad)"


def skapa_anvandare(regioner: list[Region], mottagarenheter: list[Vardenhet]) -> dict:
    """Two navigators and one coordinator per region, one receiving-unit user per receiving unit."""
    personer: dict = {"lotsar": defaultdict(list), "mottagare": {}}
    for region in regioner:
        orgnr = region.orgnr.replace("-", "")
        for i, roll in enumerate([Roll.VARDLOTS, Roll.VARDLOTS, Roll.KOORDINATOR], start=1):
            hsa = f"SE{orgnr}-{MARKOR}{'KO' if roll == Roll.KOORDINATOR else 'VL'}{i:02d}"
            user, _ = User.objects.get_or_create(
                hsa_id=hsa, defaults={"namn": f"Syntetisk {roll.label} {i} {region.kod}"}
            )
            uppdrag, _ = Medarbetaruppdrag.objects.get_or_create(user=user, roll=roll, region=region, vardenhet=None)
            personer["lotsar"][region.kod].append((user, uppdrag))
    for enhet in mottagarenheter:
        hsa = f"{enhet.hsa_id.split('-')[0]}-{MARKOR}MO{enhet.pk}"
        user, _ = User.objects.get_or_create(hsa_id=hsa, defaults={"namn": f"Mottagare {enhet.namn}"[:150]})
        uppdrag, _ = Medarbetaruppdrag.objects.get_or_create(
            user=user, roll=Roll.MOTTAGARE, region=enhet.region, vardenhet=enhet
        )
        personer["mottagare"][enhet.pk] = (user, uppdrag)
    return personer


class Radval:
    """Usable agreement lines per (unit, KVÅ group, patient region), with the volume left (never overbooked)."""

    def __init__(self, idag: date):
        self.rader: dict[tuple[int, str], list[tuple[Avtalsrad, set | None]]] = defaultdict(list)
        self.kvar: dict[int, float] = {}
        giltiga = Avtalsrad.objects.giltiga(idag).select_related("avtal").prefetch_related("avtal__far_nyttjas_av")
        omfattade = defaultdict(list)  # agreement → the units it covers (avtal's rule, AvtalQuerySet.omfattar)
        for avtal_pk, enhet_id in Avtal.objects.giltiga(idag).omfattade_enheter():
            omfattade[avtal_pk].append(enhet_id)
        upptaget: defaultdict[int, int] = defaultdict(int)
        aktiva = (Reservationsstatus.RESERVERAD, Reservationsstatus.FORBRUKAD)
        for rad_id in Volymreservation.objects.filter(status__in=aktiva).values_list("rad_id", flat=True):
            upptaget[rad_id] += 1
        for rad in giltiga:
            avtal = rad.avtal
            enheter = omfattade[avtal.pk]
            regioner = (
                None
                if avtal.far_nyttjas_av_alla
                else {avtal.avtalsagare_id, *(r.kod for r in avtal.far_nyttjas_av.all())}
            )
            self.kvar[rad.pk] = float("inf") if rad.takvolym is None else rad.takvolym - upptaget[rad.pk]
            for e in enheter:
                self.rader[(e, rad.kva_id)].append((rad, regioner))

    def ta(self, enhet_id: int, kva: str, region: str) -> Avtalsrad | None:
        for rad, regioner in self.rader.get((enhet_id, kva), ()):
            if (regioner is None or region in regioner) and self.kvar[rad.pk] >= 1:
                self.kvar[rad.pk] -= 1
                return rad
        return None


def reservera_nummer(region_kod: str, ar: int, antal: int) -> list[str]:
    """Reserves `antal` consecutive case numbers on the real counter (row locked) and formats them."""
    with transaction.atomic():
        ArendeNummer.objects.get_or_create(region_id=region_kod, ar=ar)
        raknare = ArendeNummer.objects.select_for_update().get(region_id=region_kod, ar=ar)
        start = raknare.senaste
        ArendeNummer.objects.filter(pk=raknare.pk).update(senaste=F("senaste") + antal)
    return [format_case_id(ar, region_kod, start + i) for i in range(1, antal + 1)]


def _valj_status(rng: random.Random) -> str:
    u, acc = rng.random(), 0.0
    for status, andel in FORDELNING:
        acc += andel
        if u < acc:
            return status
    return Status.AVSLUTAD


@contextmanager
def utan_wal_vantan():
    """PostgreSQL's synchronous_commit off for this session while inside, restored after: every envelope writes its
    access-log row (`identitet.oppna_fritext`, as the web's transfer does) in a commit of its own, and synthetic data
    on a dedicated database need not wait for each commit's WAL flush (a crash loses the last commits, not
    consistency; seed_scale is run again with --reset)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('synchronous_commit'), set_config('synchronous_commit', 'off', false)")
        fore = cur.fetchone()[0]
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('synchronous_commit', %s, false)", [fore])


def bulk_arenden(*, antal: int, personer: dict, idag: date, seed: int = 4, borja_pa: int = 0, stdout=None) -> int:
    """Creates `antal` cases with history, offers, reservations and transfers in bulk (see module docstring)."""
    with utan_wal_vantan():
        return _bulk_arenden(antal=antal, personer=personer, idag=idag, seed=seed, borja_pa=borja_pa, stdout=stdout)


def _bulk_arenden(*, antal: int, personer: dict, idag: date, seed: int, borja_pa: int, stdout) -> int:
    rng = random.Random(seed)
    nu = timezone.now()
    regioner = {r.kod: r for r in Region.objects.all()}
    kva_vikter = ["CJE"] * 30 + ["NGB"] * 12 + ["NFB"] * 8 + ["JAB"] * 6 + ["UJF"] * 6 + ["CJC"] * 3
    kva_vikter += list(KvaGrupp.objects.values_list("kod", flat=True))
    erbjudare: dict[str, list[int]] = defaultdict(list)  # KVÅ → active units with a provider that offer it
    enhet_region, enhet_namn, hemenheter, enhet_hsa = {}, {}, defaultdict(list), {}
    for e in Vardenhet.objects.filter(aktiv=True, vardgivare__isnull=False).values("pk", "region_id", "namn", "hsa_id"):
        enhet_region[e["pk"]], enhet_namn[e["pk"]] = e["region_id"], e["namn"]
        enhet_hsa[e["pk"]] = (e["hsa_id"], e["region_id"], e["namn"])
        hemenheter[e["region_id"]].append(e["pk"])
    # The referral text names the KVÅ group and the referring unit: read once, not once per case.
    kva_grupper = {k.kod: k for k in KvaGrupp.objects.all()}
    remitterande = {e.pk: e for e in Vardenhet.objects.filter(pk__in=[p for v in hemenheter.values() for p in v])}
    kuvertet = Kuvert(enhet_hsa, personer)
    from katalog.models import Vardutbud

    for vu in Vardutbud.objects.filter(vardenhet__aktiv=True, vardenhet__vardgivare__isnull=False).values_list(
        "kva_id", "vardenhet_id"
    ):
        erbjudare[vu[0]].append(vu[1])
    personer["mottagare"]
    radval = Radval(idag)

    planer = []
    for i in range(antal):
        status = _valj_status(rng)
        region = rng.choice(list(regioner))
        kva = rng.choice(kva_vikter)
        kandidater = erbjudare.get(kva) or erbjudare["CJE"]
        if not erbjudare.get(kva):
            kva = "CJE"
        tidigt_i = None
        if status == Status.AVSLUTAD_TIDIGT:
            tidigt_i = rng.choice([Status.BEHOV, Status.HITTA_VARDGIVARE, Status.HITTA_VARDGIVARE, Status.FORMEDLA])
        sista = tidigt_i or status
        steg_tider = [0]
        for s in KEDJA[1 : KEDJA.index(sista) + 1]:
            steg_tider.append(steg_tider[-1] + rng.randint(*DAGAR_PER_STEG[s]))
        langd = steg_tider[-1] + (rng.randint(1, 10) if tidigt_i else 0)
        oppen = status not in (Status.AVSLUTAD, Status.AVSLUTAD_TIDIGT)
        bakat = rng.randint(0, 45 if oppen else max(1, 330 - langd))
        skapad = nu - timedelta(days=langd + bakat, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
        planer.append((i, status, tidigt_i, region, kva, kandidater, steg_tider, langd, skapad))

    # Case numbers per (region, registration year), reserved in blocks on the real counter.
    behov: defaultdict[tuple[str, int], int] = defaultdict(int)
    for p in planer:
        behov[(p[3], p[8].year)] += 1
    nummer = {k: iter(reservera_nummer(k[0], k[1], n)) for k, n in sorted(behov.items())}

    arenden, extra = [], []
    for i, status, tidigt_i, region_kod, kva, kandidater, steg_tider, langd, skapad in planer:
        hemregion = regioner[region_kod]
        user, uppdrag = rng.choice(personer["lotsar"][region_kod])
        nr = borja_pa + i
        beslut = (skapad - timedelta(days=rng.randint(0, 80))).date()
        sista = tidigt_i or status
        n_steg = KEDJA.index(sista)
        a = Arende(
            case_id=next(nummer[(region_kod, skapad.year)]),
            region=hemregion,
            kommun=hemregion.residensstad,
            remitterande_enhet=remitterande[rng.choice(hemenheter[region_kod])] if hemenheter[region_kod] else None,
            kva=kva_grupper[kva],
            diagnos_kod="H25.9" if kva.startswith("CJ") else "Z01.8",
            asa_klass=rng.choice([1, 2, 2, 3]),
            narkos=rng.random() < 0.1,
            beslutsdatum=beslut,
            vardgaranti_datum=hemregion.vardgaranti_datum(beslut),
            lamplig=True if n_steg >= 1 else None,
            status=status,
            handlaggare=user,
            skapad_av=user,
            skapad=skapad,
            version=1 + n_steg,
        )
        # The identity goes through the one write path (sealed under the region's key, issue 16); the number is
        # `skalnummer(nr)`, so the load test's patients can sign in as the case's patient (patient/inloggning.py).
        ident = identitet.Identitet(
            personnummer=skalnummer(nr),
            namn=f"{FORNAMN[nr % len(FORNAMN)]} {EFTERNAMN[(nr // 7) % len(EFTERNAMN)]}",
            kontaktuppgifter=f"070-{1000000 + nr * 7919 % 8999999}",
        )
        identitet.forsegla(a, ident)
        # Free text about the patient through the same path, under the data key just made (no extra key round).
        diagnos_text = "Katarakt" if kva.startswith("CJ") else "Behov av planerad operation"
        identitet.satt_fritext(a, diagnos_text=diagnos_text)
        tider = [skapad + timedelta(days=d, hours=rng.randint(0, 6)) for d in steg_tider]
        enhet_id: Any = None  # the receiving unit's id: chosen for every case from step 2 (FORMEDLA) on
        if n_steg >= 2:
            enhet_id = rng.choice([e for e in kandidater if enhet_region.get(e)] or kandidater)
            a.mottagande_enhet_id = enhet_id
            a.planerat_datum = (tider[2] + timedelta(days=rng.randint(10, 40))).date()
        if n_steg >= 4:
            a.planerat_datum = (tider[4] + timedelta(days=rng.randint(5, 30))).date()
        if n_steg >= 5:
            a.utfort_datum = tider[5].date()
            identitet.satt_fritext(a, utfall="Okomplicerat ingrepp.")
        if n_steg >= 6:
            a.aterremitterad = tider[6].date()
        if tidigt_i:
            a.avslutsorsak = (
                Avslutsorsak.MEDICINSKT_OLAMPLIG
                if tidigt_i == Status.BEHOV
                else rng.choice(
                    [Avslutsorsak.PATIENTEN_AVBOJDE, Avslutsorsak.BEHOV_UPPHORT, Avslutsorsak.BEHANDLAD_I_HEMREGION]
                )
            )
            if tidigt_i == Status.BEHOV:
                a.lamplig = False
                identitet.satt_fritext(a, lamplighet_motivering="Kräver vård på sjukhus med intensivvård.")
            a.avslutad_i_steg = {Status.BEHOV: 1, Status.HITTA_VARDGIVARE: 2, Status.FORMEDLA: 3}[tidigt_i]
            a.avslutad_datum = skapad + timedelta(days=langd)
        arenden.append(a)
        extra.append((a, n_steg, tidigt_i, tider, enhet_id, user, uppdrag, ident))
    # Related rows reference the unsaved cases; bulk_create fills in their ids after the cases are written.
    handelser, erbjudanden, reservationer, overforingar = [], [], [], []
    etiketter: dict[int, str] = {}
    for a, n_steg, tidigt_i, tider, enhet_id, user, uppdrag, ident in extra:
        if uppdrag.pk not in etiketter:  # etikett reads the region: once per commission, not per case
            etiketter[uppdrag.pk] = uppdrag.etikett
        etikett = etiketter[uppdrag.pk]
        handelser.append(ArendeHandelse(arende=a, fran_status="", till_status=Status.BEHOV,
                                        handelse="Ärendet registrerades", anvandare=user, uppdrag=etikett,
                                        tidpunkt=tider[0]))  # fmt: skip
        rad = None
        if n_steg >= 2 or (n_steg == 1 and rng.random() < 0.6):
            # Step 2: sometimes a declined offer first, then the accepted (or still open) one.
            if rng.random() < 0.3:
                annan = rng.choice(erbjudare.get(a.kva_id) or [enhet_id or a.remitterande_enhet_id])
                if annan:
                    erbjudanden.append(Erbjudande(arende=a, vardenhet_id=annan, status=Erbjudande.Status.AVBOJT,
                                                  svar_datum=(tider[1] + timedelta(days=2)).date(),
                                                  avbojt_orsak=rng.choice(Erbjudande.AvbojtOrsak.values[:5]),
                                                  svarsfrist=(tider[1] + timedelta(days=14)).date(),
                                                  lamnat_av=user, skapad=tider[1] + timedelta(days=1)))  # fmt: skip
            if n_steg >= 2:
                rad = radval.ta(enhet_id, a.kva_id, a.region_id)
                erbjudanden.append(Erbjudande(arende=a, vardenhet_id=enhet_id, avtalsrad=rad,
                                              status=Erbjudande.Status.ACCEPTERAT, svar_datum=tider[2].date(),
                                              forvantat_datum=a.planerat_datum,
                                              svarsfrist=(tider[2] + timedelta(days=7)).date(),
                                              lamnat_av=user, skapad=tider[2] - timedelta(days=3)))  # fmt: skip
                if rad is not None and tidigt_i is None:
                    utford = n_steg >= 5
                    reservationer.append(Volymreservation(rad=rad, referens=a.case_id, region_id=a.region_id, av=user,
                        status=Reservationsstatus.FORBRUKAD if utford else Reservationsstatus.RESERVERAD))  # fmt: skip
            elif tidigt_i is None and a.status == Status.HITTA_VARDGIVARE:
                kand = erbjudare.get(a.kva_id) or []
                if kand:
                    skapad_e = tider[1] + timedelta(days=1)
                    erbjudanden.append(Erbjudande(arende=a, vardenhet_id=rng.choice(kand), lamnat_av=user,
                                                  skapad=skapad_e, svarsfrist=(skapad_e + timedelta(days=14)).date(),
                                                  forvantat_datum=(skapad_e + timedelta(days=30)).date()))  # fmt: skip
        o = None
        for k in range(1, n_steg + 1):
            till = KEDJA[k]
            if till == Status.REMISS_SKICKAD:
                o = kuvertet.skicka(a, ident, enhet_id, tider[k], user, uppdrag)
                overforingar.append(o)
            if till == Status.BEKRAFTAD and o is not None:
                # The unit opened its envelope and its verified receipt came back before it confirmed (issue 16).
                mottagen = tider[k - 1] + (tider[k] - tider[k - 1]) / 2
                text = kuvertet.kvittera(o, mottagen)
                m_user, m_uppdrag = personer["mottagare"].get(enhet_id, (None, None))
                if m_uppdrag is not None and m_uppdrag.pk not in etiketter:
                    etiketter[m_uppdrag.pk] = m_uppdrag.etikett
                handelser.append(ArendeHandelse(arende=a, fran_status=KEDJA[k - 1], till_status=KEDJA[k - 1],
                                                handelse=text, anvandare=m_user,
                                                uppdrag=etiketter[m_uppdrag.pk] if m_uppdrag else "",
                                                tidpunkt=mottagen))  # fmt: skip
                a.version += 1
            text = HANDELSE[till].format(enhet=enhet_namn.get(enhet_id, ""), kvitto=o.kvitto if o else "",
                                         planerat=a.planerat_datum, utfort=a.utfort_datum)  # fmt: skip
            handelser.append(ArendeHandelse(arende=a, fran_status=KEDJA[k - 1], till_status=till, handelse=text,
                                            anvandare=user, uppdrag=etikett, tidpunkt=tider[k]))  # fmt: skip
        if n_steg >= 6:
            a.faktura_belopp = (
                rad.pris_kr if rad is not None and rad.pris_kr is not None else Decimal(rng.randint(8, 150) * 500)
            )
            if n_steg >= 7 or rng.random() < 0.5:
                a.betald_datum = (tider[6] + timedelta(days=5)).date()
                a.resekostnad = Decimal(rng.choice([0, 320, 640, 1250, 2400]))
                a.patientupplevelse = rng.choice([3, 4, 4, 5, 5])
            if n_steg >= 7:
                a.avslutad_datum = tider[7]
        if tidigt_i:  # closed early: avslutad_datum was set with the case above
            handelser.append(ArendeHandelse(arende=a, fran_status=tidigt_i, till_status=Status.AVSLUTAD_TIDIGT,
                                            handelse=f"Avslutat i förtid: {Avslutsorsak(a.avslutsorsak).label}",
                                            anvandare=user, uppdrag=etikett,
                                            tidpunkt=cast(datetime, a.avslutad_datum)))  # fmt: skip
    with transaction.atomic():
        Arende.objects.bulk_create(arenden, batch_size=BATCH)
        ArendeHandelse.objects.bulk_create(handelser, batch_size=BATCH)
        Erbjudande.objects.bulk_create(erbjudanden, batch_size=BATCH)
        Volymreservation.objects.bulk_create(reservationer, batch_size=BATCH)
        Overforing.objects.bulk_create(overforingar, batch_size=BATCH)
    if stdout:
        stdout.write(f"  {kuvertet.antal} kuvert förseglade och skickade, {kuvertet.kvittenser} kvittenser verifierade")
    return len(arenden)


def tjanstearenden(*, antal: int, personer: dict, idag: date, seed: int = 5) -> int:
    """`antal` cases driven through the real services, spread over every end state."""
    from arenden.demo import _Demo

    rng = random.Random(seed)
    mottagare = personer["mottagare"]

    class Tjanstedemo(_Demo):
        def mottagare_for(self, a):  # the receiving unit's synthetic user where it has one
            return mottagare.get(a.mottagande_enhet_id, (a.handlaggare, None))

    demo = Tjanstedemo()
    demo.nr = 900_000  # personnummer serials apart from the demo's and the bulk's
    enheter = list(Vardenhet.objects.filter(pk__in=list(mottagare)).select_related("vardgivare"))
    mal = [*list(KEDJA), Status.AVSLUTAD_TIDIGT]
    skapade = 0
    for i in range(antal):
        region = rng.choice(list(personer["lotsar"]))
        user, uppdrag = personer["lotsar"][region][0]
        enhet = rng.choice(enheter)
        kva = rng.choice(list(enhet.vardutbud.values_list("kva_id", flat=True)) or ["CJE"])
        with transaction.atomic():
            a, _ = demo.arende(user=user, region=Region.objects.get(kod=region), kva=kva,
                               dagar_sedan_beslut=rng.randint(20, 120))  # fmt: skip
            till = mal[i % len(mal)]
            if till == Status.AVSLUTAD_TIDIGT:
                a = demo.driv(a, uppdrag, Status.FORMEDLA, enhet=enhet)
                services.arende_avsluta_tidigt(arende=a, anvandare=user, uppdrag=uppdrag,
                                               orsak=Avslutsorsak.PATIENTEN_AVBOJDE, motivering="")  # fmt: skip
            elif till == Status.AVSLUTAD:
                # The invoice is registered explicitly: a unit without a usable agreement line has no price.
                a = demo.driv(a, uppdrag, Status.UPPFOLJNING, enhet=enhet)
                if a.status == Status.UPPFOLJNING:
                    a = services.uppfoljning_registrera(arende=a, anvandare=user, uppdrag=uppdrag,
                                                        faktura_belopp=Decimal("12500"), betald_datum=idag,
                                                        resekostnad=Decimal("640"), patientupplevelse=4)  # fmt: skip
                    services.arende_avsluta(arende=a, anvandare=user, uppdrag=uppdrag)
            else:
                demo.driv(a, uppdrag, till, enhet=enhet)
        skapade += 1
    return skapade


def syntetiska_arenden() -> "Q":
    return Q(skapad_av__hsa_id__contains=f"-{MARKOR}")


__all__ = ["bulk_arenden", "datetime", "skapa_anvandare", "syntetiska_arenden", "tjanstearenden"]
