"""Every URL that answers a page or, to htmx, a fragment does it through vardformedling.htmx with the same headers:
`Vary` on the htmx headers it looks at, and a fragment that no cache keeps (else "back" shows the bare fragment)."""

import re
from pathlib import Path

import pytest

from vardformedling.models import Roll

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.django_db

# (role, URL, HX-Target the page answers its fragment to (None: any htmx request), text only the full page has)
SIDOR = [
    (Roll.VARDLOTS, "/katalog/sok/?q=CJE", None, "<h1>Hitta vårdgivare</h1>"),
    (Roll.VARDLOTS, "/katalog/kapacitet/", None, "<h1"),
    (Roll.VARDLOTS, "/avtal/", None, "<h1"),
    (Roll.VARDLOTS, "/lagesbild/?kva=CJE", "resultat", "<h1"),
    (Roll.KOORDINATOR, "/uppfoljning/", "uppfoljning-resultat", "<h1"),
    (Roll.VARDLOTS, "/arenden/", None, "<h1"),
]


@pytest.mark.parametrize(("roll", "url", "target", "bara_sidan"), SIDOR, ids=[s[1] for s in SIDOR])
def test_page_and_fragment_share_one_rule_for_vary_and_cache(client_for, roll, url, target, bara_sidan):
    client = client_for(roll)
    sida = client.get(url)
    assert sida.status_code == 200
    assert bara_sidan in sida.content.decode() and "<html" in sida.content.decode()
    vary = {v.strip() for v in sida["Vary"].split(",")}
    assert "HX-Request" in vary and (target is None or "HX-Target" in vary)
    assert "Cookie" in vary  # the session's own Vary is kept, not overwritten

    headers = {"HTTP_HX_REQUEST": "true", **({"HTTP_HX_TARGET": target} if target else {})}
    fragment = client.get(url, **headers)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode() and bara_sidan not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "no-store" in fragment["Cache-Control"]

    if target:  # an htmx request aimed elsewhere (e.g. hx-boost) gets the page
        annan = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="annat")
        assert "<html" in annan.content.decode()
    boosted = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true", HTTP_HX_TARGET="body")
    assert "<html" in boosted.content.decode()  # a boosted link or form navigates: it gets the page


# Setting Vary or choosing "page.html#partial" on request.htmx by hand, anywhere but the helper.
EGEN_REGEL = re.compile(r"vary_on_headers|patch_vary_headers|\[\"Vary\"\]|\.html#\w+\"? if request\.htmx")


def test_no_view_sets_vary_or_picks_the_fragment_by_hand():
    hittade = []
    for paket in ("vardformedling", "katalog", "avtal", "lagesbild", "arenden", "sok", "uppfoljning"):
        for f in (ROOT / paket).rglob("*.py"):
            # The helper itself, and the session middleware's "Vary: Cookie" (Django's session rule, kept when an
            # unchanged session is not saved; not a page-or-fragment choice).
            if f.relative_to(ROOT).as_posix() in ("vardformedling/htmx.py", "vardformedling/middleware.py"):
                continue
            hittade += [f"{f.relative_to(ROOT)}:{m.group(0)}" for m in EGEN_REGEL.finditer(f.read_text("utf-8"))]
    assert hittade == []
