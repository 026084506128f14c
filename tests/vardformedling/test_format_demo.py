"""Issue #14 points 13–14 on the demo: every page and export of every demo identity reads numbers, money,
percentages and dates one way (vardformedling/format.py) and shows no raw code."""

import re

import pytest
from django.core.management import call_command

from tests.vardformedling.demosidor import PATIENTER, SIDOR, patientsidor, sidor

NBSP = "\u00a0"
KR = re.compile(r"\d[\d\u00a0 .,]*\d\s*kr\b|\d\s*kr\b")
RATT_KR = re.compile(r"\d{1,3}(\u00a0\d{3})*(,\d{2})?\u00a0kr")
PROCENT = re.compile(r"[\d,.\u00a0 ]*\d\s*%")
RATT_PROCENT = re.compile(r"\d{1,3}(\u00a0\d{3})*(,\d)?\u00a0%")
# An English decimal point ("12.5"), but not an IP address, a version or a time of day ("kl. 02.30").
# (not a diagnosis code such as H25.9 either)
PUNKT_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\d.])")
ENGELSKA_DATUM = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(a\.m\.|p\.m\.|midnight|noon)\b"
)
# Stored codes that must be shown by their labels: a text node (table cell, list item) that is exactly one of them,
# or any snake_case word in running text (command names the pages quote on purpose excepted).
RAKODER = {
    "fast",
    "per_atgard",
    "per_vardtillfalle",
    "startsida",
    "arbetslista",
    "visa ärende",
    "ny anteckning",
    "erbjudandebrev",
    "nytt erbjudande",
    "hemregion",
    "mottagare",
    "patient",
    "telefon",
    "besok",
    "lamnat",
    "accepterat",
    "avbojt",
    "aterkallat",
    "behov",
    "hitta_vardgivare",
    "formedla",
    "ramavtal",
    "for_langt_bort",
}
SNAKE = re.compile(r"(?<![\w./-])[a-zåäö]+(?:_[a-zåäö]+)+(?![\w./-])")
AVSIKTLIGA = {"import_avtal", "import_katalog", "import_lagesbild"}
# The delivery-plan upload page quotes its file's header line exactly, as the format names the columns.
AVSIKTLIGA |= {"vardgivare_hsaid", "vardenhet_hsaid", "kva_grupp", "region_kod"}


def _textnoder(text: str) -> list[str]:
    """What a reader sees: the text between tags (attributes, scripts and URLs left out), or a file's cells."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return [t for t in re.split(r"<[^>]+>|;|\n", text) if t.strip()]


def fel_i(text: str, xlsx: bool = False) -> list[str]:
    fel = []
    if xlsx:  # numbers are numbers there (checked with their number format below); only text cells are read here
        text = re.sub(r"[\d.]+\[[^\]]*\]", "", text)
    for nod in _textnoder(text):
        for m in KR.finditer(nod):
            if not RATT_KR.fullmatch(m.group(0)):
                fel.append(f"belopp {m.group(0)!r} i {nod.strip()[:80]!r}")
        for m in PROCENT.finditer(nod):
            if not RATT_PROCENT.fullmatch(m.group(0).strip()):
                fel.append(f"procent {m.group(0).strip()!r} i {nod.strip()[:80]!r}")
        if not xlsx and not re.search(r"\d+\.\d+\.\d+|kl\. \d", nod):
            for m in PUNKT_DECIMAL.finditer(nod):
                fel.append(f"decimalpunkt {m.group(0)!r} i {nod.strip()[:80]!r}")
        if m := ENGELSKA_DATUM.search(nod):
            fel.append(f"datum {m.group(0)!r} i {nod.strip()[:80]!r}")
    return fel


def test_the_checker_catches_each_wrong_format():
    for fel in ("11800,00", "12900.00 kr", "13500,00 kr", "12900 kr", "67%", "67 %", "12.5 dagar", "Dec. 7, 2026"):
        assert fel_i(f"<td>{fel if 'kr' in fel or '%' in fel or '.' in fel else fel + ' kr'}</td>"), fel
    for ratt in (f"12{NBSP}900{NBSP}kr", f"67{NBSP}%", f"21,9{NBSP}%", "2026-12-07", "7 december 2026", "127.0.0.1"):
        assert fel_i(f"<td>{ratt}</td>") == [], ratt


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        call_command("flush", "--noinput", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("identitet", list(SIDOR) + [f"patient:{p}" for p in PATIENTER])
def test_every_page_and_export_of_the_demo_reads_numbers_one_way_and_shows_no_raw_code(demo, identitet, db):
    problem, antal = [], 0
    patient = identitet.removeprefix("patient:") if identitet.startswith("patient:") else ""
    for url, status, typ, text in patientsidor(patient) if patient else sidor(identitet):
        assert status == 200, (url, status)
        antal += 1
        problem += [f"{url}: {f}" for f in fel_i(text, xlsx="spreadsheetml" in typ)]
        if "html" in typ:
            for nod in _textnoder(text):
                if nod.strip() in RAKODER:
                    problem.append(f"{url}: rå kod {nod.strip()!r}")
                problem += [f"{url}: rå kod {k!r}" for k in SNAKE.findall(nod) if k not in AVSIKTLIGA]
    assert antal >= (3 if patient else len(SIDOR[identitet]))
    assert problem == [], "\n".join(problem)


def test_xlsx_exports_keep_numbers_as_numbers_with_their_unit(demo, db):
    celler = []
    for url, _status, typ, text in sidor("SE2321000057-KO01"):
        if "spreadsheetml" in typ and "uppfoljning" in url:
            celler += re.findall(r"[\d.]+\[([^\]]*)\]", text)
    assert celler, "inga tal i uppföljningens XLSX"
    assert "General" not in celler
    assert any("%" in c for c in celler) and any("kr" in c for c in celler)
