"""#22 finding 5: one upload guard for every importer. A 300 kB XLSX whose sharedStrings part inflates to 300 MB
(it took one process from 217 MB to 2.5 GB in 6.6 s at /katalog/import/) is refused by the catalogue, agreement and
register-file upload pages and by the commands, fast and without inflating it."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avtal.models import AvtalsUppladdning
from avtal.uppladdning import importera_direkt
from katalog.importer import import_katalog
from katalog.models import KatalogImport, Vardenhet
from lagesbild.models import ImportRun
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real workbook's parts with a 300 MB shared-strings part, deflated to a few hundred kB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "xl/workbook.xml", "<workbook><sheets><sheet name='a' sheetId='1' r:id='rId1'/></sheets></workbook>"
        )
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b"<sst><si><t>")
            chunk = b"A" * MB
            for _ in range(300):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    data = buf.getvalue()
    assert len(data) < 1 * MB
    return data


def _bounded(fn):
    """Run fn; assert it is fast and allocates little (nothing of the 300 MB is inflated)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 20 * MB, f"peak {peak / MB:.0f} MB"
    return result


def test_the_guard_refuses_the_bomb_before_inflating(bomb):
    with pytest.raises(FilAvvisad) as exc:
        _bounded(lambda: vakt.kontrollera(bomb))
    assert "packas upp till orimligt mycket data (300 MB uppackat" in exc.value.fel[0].meddelande


def test_the_catalogue_importer_refuses_the_bomb(bomb):
    res = _bounded(lambda: import_katalog(data=bomb, filnamn="katalog.xlsx"))
    assert not res.ok and "orimligt mycket data" in res.fel[0]
    assert not Vardenhet.objects.exists()


def test_the_catalogue_upload_page_refuses_the_bomb(bomb, client_for):
    admin = client_for(Roll.ADMINISTRATOR)
    fil = SimpleUploadedFile("katalog.xlsx", bomb)
    response = _bounded(lambda: admin.post("/katalog/import/", {"fil": fil}))
    assert response.status_code == 422
    assert "orimligt mycket data" in response.content.decode()
    assert KatalogImport.objects.get().status == "avvisad"


def test_the_agreement_upload_page_and_command_refuse_the_bomb(bomb, client_for):
    admin = client_for(Roll.ADMINISTRATOR)
    response = _bounded(lambda: admin.post("/avtal/uppladdning/", {"fil": SimpleUploadedFile("avtal.xlsx", bomb)}))
    assert "orimligt mycket data" in admin.get(response.url).content.decode()
    u = _bounded(lambda: importera_direkt(filnamn="avtal.xlsx", innehall=bomb))
    assert u.status == "avvisad" and "orimligt mycket data" in u.fel[0]
    assert AvtalsUppladdning.objects.filter(status="avvisad").count() == 2


def test_the_register_upload_page_refuses_a_workbook(bomb, client_for, settings):
    admin = client_for(Roll.ADMINISTRATOR)
    fil = SimpleUploadedFile("spor_vantetider_20261120.csv", bomb)
    response = _bounded(lambda: admin.post("/lagesbild/importer/ladda-upp/", {"fil": fil}))
    assert response.status_code == 422
    assert "inte CSV" in response.content.decode()
    assert not ImportRun.objects.exists() and not any(settings.LAGESBILD_INBOX.iterdir())
