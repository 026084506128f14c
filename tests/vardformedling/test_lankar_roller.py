"""Issue #14 points 11, 22 and 24 on the demo: no demo identity is shown a link that answers it 403, the receiving
unit's start page shows only its steps, the administrator's start page links to its uploads, the help page explains
the terms the pages use (and they link to it), and empty lists say what to do."""

import re
from collections import deque
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from tests.vardformedling.demosidor import ADAM, MONA, SIDOR

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)[^"]*"')
# Not pages: signing out, the downloads (their pages are read), the letters' print views are pages and are kept.
HOPPA_OVER = re.compile(r"^/(logout|static/|favicon)|[?&](format|export)=")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        call_command("flush", "--noinput", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _monster(path: str) -> str:
    """One page per kind: case IDs, HSA-ids, numbers and query values do not make a new kind."""
    delar = urlsplit(path)
    p = re.sub(r"VF-[\d-]+", "ID", delar.path)
    p = re.sub(r"SE\d{10}-\w+", "HSA", p)
    p = re.sub(r"\d+", "N", p)
    nycklar = sorted({k.split("=")[0] for k in delar.query.split("&") if k})
    return p + "?" + "&".join(nycklar)


def _vandra(identitet: str, max_sidor: int = 90) -> tuple[list[tuple[str, str, int]], int]:
    """Follows every link of the identity's pages (one page per kind); returns (from, link, status) of the
    links that were refused, and how many pages were read."""
    client = Client()
    client.post("/login/", {"hsa_id": identitet})
    ko = deque(("", u) for u in SIDOR[identitet] if not HOPPA_OVER.search(u))
    sedda = {_monster(u) for _, u in ko}
    nekade, lasta = [], 0
    while ko and lasta < max_sidor:
        fran, url = ko.popleft()
        resp = client.get(url)
        lasta += 1
        if resp.status_code == 403:
            nekade.append((fran, url, resp.status_code))
            continue
        if resp.status_code != 200 or "html" not in resp.get("Content-Type", ""):
            continue
        for href in HREF.findall(resp.content.decode()):
            href = unescape(href)
            if href.startswith("?"):
                href = urlsplit(url).path + href
            if not href.startswith("/") or HOPPA_OVER.search(href):
                continue
            if (m := _monster(href)) not in sedda:
                sedda.add(m)
                ko.append((url, href))
    return nekade, lasta


@pytest.mark.parametrize("identitet", list(SIDOR))
def test_no_demo_identity_is_shown_a_link_that_refuses_it(demo, identitet, db):
    nekade, lasta = _vandra(identitet)
    assert lasta >= len([u for u in SIDOR[identitet] if not HOPPA_OVER.search(u)])
    assert nekade == [], "\n".join(f"{fran} → {url}: {status}" for fran, url, status in nekade)


def _sida(identitet: str, url: str) -> str:
    client = Client()
    client.post("/login/", {"hsa_id": identitet})
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.content.decode()


def test_the_receiving_unit_sees_only_its_steps_and_no_search_links(demo, db):
    start = _sida(MONA, "/")
    steg = re.findall(r"<h3>(\d)\. ", start)
    assert steg == ["3", "4", "5"]
    assert "Ärenden att förmedla" not in start and "Remisser att bekräfta" in start
    for url in ("/lagesbild/?kva=CJE&period=90&niva=enhet", "/lagesbild/enheter/SE5560000001-OGON02/"):
        html = _sida(MONA, url)
        assert "/katalog/sok/" not in html and "Hitta vårdgivare" not in html, url


def test_the_administrators_start_page_links_to_the_uploads_and_imports(demo, db):
    start = _sida(ADAM, "/")
    for href in ("/avtal/uppladdning/", "/katalog/import/", "/lagesbild/importer/"):
        assert f'href="{href}"' in start


def _nadda(identitet: str, max_sidor: int = 60) -> set[str]:
    """The paths reached by following links from the start page alone (one page per kind)."""
    client = Client()
    client.post("/login/", {"hsa_id": identitet})
    ko, sedda, lasta = deque(["/"]), {_monster("/")}, 0
    nadda = set()
    while ko and lasta < max_sidor:
        url = ko.popleft()
        resp = client.get(url)
        lasta += 1
        nadda.add(urlsplit(url).path)
        if resp.status_code != 200 or "html" not in resp.get("Content-Type", ""):
            continue
        for href in HREF.findall(resp.content.decode()):
            href = unescape(href)
            if href.startswith("/") and not HOPPA_OVER.search(href) and (m := _monster(href)) not in sedda:
                sedda.add(m)
                ko.append(href)
    return nadda


@pytest.mark.parametrize(
    ("identitet", "sidor"),
    [
        ("SE2321000057-KO01", ["/arenden/vantelista/", "/leveransplaner/", "/arenden/patientmallar/"]),
        (ADAM, ["/leveransplaner/"]),
        (MONA, ["/arenden/inkorg/", "/leveransplaner/"]),
    ],
)
def test_todays_new_pages_are_reached_by_links_from_the_start_page(demo, db, identitet, sidor):
    """The waiting lists were reached by typing the address: no page linked to /arenden/vantelista/."""
    nadda = _nadda(identitet)
    assert [s for s in sidor if s not in nadda] == []
    start = _sida(identitet, "/")
    assert all(f'href="{s}"' in start for s in sidor if s != "/arenden/inkorg/")


def test_the_help_page_explains_each_term_and_the_pages_link_to_it(demo, db):
    hjalp = _sida(ADAM, "/hjalp/")
    for ankare in ("kva", "asa", "vardgaranti", "planerat-datum", "vikter"):
        assert f'id="{ankare}"' in hjalp
    assert "klarar inte vårdgarantin" in hjalp
    assert 'href="/hjalp/#vikter"' in _sida("SE2321000180-VL01", "/katalog/sok/?kva=CJE")
    assert 'href="/hjalp/#kva"' in _sida("SE2321000180-VL01", "/lagesbild/")
    assert 'href="/hjalp/#asa"' in _sida("SE2321000180-VL01", "/arenden/nytt/")
    assert 'href="/hjalp/"' in _sida(MONA, "/")  # from every page's footer


@pytest.mark.parametrize(
    ("identitet", "url", "gor"),
    [
        ("SE2321000180-VL01", "/arenden/?q=VF-2026-20-999999-0&status=alla", "Ändra eller ta bort ett filter"),
        ("SE2321000057-KO01", "/arenden/logg/?fran=2001-01-01&till=2001-01-02", "Välj ett annat datumintervall"),
        ("SE2321000180-VL01", "/katalog/kapacitet/?kva=ZZZ9", "Ändra eller ta bort ett filter"),
    ],
)
def test_an_empty_list_says_what_to_do(demo, db, identitet, url, gor):
    assert gor in _sida(identitet, url)
