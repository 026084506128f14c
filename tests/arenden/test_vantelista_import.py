"""Issue 17 point 1: the waiting-list import (command and page): checks, sealed identity, re-upload, replacement."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from arenden import services as arende_services
from arenden.models import Arende, Atkomstlogg
from arenden.services import identitet
from arenden.vantelista import services
from arenden.vantelista.importer import omhasha, oppna_identiteter
from arenden.vantelista.models import ListStatus, Vantelista, VantelistaPatient, VantelistaUppladdning
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, make_user
from vardformedling.importering.fel import FilAvvisad
from vardformedling.models import Medarbetaruppdrag, Region, Roll

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "vantelista_dalarna_ngb.csv"
RUBRIK = (
    "region_kod;vardenhet_hsaid;personnummer;fornamn;efternamn;kva_grupp;kva_kod;beslutsdatum;bortre_tidsgrans;asa;"
    "narkos;kommun_kod;telefon;max_avstand_km;anteckning"
)
FALU = "SE2321000180-FALU01"
RADER = [
    "20;SE2321000180-FALU01;19450312-2386;Elsa;Berg;NGB;NGB49;2026-06-15;;2;nej;2080;070-111 11 01;400;",
    "20;SE2321000180-FALU01;19521105-4621;Gunnar;Lind;NGB;NGB49;2026-08-03;;3;ja;2081;070-111 11 02;;"
    "Vill ha tid efter nyår",
    "20;SE2321000180-FALU01;19380721-1150;Maj;Sund;NGB;NGB49;2026-09-21;2026-12-20;2;nej;2080;070-111 11 03;200;",
    "20;SE2321000180-FALU01;19600214-3797;Per;Ek;NGB;NGB49;2026-10-12;;1;nej;2085;070-111 11 04;;",
]


def fil(*rader: str, bom: bool = False) -> bytes:
    text = "\n".join([RUBRIK, *rader]) + "\n"
    return (("\ufeff" if bom else "") + text).encode()


@pytest.fixture
def dalarna(db):
    return Region.objects.get(kod="20")


@pytest.fixture
def falu(db, dalarna):
    return VardenhetFactory(hsa_id=FALU, namn="Falu lasarett", region=dalarna)


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


def importera(region, data, **kw):
    return services.importera(region=region, data=data, idag=timezone.localdate(), **kw)[1]


def test_good_file_is_imported_and_identity_is_only_sealed(falu, dalarna):
    data = SAMPLE.read_bytes() if SAMPLE.exists() else fil(*RADER)
    antal = importera(dalarna, data)
    n = len(data.decode("utf-8-sig").strip().splitlines()) - 1
    assert antal["patienter"] == n and antal["listor_nya"] == 1
    lista = Vantelista.objects.get()
    assert (lista.vardenhet, lista.kva_id, lista.antal) == (falu, "NGB", n)
    patienter = list(VantelistaPatient.objects.order_by("rad"))
    assert [p.rad for p in patienter] == list(range(2, n + 2))
    assert patienter[2].bortre_tidsgrans.isoformat() == "2026-12-20" and patienter[1].narkos is True
    assert patienter[0].max_avstand_km == 400 and patienter[1].max_avstand_km is None
    # Nothing in clear: no personnummer, name or phone in any stored byte of the rows or the list.
    for p in patienter:
        for varde in (bytes(p.chiffertext), bytes(p.pnr_hash), p.kva_kod, p.kommun_kod):
            raw = varde if isinstance(varde, bytes) else varde.encode()
            assert b"194503122386" not in raw and b"Elsa" not in raw and b"070-111" not in raw
    ident = oppna_identiteter(patienter)
    assert ident[patienter[0].pk]["personnummer"] == "194503122386"
    assert ident[patienter[1].pk]["anteckning"] == "Vill ha tid efter nyår"
    assert ident[patienter[0].pk]["fornamn"] == "Elsa"


def test_bom_and_header_case_and_samordningsnummer(falu, dalarna):
    rubrik = RUBRIK.upper().replace(";", " ; ")
    # Samordningsnummer: the birth day + 60 (1945-03-12 → 72).
    from stdnum import luhn

    nio = "450372238"
    samordning = f"19{nio[:6]}-{nio[6:]}{luhn.calc_check_digit(nio)}"
    text = "\ufeff" + rubrik + "\n" + f"20;{FALU};{samordning};;;ngb;;2026-06-15;;;;;;;\n"
    antal = importera(dalarna, text.encode())
    assert antal["patienter"] == 1


def test_xlsx_is_read_the_same(falu, dalarna):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for rad in [RUBRIK, *RADER]:
        ws.append(rad.split(";"))
    buf = io.BytesIO()
    wb.save(buf)
    assert importera(dalarna, buf.getvalue())["patienter"] == 4


def fel_for(region, *rader) -> list[str]:
    with pytest.raises(FilAvvisad) as exc:
        importera(region, fil(*rader))
    assert not Vantelista.objects.exists() and not VantelistaPatient.objects.exists()
    return exc.value.texter


def test_every_kind_of_bad_row_is_reported_and_nothing_written(falu, dalarna):
    VardenhetFactory(hsa_id="SE2321000057-RYHOV1", region=Region.objects.get(kod="06"))
    framtid = (timezone.localdate() + timedelta(days=3)).isoformat()
    fel = fel_for(
        dalarna,
        f"06;{FALU};19450312-2386;;;NGB;;2026-06-15;;;;;;;",
        "20;SE2321000057-RYHOV1;19521105-4621;;;NGB;;2026-06-15;;;;;;;",
        "20;SE9999999999-OKAND;19380721-1150;;;NGB;;2026-06-15;;;;;;;",
        "20;inte-hsa;19600214-3797;;;NGB;;2026-06-15;;;;;;;",
        f"20;{FALU};19450312-2387;;;NGB;;2026-06-15;;;;;;;",
        f"20;{FALU};19521105-4621;;;XYZ;;2026-06-15;;;;;;;",
        f"20;{FALU};19380721-1150;;;NGB;CJE10;{framtid};;7;kanske;20800;;-5;",
        f"20;{FALU};19600214-3797;;;NGB;;2026-06-15;2026-01-01;;;;;;",
        f"20;{FALU};19600214-3797;;;NGB;;15/6 2026;;;;;;;",
    )
    text = "\n".join(fel)
    assert "rad 2, kolumn region_kod: raden gäller region ”06”, men listan laddas upp för region 20" in text
    assert (
        "rad 3, kolumn vardenhet_hsaid: vårdenheten ”SE2321000057-RYHOV1” hör till region 06, inte till region 20."
        in text
    )
    assert "rad 4, kolumn vardenhet_hsaid: vårdenheten ”SE9999999999-OKAND” finns inte i katalogen." in text
    assert "rad 5, kolumn vardenhet_hsaid: ”inte-hsa” är inget giltigt HSA-id" in text
    assert "rad 6, kolumn personnummer: Personnumrets kontrollsiffra stämmer inte." in text
    assert "rad 7, kolumn kva_grupp: ”XYZ” är ingen känd KVÅ-grupp." in text
    assert "rad 8, kolumn kva_kod: KVÅ-koden ”CJE10” hör inte till gruppen NGB." in text
    assert f"rad 8, kolumn beslutsdatum: beslutsdatum {framtid} ligger i framtiden." in text
    assert "rad 8, kolumn asa: ”7” ska vara ett heltal mellan 1 och 5." in text
    assert "rad 8, kolumn narkos: ”kanske” är inget tillåtet värde; använd ja, nej." in text
    assert "rad 8, kolumn kommun_kod: ”20800” är ingen kommunkod (fyra siffror)." in text
    assert "rad 8, kolumn max_avstand_km: ”-5” ska vara ett heltal mellan 0 och 3000." in text
    assert "rad 9, kolumn bortre_tidsgrans: bortre tidsgräns 2026-01-01 ligger före beslutsdatum." in text
    assert "rad 10, kolumn beslutsdatum: ”15/6 2026” är inte ett datum (ÅÅÅÅ-MM-DD)." in text
    assert "rad 10, kolumn personnummer: samma personnummer och KVÅ-grupp finns redan på rad 5." in text
    assert all("19450312" not in f for f in fel)  # a personnummer is never quoted back


def test_missing_column_and_required_values(falu, dalarna):
    with pytest.raises(FilAvvisad) as exc:
        importera(dalarna, b"region_kod;vardenhet_hsaid;personnummer;kva_grupp\n20;x;y;NGB\n")
    assert exc.value.texter == ["rad 1, kolumn beslutsdatum: obligatorisk kolumn saknas i rubrikraden."]
    fel = fel_for(dalarna, f"20;{FALU};;;;NGB;;;;;;;;;")
    assert "rad 2, kolumn personnummer: värde saknas." in fel
    assert "rad 2, kolumn beslutsdatum: värde saknas." in fel


def test_same_list_again_changes_nothing(falu, dalarna):
    importera(dalarna, fil(*RADER))
    fore = list(VantelistaPatient.objects.values_list("pk", "status", "nyckel"))
    antal = importera(dalarna, fil(*reversed(RADER), bom=True))
    assert antal == {"listor_nya": 0, "listor_ersatta": 0, "oforandrade": 1, "patienter": 0, "lamnat": 0}
    assert list(VantelistaPatient.objects.values_list("pk", "status", "nyckel")) == fore
    assert Vantelista.objects.count() == 1


def test_newer_list_replaces_and_leavers_are_shown(falu, dalarna):
    importera(dalarna, fil(*RADER))
    gammal = Vantelista.objects.get()
    ny_patient = "20;SE2321000180-FALU01;19701010-1234;Ny;Patient;NGB;;2026-10-01;;;;;;;"
    from vardformedling.personnummer import make_test_number

    ny_patient = ny_patient.replace("19701010-1234", make_test_number(1970, 10, 10, 123))
    antal = importera(dalarna, fil(RADER[0], RADER[1], RADER[3], ny_patient))
    assert antal["listor_ersatta"] == 1 and antal["lamnat"] == 1 and antal["patienter"] == 4
    gammal.refresh_from_db()
    ny = Vantelista.objects.aktuella().get()
    assert gammal.ersatt_av == ny
    lamnat = VantelistaPatient.objects.get(status=ListStatus.LAMNAT)
    assert oppna_identiteter([lamnat])[lamnat.pk]["fornamn"] == "Maj"
    assert lamnat.lamnat_datum == timezone.localdate()
    assert VantelistaPatient.objects.synliga().count() == 5  # four on the list, one who left
    # Maj comes back on a third list: she is on the list again, no longer shown as having left.
    importera(dalarna, fil(*RADER))
    assert VantelistaPatient.objects.synliga().filter(status=ListStatus.LAMNAT).count() == 1  # the new patient left
    assert VantelistaPatient.objects.synliga().filter(status=ListStatus.PA_LISTAN).count() == 4


def test_command(falu, capsys, tmp_path):
    path = tmp_path / "lista_19450312-2386.csv"
    path.write_bytes(fil(*RADER))
    call_command("import_vantelista", str(path), "--region", "20")
    out = capsys.readouterr().out
    assert "1 ny lista" in out and "4 patienter" in out and "19450312" not in out
    path.write_bytes(fil("06" + RADER[0][2:]))
    with pytest.raises(CommandError):
        call_command("import_vantelista", str(path), "--region", "20")
    err = capsys.readouterr().err
    assert "rad 2, kolumn region_kod" in err and "XXXXXXXX-XXXX" in err


def test_page_upload_preview_confirm(falu, koordinator, client):
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    url = reverse("arenden:vantelista")
    assert client.get(url).status_code == 200
    svar = client.post(url, {"fil": io.BytesIO(fil(*RADER))}, follow=False)
    assert svar.status_code == 302
    u = VantelistaUppladdning.objects.get()
    assert b"19450312" not in bytes(u.chiffertext) and b"Elsa" not in bytes(u.chiffertext)
    assert not Vantelista.objects.exists()
    sida = client.get(svar.url)
    assert "Nya listor" in sida.content.decode() and "Falu lasarett" in sida.content.decode()
    svar = client.post(reverse("arenden:vantelista_bekrafta", args=[u.token]), follow=True)
    assert "Väntelistan är inläst: 4 patienter" in svar.content.decode()
    assert not VantelistaUppladdning.objects.exists() and VantelistaPatient.objects.count() == 4
    html = client.get(url + "?tillstand=alla").content.decode()
    assert "Elsa Berg" in html and "19450312-****" in html and "19450312-2386" not in html
    assert Atkomstlogg.objects.filter(handling="väntelista", hsa_id=koordinator.hsa_id).exists()


def test_page_rejects_bad_file_with_422(falu, koordinator, client):
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    svar = client.post(reverse("arenden:vantelista"), {"fil": io.BytesIO(fil("06" + RADER[0][2:]))})
    assert svar.status_code == 422
    assert "rad 2, kolumn region_kod" in svar.content.decode()
    assert not VantelistaUppladdning.objects.exists()


def test_cancel_and_permissions(falu, koordinator, client):
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    svar = client.post(reverse("arenden:vantelista"), {"fil": io.BytesIO(fil(*RADER))})
    u = VantelistaUppladdning.objects.get()
    client.post(reverse("arenden:vantelista_bekrafta", args=[u.token]), {"avbryt": "1"})
    assert not VantelistaUppladdning.objects.exists() and not Vantelista.objects.exists()
    lots = make_user(Roll.VARDLOTS, "20")
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    assert client.get(reverse("arenden:vantelista")).status_code == 403
    assert svar.status_code == 302


def test_a_list_patient_has_the_cases_keyed_hash_so_an_open_case_is_found_by_hash(falu, dalarna, koordinator, client):
    """Issue 17 point 4: the list row's hash is the region's keyed hash the cases store (identitet.pnr_hash), not a
    hash of its own; another region's hash of the same number differs."""

    importera(dalarna, fil(*RADER))
    elsa = VantelistaPatient.objects.get(rad=2)
    assert bytes(elsa.pnr_hash).hex() == identitet.pnr_hash("20", "194503122386")
    assert bytes(elsa.pnr_hash).hex() != identitet.pnr_hash("06", "194503122386")

    lots = make_user(Roll.VARDLOTS, "20")
    arende = arende_services.arende_registrera(
        anvandare=lots, uppdrag=Medarbetaruppdrag.objects.get(user=lots), personnummer="19450312-2386",
        kva=KvaGrupp.objects.get(kod="NGB"), beslutsdatum=timezone.localdate() - timedelta(days=30),
    )  # fmt: skip
    hashar = {bytes(h).hex() for h in VantelistaPatient.objects.values_list("pnr_hash", flat=True)}
    assert set(Arende.objects.oppna().filter(pnr_hash__in=hashar).values_list("pk", flat=True)) == {arende.pk}
    # The at-risk page shows Elsa's open case on her row (no box to create another) and logs the match.
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    sida = client.get(reverse("arenden:vantelista"), secure=True).content.decode()
    assert arende.case_id in sida
    assert f'name="patient" value="{elsa.pk}"' not in sida
    assert Atkomstlogg.objects.filter(case_id=arende.case_id, handling="dubblettkontroll").exists()


