import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from katalog.models import KatalogImport, Vardenhet
from tests.katalog.test_importer import ROW_A, ROW_B, csv_bytes
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="katalog.csv"):
    return client.post("/katalog/import/", {"fil": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_an_administrator_uploads_a_good_file_and_sees_the_counts(client_for):
    admin = client_for(Roll.ADMINISTRATOR)
    response = upload(admin, csv_bytes(ROW_A, ROW_B))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Katalogen är inläst: 2 nya, 0 ändrade, 0 oförändrade, 0 inaktiverade." in body
    assert Vardenhet.objects.count() == 2
    assert KatalogImport.objects.get().importerad_av.uppdrag.get().roll == Roll.ADMINISTRATOR
    again = upload(admin, csv_bytes(ROW_A, ROW_B)).content.decode()
    assert "redan inläst" in again


def test_a_bad_file_lists_every_error_and_changes_nothing(client_for):
    bad = ROW_A.replace(";3;ja", ";7;ja")
    response = upload(client_for(Roll.ADMINISTRATOR), csv_bytes(ROW_B, bad))
    body = response.content.decode()
    assert response.status_code == 400
    assert "rad 3, kolumn tar_emot_asa: &quot;7&quot; ska vara en ASA-klass 1–4." in body
    assert not Vardenhet.objects.exists()


def test_a_file_over_the_limit_is_refused(client_for, settings):
    settings.UPLOAD_MAX_BYTES = 50
    response = upload(client_for(Roll.ADMINISTRATOR), csv_bytes(ROW_A))
    assert response.status_code == 400 and "för stor" in response.content.decode()
    assert not KatalogImport.objects.exists()


@pytest.mark.parametrize("roll", [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.MOTTAGARE])
def test_only_administrators_may_upload(client_for, roll):
    client = client_for(roll)
    assert client.get("/katalog/import/").status_code == 403
    assert upload(client, csv_bytes(ROW_A)).status_code == 403
