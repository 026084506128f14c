"""seed_scale builds synthetic data in every app through the real importers and services, and refuses to run
twice unless asked to reset."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from arenden import case_id
from arenden.models import Arende, ArendeHandelse, Erbjudande, Status
from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning, Uppladdningsstatus, Volymreservation
from katalog.models import KatalogImport, KvaGrupp, Vardenhet, Vardutbud
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from scale import MARKOR
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.reference import read_csv

pytestmark = pytest.mark.django_db


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_scale", scale=0.01, stdout=out, **kwargs)
    return out.getvalue()


def client_for_synthetic(roll: str, region: str = "20") -> Client:
    uppdrag = Medarbetaruppdrag.objects.filter(roll=roll, region_id=region, user__hsa_id__contains=f"-{MARKOR}").first()
    c = Client()
    c.force_login(uppdrag.user, backend="vardformedling.auth.SithsStubBackend")
    return c


def test_seed_scale_fills_every_app_through_the_importers_and_prints_phase_times():
    out = seed()

    assert Region.objects.count() == 21
    # The real KVÅ groups of the fixture, no synthetic codes (issue 20).
    fixturens = {r["kva_grupp"] for r in read_csv("kva_grupper.csv")}
    assert set(KvaGrupp.objects.values_list("kod", flat=True)) == fixturens and len(fixturens) >= 90
    assert set(Vardutbud.objects.values_list("kva_id", flat=True)) <= fixturens
    # Catalogue: the demo extract + synthetic units, read by the catalogue importer.
    assert Vardenhet.objects.filter(aktiv=True).count() == 60
    assert Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").count() == 8
    assert KatalogImport.objects.get(filnamn__startswith="seed_scale").status == KatalogImport.Status.KLAR
    # Agreements: 20 agreements × 10 lines through the agreement importer.
    assert Avtal.objects.filter(avtal_id__startswith=f"{MARKOR}-").count() == 20
    assert Avtalsrad.objects.count() == 200
    assert AvtalsUppladdning.objects.get(filnamn__startswith="seed_scale").status == Uppladdningsstatus.TILLAMPAD
    # Register history: SPOR, NCR and Väntetidsdatabasen through the register importers.
    runs = ImportRun.objects.filter(startad_av="seed_scale")
    assert sorted(runs.values_list("status", flat=True)) == [ImportStatus.KLAR] * 3
    assert Leverans.objects.filter(kalla__in=["SPOR", "NCR"]).count() == 2
    assert Matvarde.objects.filter(vardenhet__hsa_id__contains=f"-{MARKOR}", matperiod="90d").exists()
    assert Matvarde.objects.filter(vardenhet__isnull=True, region_id="20").exists()  # the register's region totals
    # Cases: every step, valid case IDs, history, offers and volume on agreements.
    assert Arende.objects.count() == 500
    assert set(Arende.objects.values_list("status", flat=True)) == set(Status.values)
    assert all(case_id.is_valid(c) for c in Arende.objects.values_list("case_id", flat=True))
    assert ArendeHandelse.objects.count() > 1000
    assert Erbjudande.objects.filter(status=Erbjudande.Status.ACCEPTERAT).exists()
    assert Volymreservation.objects.exists()
    for fas in ("Katalog via katalogimporten", "Avtal via avtalsimporten", "Ärenden i bulk"):
        assert f"{fas}: " in out and " s" in out


def test_pages_render_on_seeded_data_with_bounded_queries(django_assert_max_num_queries):
    seed()
    lots = client_for_synthetic(Roll.VARDLOTS)
    arende = Arende.objects.filter(region_id="20").order_by("pk").first()
    enhet = Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").first()
    for url in (
        "/katalog/sok/?kva=NGB&q=NGB&patientregion=20&asa=3&narkos=on&med_avtal=on&max_avstand=1500",
        "/lagesbild/?kva=NGB&period=90&niva=enhet",
        f"/lagesbild/enheter/{enhet.hsa_id}/",
        "/arenden/",
        f"/arenden/{arende.case_id}/",
    ):
        with django_assert_max_num_queries(30):
            response = lots.get(url)
        assert response.status_code == 200, url


def test_seed_scale_refuses_when_synthetic_data_exists_and_reset_rebuilds_without_duplicates():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Arende.objects.count() == 500

    seed(reset=True)

    assert Arende.objects.count() == 500
    assert Avtal.objects.filter(avtal_id__startswith=f"{MARKOR}-").count() == 20
    assert Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").count() == 8


def test_transferred_bulk_cases_carry_sealed_envelopes_and_confirmed_ones_a_verified_receipt():
    """Issue 16: every transferred case's envelope is in the outbox, opens with the receiving unit's key to the
    case's identity, and a case past the confirmation has the unit's receipt, verified against its public key."""
    from arenden import sdk
    from arenden.services import identitet, remisskuvert
    from vardformedling.nycklar import enhetsnycklar, kuvert

    seed()
    overforda = Arende.objects.filter(status__in=[s for s in Status.values if s not in ("behov", "hitta_vardgivare",
                                                                                         "formedla")])  # fmt: skip
    overforda = overforda.exclude(status=Status.AVSLUTAD_TIDIGT)
    assert overforda.count() > 100
    assert not overforda.filter(overforingar__isnull=True).exists()
    bekraftade = overforda.exclude(status=Status.REMISS_SKICKAD)
    assert not bekraftade.filter(overforingar__mottagen__isnull=True).exists()
    assert overforda.filter(status=Status.REMISS_SKICKAD, overforingar__mottagen__isnull=True).exists()
    for a in [*overforda.filter(status=Status.REMISS_SKICKAD)[:2], *bekraftade.order_by("-pk")[:3]]:
        o = a.overforingar.select_related("mottagare").get()
        data = sdk.get_transport().hamta(o.kuvert)  # as the receiving unit's inbox fetches it
        assert kuvert.kuvert_hash(data) == o.kuvert_sha256 and o.metadata["arende_id"] == a.case_id
        privat = enhetsnycklar.privat(o.mottagare.hsa_id, o.mottagare.region_id)
        _, payload, _ = kuvert.oppna(data, mottagare_privat=privat, avsandare_publik=enhetsnycklar.publik(o.avsandare))
        ident = identitet.Identitet.fran_dokument(payload["identitet"])
        assert identitet.pnr_hash(a.region_id, ident.personnummer) == a.pnr_hash  # this case's patient
        if o.mottagen is not None:
            publik = enhetsnycklar.publik(o.mottagare.hsa_id)
            kuvert.verifiera_kvitto(o.kvittens.encode(), mottagare_publik=publik, kuvert_hash=o.kuvert_sha256)
            assert o.avsandare == remisskuvert.avsandande_enhet(a.region)


def test_a_bulk_cases_envelope_opened_in_the_receiving_units_inbox_shows_the_cases_diagnosis_text():
    """The bulk seals the case's free text into the envelope as the web's transfer does (it sealed none before):
    the receiving unit reads the diagnosis words the home region wrote, opened from the case's own sealed copy."""
    from arenden.models import Atkomstlogg, Overforing
    from arenden.services import identitet

    seed()
    lots, lots_uppdrag = next(
        (u.user, u) for u in Medarbetaruppdrag.objects.filter(roll=Roll.VARDLOTS, user__hsa_id__contains=f"-{MARKOR}")
    )
    mottagare = {
        u.vardenhet_id: u.user
        for u in Medarbetaruppdrag.objects.filter(roll=Roll.MOTTAGARE, user__hsa_id__contains=f"-{MARKOR}")
    }
    overforingar = Overforing.objects.filter(mottagare_id__in=mottagare).select_related("arende").order_by("-pk")
    # The bulk's transfers (written after the few driven through the services) are those without the services'
    # logged identity read: the bulk seals the identity it was given.
    bulk = [o for o in overforingar[:20] if not Atkomstlogg.objects.filter(
        case_id=o.arende.case_id, handling="identitet skicka remiss").exists()]  # fmt: skip
    assert len(bulk) >= 5
    klienter: dict[int, Client] = {}
    for o in bulk:
        a = o.arende
        diagnos = identitet.oppna_fritext(a, anvandare=lots, uppdrag=lots_uppdrag, varfor="test")["diagnos_text"]
        assert diagnos in ("Katarakt", "Behov av planerad operation")
        if (c := klienter.get(o.mottagare_id)) is None:  # the unit's synthetic receiving user, in its inbox
            c = klienter[o.mottagare_id] = Client()
            c.force_login(mottagare[o.mottagare_id], backend="vardformedling.auth.SithsStubBackend")
        svar = c.get(f"/arenden/inkorg/{o.pk}/")
        assert svar.status_code == 200
        assert f"Diagnos: {a.diagnos_kod} {diagnos}\n" in svar.content.decode(), a.case_id
        # Reading the sealed free text to seal it into the envelope is logged, as for the web's transfer.
        assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="fritext skicka remiss").count() == 1


def test_the_bulk_does_not_wait_for_each_commits_wal_flush_and_restores_the_setting_after():
    """Each bulk envelope's access-log row is a commit of its own: synchronous_commit is off while the bulk runs."""
    from django.db import connection

    from scale.arenden import utan_wal_vantan

    def synchronous_commit() -> str:
        with connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            return cur.fetchone()[0]

    fore = synchronous_commit()
    with utan_wal_vantan():
        assert synchronous_commit() == "off"
    assert synchronous_commit() == fore
