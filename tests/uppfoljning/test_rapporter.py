"""Monthly reports per region: the beat task writes CSV and XLSX files; the page lists the region's own reports."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.conf import settings

from tests.uppfoljning.conftest import PATIENTNAMN
from uppfoljning import reports
from uppfoljning.tasks import skapa_manadsrapporter
from vardformedling.celery import app
from vardformedling.models import Roll

URL = "/uppfoljning/"


def _manad(d: date) -> str:
    return f"{d:%Y-%m}"


def _sektioner(text: str) -> dict[str, dict[str, str]]:
    """CSV report → {table title: {first cell: second cell}}."""
    ut: dict[str, dict[str, str]] = {}
    rubrik = None
    for rad in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"):
        if not rad:
            rubrik = None
            continue
        if rubrik is None:
            rubrik = rad[0]
            ut[rubrik] = {}
            continue
        ut[rubrik][rad[0]] = rad[1] if len(rad) > 1 else ""
    return ut


def test_the_beat_schedule_names_the_task_the_worker_autodiscovers():
    namn = settings.CELERY_BEAT_SCHEDULE["uppfoljning-manadsrapport"]["task"]
    assert namn == skapa_manadsrapporter.name == "uppfoljning.tasks.skapa_manadsrapporter"
    # Autodiscovery imports `<app>.tasks` of every installed app: the task's module is one of those.
    assert namn.rsplit(".", 1)[0] == "uppfoljning.tasks" and "uppfoljning" in settings.INSTALLED_APPS
    assert namn in app.tasks


def test_task_writes_csv_and_xlsx_for_every_region_for_the_month(kanda):
    manad = _manad(kanda.s)
    namn = skapa_manadsrapporter.delay(manad=manad).get()
    assert len(namn) == 2 * 21
    csv_fil = settings.RAPPORT_DIR / "06" / f"uppfoljning_06_{manad}.csv"
    xlsx_fil = settings.RAPPORT_DIR / "06" / f"uppfoljning_06_{manad}.xlsx"
    assert csv_fil.is_file() and xlsx_fil.is_file()
    text = csv_fil.read_text(encoding="utf-8")
    assert PATIENTNAMN not in text
    s = _sektioner(text)
    samma_manad = (kanda.s.year, kanda.s.month) == (kanda.idag.year, kanda.idag.month)
    assert s["Nyckeltal"]["Registrerade ärenden"] == ("47" if samma_manad else "45")
    assert s["Nyckeltal"]["Lämnade erbjudanden"] == "59"
    assert s["Nyckeltal"]["Acceptansgrad"] == "66\u00a0%"
    assert s["Avböjda erbjudanden per orsak"]["Datumet passar inte"] == "<5"
    wb = openpyxl.load_workbook(xlsx_fil)
    assert {"Nyckeltal", "Per källa", "Svarstid och svarskanal"} <= set(wb.sheetnames) and len(wb.sheetnames) == 11
    # Region 20's cases were registered this month: its report for the pilot month has none (unless the same month).
    s20 = _sektioner((settings.RAPPORT_DIR / "20" / f"uppfoljning_20_{manad}.csv").read_text(encoding="utf-8"))
    assert s20["Nyckeltal"]["Registrerade ärenden"] == ("<5" if samma_manad else "0")


def test_default_month_is_the_previous_one():
    assert reports.foregaende_manad(date(2026, 1, 1)) == "2025-12"
    assert reports.foregaende_manad(date(2026, 3, 31)) == "2026-02"


def test_bad_month_is_refused_with_a_swedish_message():
    with pytest.raises(ValueError, match="ÅÅÅÅ-MM"):
        reports.skapa_manadsrapporter(manad="2026-13", regioner=["06"])
    with pytest.raises(ValueError, match="ÅÅÅÅ-MM"):
        reports.skapa_manadsrapporter(manad="../06", regioner=["06"])


def test_page_lists_the_own_regions_reports_and_serves_them(kanda, client_for):
    reports.skapa_manadsrapporter(manad="2026-09", regioner=["06", "20"])
    c = client_for(Roll.KOORDINATOR, "06")
    html = c.get(URL).content.decode()
    assert "/uppfoljning/rapporter/uppfoljning_06_2026-09.csv" in html
    assert "/uppfoljning/rapporter/uppfoljning_06_2026-09.xlsx" in html
    assert "uppfoljning_20_2026-09" not in html
    resp = c.get("/uppfoljning/rapporter/uppfoljning_06_2026-09.csv")
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment")
    assert b"Nyckeltal" in b"".join(resp.streaming_content)


@pytest.mark.parametrize(
    "filnamn",
    [
        "uppfoljning_20_2026-09.csv",  # another region's report
        "..%2F20%2Fuppfoljning_20_2026-09.csv",
        "uppfoljning_06_2026-09.csv.bak",
        "uppfoljning_06_2026-10.csv",  # does not exist
    ],
)
def test_reports_of_other_regions_or_odd_names_are_404(kanda, client_for, filnamn):
    reports.skapa_manadsrapporter(manad="2026-09", regioner=["06", "20"])
    assert client_for(Roll.KOORDINATOR, "06").get(f"/uppfoljning/rapporter/{filnamn}").status_code == 404


def test_administrators_have_no_region_reports(client_for):
    reports.skapa_manadsrapporter(manad="2026-09", regioner=["06"])
    c = client_for(Roll.ADMINISTRATOR)
    assert "skapas per region" in c.get(URL).content.decode()
    assert c.get("/uppfoljning/rapporter/uppfoljning_06_2026-09.csv").status_code == 404


def test_a_real_worker_knows_the_beat_task_by_its_name(celery_worker, settings):
    """The worker finds the task by autodiscovery alone (no import side effect elsewhere)."""
    namn = settings.CELERY_BEAT_SCHEDULE["uppfoljning-manadsrapport"]["task"]
    resultat = celery_worker.send_task(namn, kwargs={"manad": "2026-08"})
    namn = resultat.get(timeout=120)
    assert "uppfoljning_06_2026-08.csv" in namn
    assert (settings.RAPPORT_DIR / "06" / "uppfoljning_06_2026-08.xlsx").is_file()
