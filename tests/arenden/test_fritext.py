"""Free text about the patient (issue 16 point 1): the case's diagnosis in words, medication, interpreter need and
reasons, the history's typed reasons, offer comments and deviations are stored only sealed under the case's data
key, read through the identity service (one key round and one access-log row per page), shown to the home region
and to the receiving unit only after the transfer, shredded with the identity, and sealed by migration 0019."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from arenden import services
from arenden.models import Arende, ArendeHandelse, Atkomstlogg, Avvikelse, Erbjudande
from arenden.services import identitet
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll
from vardformedling.personnummer import make_test_number

DIAGNOS = "Grå starr höger öga, Margit är nästan blind"
LAKEMEDEL = "Waran 5 mg, insulin"
SKAL = "Margit vågar inte flyga sedan olyckan"


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def _tabeller_som_text() -> str:
    with connection.cursor() as cur:
        text = ""
        for tabell in ("arende", "arendehandelse", "erbjudande", "avvikelse"):
            cur.execute(f"SELECT row_to_json(t)::text FROM arenden_{tabell} t")  # noqa: S608 – fixed names
            text += " ".join(r[0] for r in cur.fetchall())
    return text


@pytest.fixture
def med_fritext(registrera, lots, lots_uppdrag, mottagande_enhet, avtalsrad):
    """A case with a diagnosis and medication, a declined offer with a reason, then an accepted one (step 3)."""
    a = registrera(diagnos_text=DIAGNOS, lakemedel=LAKEMEDEL, lamplig=True)
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad)
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="annat", fritext=SKAL)
    e = services.erbjudande_lamna(
        arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad, forvantat_datum=date.today()
    )
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=True)
    a.refresh_from_db()
    return a


@pytest.mark.django_db
def test_free_text_is_stored_only_sealed_and_the_home_region_reads_it_in_one_key_round_with_one_log_row(
    med_fritext, lots, monkeypatch
):
    a = med_fritext
    rader = _tabeller_som_text()
    for hemligt in ("Margit", "Waran", "flyga"):
        assert hemligt not in rader, hemligt
    assert a.diagnos_text_chiffer and Erbjudande.objects.filter(fritext_chiffer__isnull=False).count() == 1
    assert ArendeHandelse.objects.filter(arende=a, motivering_chiffer__isnull=False).count() == 1

    from vardformedling.nycklar.tjanst import nyckeltjanst

    tjanst, anrop = nyckeltjanst(), []
    original = tjanst.unwrap_many
    monkeypatch.setattr(tjanst, "unwrap_many", lambda rk, w: anrop.append(len(list(w))) or original(rk, w))
    body = _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()
    assert DIAGNOS in body and LAKEMEDEL in body and SKAL in body
    assert anrop == [1]  # identity and every free text of the page under one unwrap
    logg = Atkomstlogg.objects.filter(case_id=a.case_id, handling="fritext visa ärende")
    assert logg.count() == 1 and logg.get().hsa_id == lots.hsa_id


@pytest.mark.django_db
def test_the_receiving_unit_reads_it_only_after_the_transfer_and_never_the_rounds_before(
    med_fritext, lots, lots_uppdrag, mottagare
):
    a = med_fritext
    body = _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()
    assert DIAGNOS not in body and LAKEMEDEL not in body and identitet.FRITEXT_EJ_OVERFORD in body
    assert not Atkomstlogg.objects.filter(case_id=a.case_id, handling__startswith="fritext").exists()
    services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss"])
    body = _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()
    assert DIAGNOS in body and LAKEMEDEL in body
    assert SKAL not in body  # the patient's reason for saying no to an earlier offer is not the unit's
    assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="fritext visa ärende", hsa_id=mottagare.hsa_id)


@pytest.mark.django_db
def test_administrator_and_another_region_cannot_read_it(med_fritext):
    admin = make_user(Roll.ADMINISTRATOR, None, hsa_id="SE2321000016-AD19")
    annan = make_user(Roll.VARDLOTS, "06", hsa_id="SE2321000057-VL19")
    for user in (admin, annan):
        r = _klient(user).get(f"/arenden/{med_fritext.case_id}/")
        assert r.status_code in (403, 404) and DIAGNOS.encode() not in r.content
        uppdrag = user.uppdrag.get()
        identitet.las_fritext(None, med_fritext, "test", uppdrag=uppdrag, anvandare=user)
        assert med_fritext.visad_diagnos_text == identitet.FRITEXT_EJ_BEHORIG


@pytest.mark.django_db
def test_a_missing_region_key_shows_the_message_and_refuses_a_typed_reason_without_a_500(
    med_fritext, lots, region_20_utan_nyckel
):
    a = med_fritext
    c = _klient(lots)
    r = c.get(f"/arenden/{a.case_id}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert DIAGNOS not in body and "Region Dalarnas nyckeltjänst svarar inte just nu" in body
    # A deviation cannot be sealed: the form comes back (422) with the message, nothing is written.
    data = {"avvikelse-vad": "Margit föll", "avvikelse-nar": str(date.today())}
    r = c.post(f"/arenden/{a.case_id}/avvikelser/", data, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "nyckeltjänst svarar inte" in r.content.decode()
    assert not Avvikelse.objects.exists()


@pytest.mark.django_db
def test_altered_ciphertext_gives_the_message_not_the_text(med_fritext, lots, lots_uppdrag):
    a = med_fritext
    Arende.objects.filter(pk=a.pk).update(diagnos_text_chiffer=a.lakemedel_chiffer)  # moved to another field
    a.refresh_from_db()
    identitet.las_fritext(None, a, "test", uppdrag=lots_uppdrag, anvandare=lots)
    assert a.visad_diagnos_text == identitet.DekrypteringMisslyckades.meddelande
    assert a.visad_lakemedel == LAKEMEDEL


@pytest.mark.django_db
def test_shredding_makes_it_unrecoverable_and_the_record_stays(med_fritext, lots, lots_uppdrag):
    a = med_fritext
    avvikelse = Avvikelse(arende=a, nar=date.today(), rapporterad_av=lots)
    identitet.forsegla_text(avvikelse, "vad", "Margit föll i trappan", arende=a)
    avvikelse.save()
    identitet.gallra(a)
    a.refresh_from_db()
    assert all(getattr(a, f"{f}_chiffer") is None for f in identitet.ARENDE_FRITEXT)
    assert not ArendeHandelse.objects.filter(motivering_chiffer__isnull=False).exists()
    assert not Erbjudande.objects.filter(fritext_chiffer__isnull=False).exists()
    assert Avvikelse.objects.get().vad_chiffer is None and a.handelser.count() >= 4
    body = _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()
    assert a.case_id in body and DIAGNOS not in body and SKAL not in body


FORE = [("arenden", "0018_patientkanal")]


@pytest.mark.django_db(transaction=True)
def test_migration_0019_seals_existing_clear_free_text_and_keeps_the_portal_s_own():
    enhet = VardenhetFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(FORE)
    apps = executor.loader.project_state(FORE).apps
    GammaltArende = apps.get_model("arenden", "Arende")
    case_id = "VF-2026-20-000779-8"
    sigill = identitet.forseglade_falt(
        "20", case_id, identitet.Identitet(make_test_number(1947, 5, 17, 236), "Gamla Greta", "")
    )
    a = GammaltArende.objects.create(
        case_id=case_id, region_id="20", kva_id="CJE", beslutsdatum=date(2026, 10, 1),
        vardgaranti_datum=date(2026, 12, 30), diagnos_text=DIAGNOS, lakemedel=LAKEMEDEL, **sigill,
    )  # fmt: skip
    apps.get_model("arenden", "ArendeHandelse").objects.create(arende=a, handelse="Avslutat", motivering=SKAL)
    Gammalt = apps.get_model("arenden", "Erbjudande")
    Gammalt.objects.create(arende=a, vardenhet_id=enhet.pk, fritext="Ärendet avslutades.", svarsfrist=date(2026, 12, 1))
    Gammalt.objects.create(arende=a, vardenhet_id=enhet.pk, fritext=SKAL, svarsfrist=date(2026, 12, 1))
    apps.get_model("arenden", "Avvikelse").objects.create(arende=a, vad="Margit föll", nar=date(2026, 11, 1))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rader = _tabeller_som_text()
    assert "Margit" not in rader and "Waran" not in rader and "flyga" not in rader
    assert "Ärendet avslutades." in rader  # the portal's own text stays in clear

    class Uppdrag:
        roll, region_id, vardenhet_id, etikett = "vardlots", "20", None, "Vårdlots – Region Dalarna"

    nu = Arende.objects.get(case_id=case_id)
    handelser, erbjudanden = list(nu.handelser.all()), list(nu.erbjudanden.order_by("id"))
    avvikelser = list(nu.avvikelser.all())
    identitet.las_fritext(None, nu, "test", handelser=handelser, erbjudanden=erbjudanden, avvikelser=avvikelser,
                          uppdrag=Uppdrag(), anvandare=None)  # fmt: skip
    assert (nu.visad_diagnos_text, nu.visad_lakemedel, nu.visad_utfall) == (DIAGNOS, LAKEMEDEL, "")
    assert handelser[0].visad_motivering == SKAL
    assert [e.visad_fritext for e in erbjudanden] == ["Ärendet avslutades.", SKAL]
    assert avvikelser[0].visad_vad == "Margit föll"
