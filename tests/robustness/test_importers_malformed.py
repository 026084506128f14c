"""Malformed CSV/XLSX at every importer: no exception, accepted or rejected in Swedish, a rejection writes nothing.

Row counts of the tables an importer writes are compared before/after each example; the import's own log row
(KatalogImport, AvtalsUppladdning, ImportRun) is expected and not counted.
"""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from avtal.models import Avtal, Avtalsrad, Uppladdningsstatus, Volymreservation
from katalog.models import KatalogImport, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from lagesbild.models import ImportStatus, Leverans, Matvarde, VantetidManad
from tests.robustness.strategies import _zip, english_in, malformed_csv, malformed_xlsx

pytestmark = pytest.mark.django_db

HYP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a CI failure can be reproduced
)


def counts(*models) -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def katalog_demo(db):
    import katalog.demo

    katalog.demo.load()


# --- Katalog --------------------------------------------------------------------------------------------------

KATALOG_TABLES = (Vardgivare, Vardenhet, Vardutbud, KvaGrupp)


def _katalog(data: bytes, filnamn: str) -> tuple[object, dict, dict]:
    from katalog.importer import import_katalog

    before = counts(*KATALOG_TABLES)
    res = import_katalog(data=data, filnamn=filnamn)
    return res, before, counts(*KATALOG_TABLES)


def _check_katalog(res, before, after):
    assert res.status in {KatalogImport.Status.KLAR, KatalogImport.Status.AVVISAD, KatalogImport.Status.REDAN_INLAST}
    assert res.meddelande
    if res.status == KatalogImport.Status.AVVISAD:
        assert res.fel, "a rejected file must say why"
        assert before == after, "a rejected catalogue file changed the database"


@HYP
@given(data=st.one_of(malformed_csv("katalog_20261120.csv"), malformed_xlsx("katalog_20261120.csv")))
def test_katalog_importer_never_crashes_and_a_rejected_file_writes_nothing(data):
    _check_katalog(*_katalog(data, "katalog.csv"))


@HYP
@given(data=malformed_xlsx("katalog_20261120.csv"))
def test_katalog_importer_handles_anything_named_xlsx(data):
    _check_katalog(*_katalog(data, "katalog.xlsx"))


@HYP
@given(data=st.one_of(malformed_csv("katalog_20261120.csv"), malformed_xlsx("katalog_20261120.csv")))
@example(data=b"")  # was "Filen kunde inte läsas: No columns to parse from file"
def test_katalog_rejection_messages_are_swedish(data):
    res, _, _ = _katalog(data, "katalog.xlsx" if data[:2] == b"PK" else "katalog.csv")
    assert not english_in(res.fel), res.fel


FAKE_WORKBOOK = _zip({"xl/workbook.xml": b"", "[Content_Types].xml": b"<x/>"})

# --- Avtal ----------------------------------------------------------------------------------------------------

AVTAL_TABLES = (Avtal, Avtalsrad, Volymreservation)


def _avtal(data: bytes):
    from avtal.uppladdning import importera_direkt

    before = counts(*AVTAL_TABLES)
    u = importera_direkt(filnamn="avtal.csv", innehall=data)
    return u, before, counts(*AVTAL_TABLES)


@HYP
@given(data=st.one_of(malformed_csv("avtal_20261120.csv"), malformed_xlsx("avtal_20261120.csv")))
def test_avtal_importer_never_crashes_and_a_rejected_file_writes_nothing(katalog_demo, data):
    u, before, after = _avtal(data)
    assert u.status in {Uppladdningsstatus.AVVISAD, Uppladdningsstatus.TILLAMPAD, Uppladdningsstatus.MISSLYCKAD}
    if u.status != Uppladdningsstatus.TILLAMPAD:
        assert u.fel, "a rejected agreement file must say why"
        assert before == after, "a rejected agreement file changed the database"


@HYP
@given(data=st.one_of(malformed_csv("avtal_20261120.csv"), malformed_xlsx("avtal_20261120.csv")))
@example(data=FAKE_WORKBOOK)  # "Filen kunde inte läsas som XLSX: File contains no valid workbook part"
def test_avtal_rejection_messages_are_swedish(katalog_demo, data):
    u, _, _ = _avtal(data)
    assert not english_in(u.fel), u.fel


# --- Lägesbild: SPOR, NCR, Väntetidsdatabasen ----------------------------------------------------------------

LAGESBILD_TABLES = (Leverans, Matvarde, VantetidManad, Vardenhet, KvaGrupp)
LAGESBILD_SAMPLES = ["spor_vantetider_20261120.csv", "ncr_katarakt_20261120.csv", "vantetider_202401.csv"]


def _lagesbild(tmp_path, data: bytes, name: str = "leverans.csv"):
    from lagesbild.importers import importera_fil

    path = tmp_path / name
    path.write_bytes(data)
    before = counts(*LAGESBILD_TABLES)
    res = importera_fil(path, startad_av="hypothesis")
    return res, before, counts(*LAGESBILD_TABLES)


def _lagesbild_files():
    return st.sampled_from(LAGESBILD_SAMPLES).flatmap(lambda n: st.one_of(malformed_csv(n), malformed_xlsx(n)))


@HYP
@given(data=_lagesbild_files())
def test_register_importers_never_crash_and_a_rejected_file_writes_nothing(tmp_path, data):
    res, before, after = _lagesbild(tmp_path, data)
    run = res.run
    assert run.status in {ImportStatus.KLAR, ImportStatus.AVVISAD, ImportStatus.REDAN_INLAST}, (
        f"status {run.status}: {run.meddelande}"
    )
    assert run.meddelande or run.status == ImportStatus.KLAR
    if run.status == ImportStatus.AVVISAD:
        assert res.fel_text, "a rejected register file must say why"
        assert before == after, "a rejected register file changed the database"


@HYP
@given(data=_lagesbild_files())
@example(data=b'manad;typ\n"x\n')  # "… CSV (Error tokenizing data. C error: EOF inside string …)"
def test_register_rejection_messages_are_swedish(tmp_path, data):
    res, _, _ = _lagesbild(tmp_path, data)
    assert not english_in([res.run.meddelande, *res.fel_text]), (res.run.meddelande, res.fel_text)
