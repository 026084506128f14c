"""Random files at the three upload pages (catalogue, agreements, register files): random names (empty, huge,
paths, odd characters), content types and bytes (malformed CSV/XLSX of each format, random bytes, too big), and no
file at all. Never a 500; a rejection says why in Swedish; a rejected file writes nothing but its own log row.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import example, given
from hypothesis import strategies as st

from avtal.demo import demo_csv
from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning, Uppladdningsstatus, Volymreservation
from katalog.models import KatalogImport, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde, VantetidManad
from tests.robustness.strategies import SAMPLES, malformed_csv, malformed_xlsx
from tests.robustness.web import HYP, NASTY, SONDER, VALUES, assert_handled, counts, page_messages
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

MAX_BYTES = 4000  # the upload limit in these tests, so "too big" is cheap to reach

NAMN = st.one_of(
    st.sampled_from(
        [
            "",
            ".csv",
            "x",
            "a" * 300 + ".csv",
            "ö" * 250 + ".xlsx",
            "../../etc/passwd.csv",
            "C:\\temp\\fil.csv",
            "fil.csv.exe",
            "fil.CSV",
            "fil.xlsx",
            "fil .csv",
            "%00.csv",
            "\x00.csv",
            "<script>.csv",
            "..",
        ]
    ),
    st.text(max_size=60),
).map(lambda n: n.replace("\r", "").replace("\n", "").replace('"', ""))  # as a browser escapes them
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "text/csv",
            "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/html; charset=utf-16",
            "",
        ]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz/;=-", max_size=30),
)


def _innehall(sample: str, giltigt: bytes | None = None) -> st.SearchStrategy:
    return st.one_of(
        st.just(giltigt or (SAMPLES / sample).read_bytes()),
        malformed_csv(sample),
        malformed_xlsx(sample),
        st.sampled_from([b"x" * (MAX_BYTES + 1), b"", b"\x00" * 10]),
    )


@st.composite
def uppladdning(draw, sample: str, goda_namn: list[str], giltigt: bytes | None = None) -> dict:
    """Form data: a file (or none, or a field that is not a file) with a random name, content type and content."""
    kind = draw(st.sampled_from(["fil", "fil", "fil", "fil", "ingen", "text"]))
    if kind == "ingen":
        return {}
    if kind == "text":
        return {"fil": draw(st.text(max_size=20))}
    namn = draw(st.one_of(st.sampled_from(goda_namn), st.sampled_from(goda_namn), NAMN))
    return {"fil": fil(namn, draw(_innehall(sample, giltigt)), draw(CONTENT_TYPES))}


def fil(namn: str, innehall: bytes, content_type: str = "") -> SimpleUploadedFile:
    """An upload named exactly `namn`: Django refuses names like ".." for its own files, a browser sends them."""
    f = SimpleUploadedFile("fil", innehall, content_type=content_type or None)
    f._name = namn
    return f


@pytest.fixture
def admin(client_for, settings):
    settings.UPLOAD_MAX_BYTES = MAX_BYTES
    return client_for(Roll.ADMINISTRATOR)


@pytest.fixture
def katalog_demo(db):
    import katalog.demo

    katalog.demo.load()


# --- Katalog ----------------------------------------------------------------------------------------------------

KATALOG_TABLES = (Vardgivare, Vardenhet, Vardutbud, KvaGrupp)


@HYP
@given(data=uppladdning("katalog_20261120.csv", ["katalog.csv", "katalog.xlsx"]))
@example(data={})
@example(data={"fil": fil("katalog.csv", b"x" * (MAX_BYTES + 1))})
@example(data={"fil": fil("a" * 400 + ".csv", (SAMPLES / "katalog_20261120.csv").read_bytes())})
def test_catalogue_upload_with_random_files_never_fails_and_a_rejection_writes_nothing(admin, data):
    with transaction.atomic():
        before = counts(*KATALOG_TABLES)
        importer = KatalogImport.objects.count()
        response = admin.post("/katalog/import/", data)
        assert_handled(response, ok=(200, 302, 422))
        nya = list(KatalogImport.objects.order_by("-pk")[: KatalogImport.objects.count() - importer])
        assert counts(*KATALOG_TABLES) == before, "nothing is written before the preview is confirmed"
        if response.status_code == 422:
            assert all(i.status == KatalogImport.Status.AVVISAD for i in nya), "only the rejection itself is logged"
        elif response.status_code == 200:
            assert [i.status for i in nya] == [KatalogImport.Status.REDAN_INLAST]
        else:
            assert [i.status for i in nya] == [KatalogImport.Status.GRANSKNING]
            assert_handled(admin.get(response["Location"]), ok=(200,))
            bekraftat = admin.post(f"/katalog/import/{nya[0].pk}/bekrafta/")
            meddelanden = assert_handled(bekraftat, ok=(302, 422))
            if bekraftat.status_code == 422:
                assert meddelanden, "a refused confirmation must say why"
                assert counts(*KATALOG_TABLES) == before, "a refused confirmation changed the catalogue"
        transaction.set_rollback(True)


# --- Avtal --------------------------------------------------------------------------------------------------------

AVTAL_TABLES = (Avtal, Avtalsrad, Volymreservation)


def test_agreement_upload_with_random_files_never_fails_and_writes_nothing_before_confirmation(katalog_demo, admin):
    demo = demo_csv()  # valid against the demo catalogue, so a preview and its confirmation are reached too

    @HYP
    @given(data=uppladdning("avtal_20261120.csv", ["avtal.csv", "avtal.xlsx"], demo))
    @example(data={})
    @example(data={"fil": fil("avtal.csv", b"x" * (MAX_BYTES + 1))})
    @example(data={"fil": fil("a" * 400 + ".csv", demo)})
    def post(data):
        with transaction.atomic():
            before = counts(*AVTAL_TABLES)
            uppladdningar = AvtalsUppladdning.objects.count()
            response = admin.post("/avtal/uppladdning/", data)
            assert_handled(response, ok=(302, 422))
            assert counts(*AVTAL_TABLES) == before, "nothing is written before the preview is confirmed"
            if response.status_code == 422:
                assert AvtalsUppladdning.objects.count() == uppladdningar
            else:
                u = AvtalsUppladdning.objects.latest("pk")
                assert AvtalsUppladdning.objects.count() == uppladdningar + 1
                page = admin.get(response["Location"])
                assert_handled(page, ok=(200,))
                if u.status == Uppladdningsstatus.AVVISAD:
                    assert u.fel and page_messages(page.content), "a rejected agreement file must say why"
                bekraftat = admin.post(f"/avtal/uppladdning/{u.pk}/bekrafta/")
                meddelanden = assert_handled(bekraftat, ok=(302,))
                u.refresh_from_db()
                seen.add(u.status)
                if u.status != Uppladdningsstatus.TILLAMPAD:
                    assert meddelanden, "a refused confirmation must say why"
                    assert counts(*AVTAL_TABLES) == before, "a refused confirmation changed the agreements"
            transaction.set_rollback(True)

    seen: set[str] = set()
    post()
    assert {Uppladdningsstatus.TILLAMPAD, Uppladdningsstatus.AVVISAD} <= seen, seen


@HYP
@given(data=st.dictionaries(st.sampled_from(["x", "inaktivera", "fil"]), st.text(max_size=10), max_size=2))
def test_cancelling_an_upload_with_random_fields_never_fails_and_cancels_once(admin, data):
    with transaction.atomic():
        imp = KatalogImport.objects.create(filnamn="k.csv", sha256="0" * 64, status=KatalogImport.Status.GRANSKNING)
        u = AvtalsUppladdning.objects.create(filnamn="a.csv", sha256="0" * 64, status=Uppladdningsstatus.GRANSKNING)
        for url in (f"/katalog/import/{imp.pk}/avbryt/", f"/avtal/uppladdning/{u.pk}/avbryt/"):
            assert_handled(admin.post(url, data), ok=(302,))
            assert assert_handled(admin.post(url, data, follow=True), ok=(200,)), "a second cancel must say why"
        imp.refresh_from_db()
        u.refresh_from_db()
        assert (imp.status, u.status) == (KatalogImport.Status.AVBRUTEN, Uppladdningsstatus.AVBRUTEN)
        transaction.set_rollback(True)


# --- Lägesbild -------------------------------------------------------------------------------------------------------

FIGUR_TABLES = (Leverans, Matvarde, VantetidManad, Vardenhet, KvaGrupp)
REGISTERFILER = ["spor_vantetider_20261120.csv", "ncr_katarakt_20261120.csv", "vantetider_202401.csv"]


@HYP
@given(data=st.sampled_from(REGISTERFILER).flatmap(lambda n: uppladdning(n, [n, n.upper()])))
@example(data={})
@example(data={"fil": fil("spor_vantetider_20261120.csv", b"x" * (MAX_BYTES + 1))})
@example(data={"fil": fil("a" * 400 + "_spor_vantetider_20261120.csv", b"manad;typ\n")})
def test_register_upload_with_random_files_never_fails_and_a_rejection_writes_no_figures(admin, settings, data):
    from lagesbild.inkorg import mappar

    with transaction.atomic():
        before = counts(*FIGUR_TABLES)
        korningar = ImportRun.objects.count()
        response = admin.post("/lagesbild/importer/ladda-upp/", data)
        meddelanden = assert_handled(response, ok=(302, 422))
        nya = list(ImportRun.objects.order_by("-pk")[: ImportRun.objects.count() - korningar])
        if response.status_code == 422 or any(r.status == ImportStatus.AVVISAD for r in nya):
            assert counts(*FIGUR_TABLES) == before, "a rejected register file wrote figures"
        if any(r.status == ImportStatus.AVVISAD for r in nya):
            assert meddelanden, "a rejected register file must say why"
        folders = mappar()
        assert not any(folders["inbox"].iterdir()) and not any(folders["processing"].iterdir()), "file left behind"
        transaction.set_rollback(True)


@HYP
@given(data=st.dictionaries(st.sampled_from(["x", "filer", "uppgift"]), st.text(max_size=10), max_size=2))
def test_running_the_inbox_with_random_fields_never_fails(admin, data):
    assert_handled(admin.post("/lagesbild/importer/kor/", data), ok=(302,))
    assert_handled(admin.post("/lagesbild/importer/kor/", data, HTTP_HX_REQUEST="true"), ok=(200,))


@pytest.mark.parametrize("url", ["/katalog/import/", "/avtal/uppladdning/", "/lagesbild/importer/ladda-upp/"])
def test_every_upload_field_takes_path_like_and_very_long_values_as_text_and_as_file_names(admin, url):
    # The upload forms' one field, `fil`, posted as text (no file) and as a file whose name is path-like or long.
    for varde in SONDER:
        for data in ({"fil": varde}, {"fil": SimpleUploadedFile(varde[-200:] + ".csv", b"a;b\n1;2\n")}):
            for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
                assert_handled(admin.post(url, data, **htmx))


# --- Reported volume (avtal) -------------------------------------------------------------------------------------


@st.composite
def volymfil(draw, giltig: dict) -> bytes:
    """A volume file: valid lines with some cells changed, odd headers, separators and line ends; or random bytes,
    a broken workbook, an empty file, one too big."""
    from avtal.volym import FILKOLUMNER

    kind = draw(st.sampled_from(["csv", "csv", "csv", "other"]))
    if kind == "other":
        return draw(
            st.one_of(
                malformed_xlsx("avtal_20261120.csv"), st.sampled_from([b"x" * (MAX_BYTES + 1), b"", b"\x00" * 10])
            )
        )
    kolumner = draw(st.sampled_from([FILKOLUMNER, FILKOLUMNER[:-1], [*FILKOLUMNER, "extra"], FILKOLUMNER[::-1]]))
    rader = []
    for _ in range(draw(st.integers(0, 4))):
        rad = dict(giltig)
        for k in draw(st.lists(st.sampled_from(FILKOLUMNER), max_size=3)):
            rad[k] = draw(st.one_of(st.sampled_from(NASTY), st.text(max_size=20)))
        rader.append(rad)
    sep = draw(st.sampled_from([";", ";", ","]))
    rubriker = {k: k for k in kolumner}
    text = "\n".join(sep.join(str(r.get(k, "")) for k in kolumner) for r in [rubriker, *rader])
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"])), errors="replace")


def test_volume_upload_with_random_files_never_fails_and_writes_only_on_confirm(avtalsrad, client_for, settings):
    from datetime import date

    from avtal.models import RapporteradVolym

    settings.UPLOAD_MAX_BYTES = MAX_BYTES
    koordinator = client_for(Roll.KOORDINATOR, "20")  # the agreement's owner
    giltig = {"avtal_id": avtalsrad.avtal.avtal_id, "avtalsagare_region_kod": "20", "kva_grupp": "CJE",
              "region_kod": "20", "manad": date.today().isoformat()[:7], "antal": "1", "kommentar": ""}  # fmt: skip
    seen: set[int] = set()

    @HYP
    @given(data=st.one_of(st.builds(lambda n, b: {"fil": fil(n, b)}, NAMN, volymfil(giltig)), st.just({})))
    @example(data={"fil": fil("volym.csv", (";".join(giltig) + "\n" + ";".join(giltig.values()) + "\n").encode())})
    @example(data={"fil": "a/b"})
    def post(data):
        with transaction.atomic():
            before = counts(RapporteradVolym)
            response = koordinator.post("/avtal/volym/uppladdning/", data)
            assert_handled(response, ok=(200, 422))
            assert counts(RapporteradVolym) == before, "nothing is written before the file is confirmed"
            seen.add(response.status_code)
            if response.status_code == 200 and response.context["token"]:
                bekraftat = koordinator.post("/avtal/volym/uppladdning/bekrafta/", {"token": response.context["token"]})
                assert_handled(bekraftat, ok=(302, 422))
                seen.add(bekraftat.status_code)
            transaction.set_rollback(True)

    post()
    assert {200, 302, 422} <= seen, seen


@HYP
@given(data=st.dictionaries(st.sampled_from(["token", "fil", "x"]), VALUES, max_size=2))
@example(data={"token": "x" * 100_000})
def test_confirming_a_volume_file_with_random_fields_is_refused_in_swedish(client_for, data):
    from avtal.models import RapporteradVolym

    response = client_for(Roll.KOORDINATOR, "20").post("/avtal/volym/uppladdning/bekrafta/", data)
    assert "finns inte längre" in " ".join(assert_handled(response, ok=(422,)))
    assert not RapporteradVolym.objects.exists()
