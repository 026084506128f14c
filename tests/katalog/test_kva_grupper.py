"""fixtures/kva_grupper.csv: the register's KVÅ groups with source, names, care areas and everyday words; groups
arriving in files unnamed are accepted and flagged; the one resolver finds groups by their everyday words."""

import re

import pytest

from katalog.api import hitta_kva, kva_utan_namn
from katalog.models import KvaGrupp
from vardformedling.models import Roll
from vardformedling.reference import FIXTURES, read_csv

# The starting subset (../shared/reference/kva_grupper.csv), named as Socialstyrelsen's KVÅ 2021 names the groups:
# demo data, tests and samples use these codes, care areas and registers.
FORSTA_17 = {
    "CJE": ("Extrakapsulära kataraktoperationer med fakoemulsifikation", "Katarakt", "NCR"),
    "CJC": ("Intrakapsulära kataraktextraktioner", "Katarakt", "NCR"),
    "CJD": ("Extrakapsulära kataraktextraktioner", "Katarakt", "NCR"),
    "NGB": ("Primära ledprotesoperationer i knäleder", "Knäprotes", "SPOR"),
    "NFB": ("Primära ledprotesoperationer i höftleder", "Höftprotes", "SPOR"),
    "JAB": ("Operationer för ljumskbråck", "Ljumskbråck", "SPOR"),
    "JKA": ("Operationer på gallblåsan", "Gallsten", "SPOR"),
    "UJF": ("Enteroskopier och koloskopier", "Koloskopi", "SPOR"),
    "KED": ("Resektion och andra avflödesbefrämjande ingrepp vid prostatism", "Urologi", "SPOR"),
    "KEC": ("Radikal prostatektomi", "Prostatacancer", "SPOR"),
    "HAC": ("Mastektomier", "Bröstcancer", "SPOR"),
    "HAB": ("Resektioner av bröstkörtlar", "Bröstcancer", "SPOR"),
    "JFB": ("Resektion av tunntarm och kolon", "Kolorektalcancer", "SPOR"),
    "JGB": ("Resektion och exstirpation av rektum", "Kolorektalcancer", "SPOR"),
    "LCD": ("Operationer med avlägsnande av uterus", "Gynekologi", "SPOR"),
    "EMB": ("Resektioner och exstirpationer av tonsiller och adenoider", "Öron-näsa-hals", "SPOR"),
    "ABC": ("Dekompressiva operationer på ryggmärgen och nervrötter", "Ryggkirurgi", "SPOR"),
}
# The chapters of Swedish KVÅ's surgical part (KKÅ): the Nordic chapter P (peripheral vessels) is V in Sweden, and
# there are no chapters I, O, R, S or W.
KVA_KAPITEL = set("ABCDEFGHJKLMNQTUVXYZ")


def test_fixture_names_its_source_and_version():
    huvud = [r for r in (FIXTURES / "kva_grupper.csv").read_text(encoding="utf-8").splitlines() if r.startswith("#")]
    text = " ".join(huvud)
    assert "Socialstyrelsen" in text and re.search(r"KVÅ\) 20\d\d", text), text
    assert "Inte ordagrant verifierade" in text, "the header names the lines not checked against the source"


def test_fixture_holds_the_register_groups_complete_and_well_formed():
    rader = read_csv("kva_grupper.csv")
    koder = [r["kva_grupp"] for r in rader]
    assert 90 <= len(rader) <= 120
    assert len(set(koder)) == len(koder), "a code appears twice"
    assert koder == sorted(koder)
    for r in rader:
        assert re.fullmatch(r"[A-Z]{3}", r["kva_grupp"]), r
        assert r["benamning"].strip() and r["vardomrade"].strip(), r
        assert r["register"] in {"SPOR", "NCR"}, r
        assert r["synonymer"].strip(), f"{r['kva_grupp']} has no everyday words"
        assert r["synonymer"] == r["synonymer"].lower() or any(o.isupper() for o in r["synonymer"].split(","))
    # Every chapter the waiting-time registers report on is there, and only chapters Swedish KVÅ has.
    assert set("ABCDEFGHJKLNQUV") <= {k[0] for k in koder} <= KVA_KAPITEL
    # Names are unique, and so is each group's first everyday word: it is the group's name on the patient's pages.
    namn = [r["benamning"] for r in rader]
    assert len(set(namn)) == len(namn), "two groups share a name"
    vardagliga = [r["synonymer"].split(",")[0].strip().lower() for r in rader]
    assert len(set(vardagliga)) == len(vardagliga), "two groups share their everyday name"
    # Only the cataract groups come from the cataract register (NCR).
    assert {r["kva_grupp"] for r in rader if r["register"] == "NCR"} == {"CJC", "CJD", "CJE"}


def test_the_first_17_groups_keep_their_kva_names():
    rader = {r["kva_grupp"]: (r["benamning"], r["vardomrade"], r["register"]) for r in read_csv("kva_grupper.csv")}
    for kod, varden in FORSTA_17.items():
        assert rader[kod] == varden


