"""Catalogue upload page: check → preview (new, changed field by field, unchanged, to be deactivated) → confirm."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from katalog.importer import import_katalog
from katalog.models import KatalogImport, Vardenhet
from tests.katalog.test_importer import ROW_A, ROW_B, csv_bytes
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "robustness" / "samples" / "katalog_20261120.csv"  # = shared/samples


def upload(client, data: bytes, name="katalog.csv"):
    return client.post("/katalog/import/", {"fil": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_an_upload_is_previewed_and_applied_only_when_confirmed(client_for):
    admin = client_for(Roll.ADMINISTRATOR)
    response = upload(admin, csv_bytes(ROW_A, ROW_B))
    imp = KatalogImport.objects.get()
    assert response.status_code == 302 and response.url == f"/katalog/import/{imp.pk}/"
    assert imp.status == KatalogImport.Status.GRANSKNING
    assert not Vardenhet.objects.exists()  # nothing written before confirmation

    body = admin.get(response.url).content.decode()
    assert "Förhandsgranskning – inget är sparat ännu" in body
    assert "Nya vårdenheter (2)" in body and "Ögonkliniken Falun" in body
    assert imp.importerad_av.uppdrag.get().roll == Roll.ADMINISTRATOR

    done = admin.post(f"/katalog/import/{imp.pk}/bekrafta/", follow=True)
    assert "Katalogutdraget katalog.csv är inläst." in done.content.decode()
    assert Vardenhet.objects.count() == 2
    imp.refresh_from_db()
    assert (imp.status, imp.antal_nya, bytes(imp.innehall)) == ("klar", 2, b"")
    again = upload(admin, csv_bytes(ROW_A, ROW_B)).content.decode()
    assert "redan inläst" in again


def test_the_preview_shows_changes_field_by_field_and_units_to_be_deactivated(client_for):
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    admin = client_for(Roll.ADMINISTRATOR)
    andrad = ROW_A.replace("023-49 00 00", "023-49 11 11")
    response = upload(admin, csv_bytes(andrad), name="k2.csv")
    body = admin.get(response.url).content.decode()
    assert "<td>Telefon</td><td>023-49 00 00</td><td>023-49 11 11</td>" in body
    assert "Inaktiveras – saknas i filen (1)" in body and "SE5560000001-OGON02" in body
    assert "1</strong> av 2 aktiva vårdenheter saknas i filen" in body


def test_the_shared_sample_on_the_demo_cannot_deactivate_almost_every_unit_without_confirmation(client_for):
    """#14.4 repro: the 2-row sample deactivated 50 of the 52 demo units at once."""
    import katalog.demo

    katalog.demo.load()
    aktiva = Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count()
    admin = client_for(Roll.ADMINISTRATOR)
    response = upload(admin, SAMPLE.read_bytes(), name=SAMPLE.name)
    imp = KatalogImport.objects.get(filnamn=SAMPLE.name)
    saknas = len(imp.forhandsvisning["saknade"])
    assert saknas == aktiva - 2 and imp.forhandsvisning["kraver_bekraftelse"]
    body = admin.get(response.url).content.decode()
    assert f"Ja, inaktivera {saknas} av {aktiva} aktiva vårdenheter" in body

    refused = admin.post(f"/katalog/import/{imp.pk}/bekrafta/")
    assert refused.status_code == 422
    assert f"Filen skulle inaktivera {saknas} av {aktiva} aktiva vårdenheter" in refused.content.decode()
    assert Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count() == aktiva
    wrong_number = admin.post(f"/katalog/import/{imp.pk}/bekrafta/", {"inaktivera": "3"})
    assert wrong_number.status_code == 422

    confirmed = admin.post(f"/katalog/import/{imp.pk}/bekrafta/", {"inaktivera": str(saknas)})
    assert confirmed.status_code == 302
    assert Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count() == 2


def test_a_small_share_is_deactivated_without_extra_confirmation(client_for, settings):
    settings.KATALOG_MAX_INAKTIVERING_ANDEL = 0.5
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    admin = client_for(Roll.ADMINISTRATOR)
    response = upload(admin, csv_bytes(ROW_A), name="k2.csv")
    assert "Ja, inaktivera" not in admin.get(response.url).content.decode()
    imp = KatalogImport.objects.get(filnamn="k2.csv")
    assert admin.post(f"/katalog/import/{imp.pk}/bekrafta/").status_code == 302
    assert not Vardenhet.objects.get(hsa_id="SE5560000001-OGON02").aktiv


def test_a_cancelled_upload_changes_nothing_and_shows_as_cancelled(client_for):
    admin = client_for(Roll.ADMINISTRATOR)
    response = upload(admin, csv_bytes(ROW_A, ROW_B))
    imp = KatalogImport.objects.get()
    page = admin.post(f"/katalog/import/{imp.pk}/avbryt/", follow=True).content.decode()
    assert "är avbruten; ingenting har ändrats" in page and "Avbruten" in page
    imp.refresh_from_db()
    assert (imp.status, bytes(imp.innehall)) == ("avbruten", b"")
    assert admin.post(f"/katalog/import/{imp.pk}/bekrafta/").status_code == 422
    assert not Vardenhet.objects.exists()
    assert "Avbruten" in admin.get(response.url).content.decode()


def test_a_bad_file_lists_every_error_and_changes_nothing(client_for):
    bad = ROW_A.replace(";3;ja", ";7;ja")
    response = upload(client_for(Roll.ADMINISTRATOR), csv_bytes(ROW_B, bad, ROW_A.replace(";ja;", ";kanske;")))
    body = response.content.decode()
    assert response.status_code == 422
    assert "rad 3, kolumn tar_emot_asa: ”7” ska vara en ASA-klass 1–4." in body
    assert not Vardenhet.objects.exists()
    assert KatalogImport.objects.get().status == "avvisad"


def test_a_file_over_the_limit_is_refused(client_for, settings):
    settings.UPLOAD_MAX_BYTES = 50
    response = upload(client_for(Roll.ADMINISTRATOR), csv_bytes(ROW_A))
    assert response.status_code == 422 and "för stor" in response.content.decode()
    assert not KatalogImport.objects.exists()


@pytest.mark.parametrize("roll", [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.MOTTAGARE])
def test_only_administrators_may_upload(client_for, roll):
    client = client_for(roll)
    assert client.get("/katalog/import/").status_code == 403
    assert upload(client, csv_bytes(ROW_A)).status_code == 403
    imp = KatalogImport.objects.create(filnamn="k.csv", sha256="0" * 64, status=KatalogImport.Status.GRANSKNING)
    assert client.get(f"/katalog/import/{imp.pk}/").status_code == 403
    assert client.post(f"/katalog/import/{imp.pk}/bekrafta/").status_code == 403
    assert client.post(f"/katalog/import/{imp.pk}/avbryt/").status_code == 403
