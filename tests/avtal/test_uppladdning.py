"""Upload page: preview correctness, confirm applies, idempotent re-upload, large files in Celery, import_avtal."""

import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning, Uppladdningsstatus
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import csv_bytes, rad, xlsx_bytes
from vardformedling.models import Roll


def ladda_upp(c, innehall: bytes, namn="avtal.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post("/avtal/uppladdning/", {"fil": SimpleUploadedFile(namn, innehall)}, follow=True)


@pytest.fixture
def admin(client_for, katalog):
    return client_for(Roll.ADMINISTRATOR)


def test_preview_lists_new_changed_unchanged_and_missing_and_writes_nothing(admin):
    importera_direkt(
        filnamn="start.csv",
        innehall=csv_bytes(
            [rad(avtal_id="A"), rad(avtal_id="B"), rad(avtal_id="C"), rad(avtal_id="Z", avtalsagare_region_kod="01")]
        ),
    )
    fil = csv_bytes(
        [
            rad(avtal_id="A"),  # unchanged
            rad(avtal_id="B", pris_kr="13000", giltig_till="2031-12-31"),  # changed
            rad(avtal_id="N"),  # new; C is missing (Z belongs to another owner and is not listed)
        ]
    )
    resp = ladda_upp(admin, fil)
    html = resp.content.decode()
    u = AvtalsUppladdning.objects.latest("skapad")
    assert u.status == Uppladdningsstatus.GRANSKNING
    assert (u.antal_nya, u.antal_andrade, u.antal_oforandrade, u.antal_saknade) == (1, 1, 1, 1)
    f = u.forhandsvisning
    assert [n["avtal_id"] for n in f["nya"]] == ["N"]
    assert [s["avtal_id"] for s in f["saknade"]] == ["C"]
    andringar = {c["falt"]: (c["fran"], c["till"]) for c in f["andrade"][0]["andringar"]}
    assert andringar["Giltigt till"][1] == "2031-12-31"
    assert andringar["CJE pris (kr)"] == ("12\u00a0500,50\u00a0kr", "13\u00a0000\u00a0kr")
    assert "Förhandsgranskning – inget är sparat ännu" in html and "Bekräfta och tillämpa" in html
    assert not Avtal.objects.filter(avtal_id="N").exists()

    resp = admin.post(f"/avtal/uppladdning/{u.pk}/bekrafta/", follow=True)
    assert "är tillämpad" in resp.content.decode()
    assert Avtal.objects.filter(avtal_id="N").exists()
    assert str(Avtalsrad.objects.get(avtal__avtal_id="B").pris_kr) == "13000.00"
    assert Avtal.objects.filter(avtal_id="C").exists()  # missing agreements are left alone
    # Confirming twice does nothing more.
    resp = admin.post(f"/avtal/uppladdning/{u.pk}/bekrafta/", follow=True)
    assert "kan inte tillämpas" in resp.content.decode()


def test_same_file_twice_changes_nothing(admin):
    fil = xlsx_bytes([rad(), rad(kva_grupp="CJC")])
    ladda_upp(admin, fil, "a.xlsx")
    u = AvtalsUppladdning.objects.latest("skapad")
    admin.post(f"/avtal/uppladdning/{u.pk}/bekrafta/")
    andrad = Avtal.objects.get().andrad
    ladda_upp(admin, fil, "a.xlsx")
    u2 = AvtalsUppladdning.objects.latest("skapad")
    assert (u2.antal_nya, u2.antal_andrade, u2.antal_oforandrade) == (0, 0, 1)
    admin.post(f"/avtal/uppladdning/{u2.pk}/bekrafta/")
    assert Avtal.objects.get().andrad == andrad
    assert u.sha256 == AvtalsUppladdning.objects.get(pk=u2.pk).sha256


def test_bad_file_shows_every_error_and_the_form_again(admin):
    html = ladda_upp(admin, csv_bytes([rad(giltig_fran="32/13"), rad(avtal_id="B", avtalstyp="x")])).content.decode()
    assert "Filen avvisades – ingenting har ändrats" in html
    assert "rad 2, kolumn giltig_fran" in html and "rad 3, kolumn avtalstyp" in html
    assert "Ladda upp en rättad fil" in html
    assert Avtal.objects.count() == 0


def test_missing_file_gets_a_message(admin):
    resp = admin.post("/avtal/uppladdning/", {})
    assert resp.status_code == 422 and "Välj en CSV- eller XLSX-fil" in resp.content.decode()


def test_progress_fragment_polls_while_running_and_stops_when_done(admin):
    u = AvtalsUppladdning.objects.create(
        filnamn="x.csv", sha256="0" * 64, status=Uppladdningsstatus.MOTTAGEN, progress=40
    )
    html = admin.get(f"/avtal/uppladdning/{u.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="40"' in html and "<html" not in html
    u.status = Uppladdningsstatus.AVVISAD
    u.save()
    html = admin.get(f"/avtal/uppladdning/{u.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html


@pytest.mark.django_db(transaction=True)
def test_large_file_is_validated_and_applied_by_a_celery_worker(celery_worker, client_for, katalog, settings):
    rader = [rad(avtal_id=f"A{i:04d}") for i in range(2100)]
    c = client_for(Roll.ADMINISTRATOR)
    resp = ladda_upp(c, csv_bytes(rader))
    u = AvtalsUppladdning.objects.latest("skapad")
    assert u.antal_rader == 2100
    for _ in range(120):  # the page polls; here we poll the record
        u.refresh_from_db()
        if u.status != Uppladdningsstatus.MOTTAGEN:
            break
        time.sleep(0.5)
    assert u.status == Uppladdningsstatus.GRANSKNING, u.fel
    assert resp.status_code == 200
    c.post(f"/avtal/uppladdning/{u.pk}/bekrafta/")
    for _ in range(120):
        u.refresh_from_db()
        if u.status == Uppladdningsstatus.TILLAMPAD:
            break
        time.sleep(0.5)
    assert u.status == Uppladdningsstatus.TILLAMPAD
    assert Avtal.objects.count() == 2100


def test_import_avtal_command(katalog, tmp_path, capsys):
    ok = tmp_path / "ok.csv"
    ok.write_bytes(csv_bytes([rad()]))
    call_command("import_avtal", str(ok))
    assert Avtal.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([rad(avtal_id="B", giltig_till="nej")]))
    with pytest.raises(CommandError, match="avvisad"):
        call_command("import_avtal", str(bad))
    assert "rad 2, kolumn giltig_till" in capsys.readouterr().err
    assert Avtal.objects.count() == 1


def test_import_avtal_never_shows_or_logs_a_personnummer_from_the_file_name(katalog, request, tmp_path):
    from tests.kommandon import kor

    bra, dalig = csv_bytes([rad()]), csv_bytes([rad(avtal_id="B", giltig_till="nej")])
    k = kor(request, "import_avtal", "avtal", bra=bra, dalig=dalig)
    assert "avtal_XXXXXXXX-XXXX.csv: 1 nytt" in k.out
    assert "avtal_XXXXXXXX-XXXX.csv: rad 2, kolumn giltig_till" in k.err
    assert k.fel == [
        "avtal_XXXXXXXX-XXXX.csv: avvisad, ingenting ändrades (1 fel).",
        f"{tmp_path}/XXXXXXXX-XXXX/avtal.csv: filen finns inte.",
        "avtal_XXXXXXXX-XXXX.csv: filen kunde inte läsas (PermissionError).",
    ]
    assert k.lackor(*AvtalsUppladdning.objects.values_list("filnamn", flat=True)) == []


def test_a_cancelled_upload_shows_as_cancelled_and_changes_nothing(admin):
    """#14.7: "Avbryt" was a link back to the list, and the upload stayed "Väntar på bekräftelse" for ever."""
    ladda_upp(admin, csv_bytes([rad(avtal_id="A")]))
    u = AvtalsUppladdning.objects.get()
    assert f'action="/avtal/uppladdning/{u.pk}/avbryt/"' in admin.get(f"/avtal/uppladdning/{u.pk}/").content.decode()

    lista = admin.post(f"/avtal/uppladdning/{u.pk}/avbryt/", follow=True).content.decode()
    assert "är avbruten; ingenting har ändrats" in lista
    rad_i_listan = lista[lista.index(f"/avtal/uppladdning/{u.pk}/") :].split("</tr>")[0]
    assert "Avbruten" in rad_i_listan and "Väntar på bekräftelse" not in rad_i_listan
    u.refresh_from_db()
    assert (u.status, bytes(u.innehall)) == (Uppladdningsstatus.AVBRUTEN, b"")
    assert "Uppladdningen avbröts innan den bekräftades" in admin.get(f"/avtal/uppladdning/{u.pk}/").content.decode()
    confirm = admin.post(f"/avtal/uppladdning/{u.pk}/bekrafta/", follow=True).content.decode()
    assert "Uppladdningen kan inte tillämpas: den är avbruten." in confirm
    assert not Avtal.objects.exists()


def test_the_shared_sample_agreement_file_is_accepted(client_for, db):
    """#14.8: shared/samples/avtal_20261120.csv (terms differ per line) must be accepted on the demo catalogue."""
    from pathlib import Path

    import katalog.demo

    katalog.demo.load()
    sample = Path(__file__).resolve().parents[1] / "robustness" / "samples" / "avtal_20261120.csv"
    u = importera_direkt(filnamn=sample.name, innehall=sample.read_bytes())
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    a = Avtal.objects.get(avtal_id="RS-2025-0412")
    assert dict(a.rader.values_list("kva_id", "villkor")) == {"CJE": "ASA 1-3, ej narkos", "CJC": "ASA 1-3"}
    page = client_for(Roll.VARDLOTS).get("/avtal/RS-2025-0412/").content.decode()
    assert "<td>ASA 1-3, ej narkos</td>" in page and "<td>ASA 1-3</td>" in page