@pytest.mark.django_db
def test_the_database_holds_the_fixture_with_synonyms():
    rader = read_csv("kva_grupper.csv")
    i_db = {k.kod: k for k in KvaGrupp.objects.all()}
    assert {r["kva_grupp"] for r in rader} <= set(i_db)
    assert "grå starr" in i_db["CJE"].synonymer.split(",")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "kod"),
    [
        ("grå starr", "CJE"),
        ("Grå  Starr", "CJE"),  # any case, any spacing
        ("knäprotes", "NGB"),
        ("höftprotes", "NFB"),
        ("gallsten", "JKA"),
        ("ljumskbråck", "JAB"),
        ("korsband", "NGE"),
        ("hallux valgus", "NHK"),
        ("gastric bypass", "JDF"),
        ("blindtarm", "JEA"),
        ("navelbråck", "JAF"),  # JAD is the incisional hernia, JAF the umbilical one (KVÅ 2021)
        ("ärrbråck", "JAD"),
        ("hemorrojder", "JHB"),
        ("linsbyte", "CJF"),
        ("karotis", "VCF"),
        ("sned nässkiljevägg", "DJD"),
        ("hysterektomi", "LCD"),  # the group's former name, still found
    ],
)
def test_everyday_words_find_the_group(text, kod):
    grupp, kandidater = hitta_kva(text)
    assert grupp is not None and grupp.kod == kod, [k.kod for k in kandidater]


@pytest.mark.django_db
def test_a_word_shared_by_several_groups_gives_candidates():
    grupp, kandidater = hitta_kva("bråck")
    assert grupp is None
    assert {"JAB", "JAD", "JAE", "JAF"} <= {k.kod for k in kandidater}
    grupp, kandidater = hitta_kva("ärrbr")  # part of a word: name and synonyms are searched as text
    assert grupp.kod == "JAD"
    grupp, kandidater = hitta_kva("åderbråck")  # surgery or treatment from inside the vein: the patient chooses
    assert grupp is None and [k.kod for k in kandidater] == ["VUK", "VUV"]


@pytest.mark.django_db
def test_search_page_finds_a_group_by_its_everyday_word(client_for):
    c = client_for(Roll.VARDLOTS, "20")
    svar = c.get("/katalog/sok/", {"q": "grå starr"})
    assert svar.status_code == 200
    assert "CJE Extrakapsulära kataraktoperationer med fakoemulsifikation" in svar.content.decode()


@pytest.mark.django_db
def test_a_new_group_in_a_register_file_is_accepted_and_flagged(tmp_path, client_for):
    from lagesbild.importers import importera_fil
    from tests.lagesbild.helpers import SPOR_HEADER, write

    rad = "2026-11-20;20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;{kva};90d;alla;48;212;365;18,8;12,5"
    fil = write(tmp_path, "spor_vantetider_20261120.csv", SPOR_HEADER, [rad.format(kva="NGB"), rad.format(kva="ZQX")])
    importera_fil(fil, startad_av="test")
    assert KvaGrupp.objects.get(kod="ZQX").benamning == ""
    assert list(KvaGrupp.objects.utan_namn().values_list("kod", flat=True)) == ["ZQX"]
    assert kva_utan_namn() == ["ZQX"]

    admin = client_for(Roll.ADMINISTRATOR, None)
    importer = admin.get("/lagesbild/importer/").content.decode()
    assert "1 KVÅ-grupp från registerfilerna saknar namn: ZQX" in importer

    url = "/katalog/kva/namnge/"
    assert "ZQX" in admin.get(url).content.decode()
    tomt = admin.post(url, {"kod": "ZQX", "benamning": "  "})
    assert tomt.status_code == 422 and "Skriv gruppens benämning" in tomt.content.decode()
    okand = admin.post(url, {"kod": "NGB", "benamning": "Nytt"})  # a named group is not renamed here
    assert okand.status_code == 422 and "NGB finns inte bland grupperna som saknar namn" in okand.content.decode()
    ok = admin.post(url, {"kod": "zqx", "benamning": "Ny grupp", "vardomrade": "Ortopedi", "synonymer": "Ny, ny,x"})
    assert ok.status_code == 302
    grupp = KvaGrupp.objects.get(kod="ZQX")
    assert (grupp.benamning, grupp.vardomrade, grupp.synonymer) == ("Ny grupp", "Ortopedi", "ny,x")
    assert kva_utan_namn() == []
    assert client_for(Roll.VARDLOTS, "20").get(url).status_code == 403


@pytest.mark.django_db
def test_the_migration_renames_the_groups_and_leaves_codes_that_left_the_fixture_unnamed():
    """katalog 0009 on a database loaded from the unchecked list: names become KVÅ 2021's, and PAF (no Swedish KVÅ
    code) and JHC (which carried the hemorrhoid group's name and words) are left for an administrator to name."""
    from importlib import import_module

    from django.apps import apps

    migrering = import_module("katalog.migrations.0009_kva_benamningar_kva_2021")
    KvaGrupp.objects.filter(kod="CJE").update(benamning="Extrakapsulär extraktion av lins (kataraktoperation)")
    KvaGrupp.objects.create(kod="PAF", benamning="Operationer på halsens artärer", vardomrade="Kärlkirurgi")
    KvaGrupp.objects.create(kod="JHC", benamning="Operationer på hemorrojder", synonymer="hemorrojder")

    migrering.ladda_kva_grupper(apps, None)

    assert KvaGrupp.objects.get(kod="CJE").benamning == "Extrakapsulära kataraktoperationer med fakoemulsifikation"
    assert set(KvaGrupp.objects.utan_namn().values_list("kod", flat=True)) == {"PAF", "JHC"}
    assert hitta_kva("hemorrojder")[0].kod == "JHB"
