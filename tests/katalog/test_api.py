"""katalog.api.hitta_kva, the portal's one KVÅ resolver (Hitta vårdgivare and the lägesbild both use it)."""

import pytest

from katalog.api import hitta_kva


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "grupp", "kandidater"),
    [
        ("CJE", "CJE", []),  # an exact code wins
        ("cje", "CJE", []),  # in any case
        ("  CJE  ", "CJE", []),
        ("CJE Extrakapsulära kataraktoperationer", "CJE", []),  # the code as first word, as a datalist option reads
        ("kataraktoperation", "CJE", []),  # one group's name contains it
        ("katarakt", None, ["CJC", "CJD", "CJE"]),  # a care area: the candidates, in code order
        ("CJ", None, ["CJC", "CJD", "CJE", "CJF"]),  # a code prefix
        ("finns inte", None, []),
        ("", None, []),
    ],
)
def test_free_text_or_code_resolves_to_a_group_or_candidates(text, grupp, kandidater):
    kva, andra = hitta_kva(text)
    assert (kva.kod if kva else None) == grupp
    assert [k.kod for k in andra] == kandidater


@pytest.mark.django_db
def test_search_and_lagesbild_resolve_the_first_word_code_alike(client_for):
    from vardformedling.models import Roll

    c = client_for(Roll.VARDLOTS, "20")
    sok = c.get("/katalog/sok/", {"q": "CJE Extrakapsulära kataraktoperationer"}).content.decode()
    assert "Förslag för CJE Extrakapsulära kataraktoperationer med fakoemulsifikation" in sok
    tabell = c.get("/lagesbild/", {"kva": "CJE Extrakapsulära kataraktoperationer"})
    assert tabell.context["val"].kva.kod == "CJE"
