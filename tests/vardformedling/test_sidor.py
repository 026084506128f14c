"""The page links under every paginated list are one include (templates/vardformedling/_sidor.html): the same
markup, the query kept, page numbers as counts. Browser behaviour: tests/vardformedling/test_browser_genomgang.py."""

from pathlib import Path

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def test_the_page_links_are_one_markup_whose_numbers_are_counts(rf):
    """One include for every list: a long list reads "Sida 1 av 1 200" (no-break space), plain links without a
    target, the query kept."""
    request = rf.get("/avtal/", {"typ": "upphandlat", "sida": "1"})
    sida = Paginator(range(30_000), 25).get_page(1)
    html = render_to_string("vardformedling/_sidor.html", {"sida": sida}, request=request)
    assert "Sida 1 av 1\u00a0200" in html
    assert 'href="?typ=upphandlat&amp;sida=2"' in html and "hx-get" not in html
    med_mal = render_to_string("vardformedling/_sidor.html", {"sida": sida, "mal": "lista"}, request=request)
    assert 'hx-target="#lista"' in med_mal
    ensam = Paginator(range(10), 25).get_page(1)
    assert render_to_string("vardformedling/_sidor.html", {"sida": ensam}, request=request).strip() == ""


def test_both_lists_include_the_one_page_links():
    mallar = Path(__file__).resolve().parents[2] / "templates"
    for mall in ("arenden/lista.html", "avtal/lista.html", "arenden/logg.html", "katalog/kapacitet.html"):
        text = (mallar / mall).read_text()
        assert '{% include "vardformedling/_sidor.html"' in text, mall
        assert "Föregående" not in text, mall  # no copy of the links left