def test_the_migration_rekeys_stored_list_hashes_to_the_cases(falu, dalarna):

    importera(dalarna, fil(*RADER))
    VantelistaPatient.objects.update(pnr_hash=b"\0" * 32)  # as before: a hash under a derived key
    assert omhasha(Vantelista, VantelistaPatient) == 4
    assert bytes(VantelistaPatient.objects.get(rad=5).pnr_hash).hex() == identitet.pnr_hash("20", "19600214-3797")


def test_a_checked_file_is_written_only_under_a_commission_for_its_region(falu, koordinator, client):
    """Finding (authorised attack on today's surfaces): the checked file was found by user and token alone, so a
    coordinator who had switched to region 06 – or whose region 20 commission had been withdrawn – confirmed region
    20's waiting list into region 20."""
    k20 = Medarbetaruppdrag.objects.get(user=koordinator)
    k06 = Medarbetaruppdrag.objects.create(user=koordinator, roll=Roll.KOORDINATOR, region=Region.objects.get(kod="06"))
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    client.post(reverse("byt_uppdrag"), {"uppdrag": k20.pk})
    svar = client.post(reverse("arenden:vantelista"), {"fil": io.BytesIO(fil(*RADER))})
    assert svar.status_code == 302
    u = VantelistaUppladdning.objects.get()
    client.post(reverse("byt_uppdrag"), {"uppdrag": k06.pk})
    for anrop in (
        lambda: client.get(reverse("arenden:vantelista_forhandsvisning", args=[u.token]), follow=True),
        lambda: client.post(reverse("arenden:vantelista_bekrafta", args=[u.token]), follow=True),
        lambda: client.post(reverse("arenden:vantelista_bekrafta", args=[u.token]), {"avbryt": "1"}, follow=True),
    ):
        svar = anrop()
        assert "Ladda upp listan igen" in svar.content.decode() or "avbruten" in svar.content.decode()
    assert not Vantelista.objects.exists() and not VantelistaPatient.objects.exists()
    assert VantelistaUppladdning.objects.filter(pk=u.pk).exists()  # not cancelled from another region either
    k20.delete()  # the region 20 commission withdrawn: the file is lost to this user
    svar = client.post(reverse("arenden:vantelista_bekrafta", args=[u.token]), follow=True)
    assert "Ladda upp listan igen" in svar.content.decode()
    assert not Vantelista.objects.exists()
