"""An authorised attack on delivery plans (/leveransplaner/, issue #19 point 3): markup and formulas in an uploaded
file, formulas in the catalogue names the export writes, and a receiving unit posting a plan. SECURITY.md lists
them."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from avtal.leveransplan import mandag
from avtal.models import Leveransplan
from avtal.services import leveransplan_spara
from tests.factories import make_user
from vardformedling import format as fmt
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

VECKA = mandag(timezone.localdate())
FORMLER = ['=HYPERLINK("https://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


def _fil(rader: list[str]) -> io.BytesIO:
    fil = io.BytesIO(
        ("vardgivare_hsaid;vardenhet_hsaid;kva_grupp;vecka;region_kod;antal\n" + "\n".join(rader) + "\n").encode()
    )
    fil.name = "plan.csv"
    return fil


def test_markup_and_formulas_in_an_uploaded_plan_are_refused_and_quoted_escaped(koordinator, mottagande_enhet):
    vg, v = mottagande_enhet.vardgivare.hsa_id, fmt.vecka(VECKA)
    svar = klient(koordinator).post(
        reverse("leveransplan:uppladdning"),
        {
            "fil": _fil(
                [
                    f"<script>alert(1)</script>;;CJE;{v};;1",
                    f"{vg};<img src=x onerror=alert(2)>;CJE;{v};;1",
                    f'=HYPERLINK("https://evil.example");;CJE;{v};;1',
                    f"{vg};;{{{{ 7|add:7 }}}};{v};;1",
                ]
            )
        },
        headers={"HX-Request": "true"},
    )
    html = svar.content.decode()
    assert svar.status_code == 422
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "{{ 7|add:7 }}" in html  # shown as written, never evaluated
    assert "rad 4, kolumn vardgivare_hsaid" in html
    assert not Leveransplan.objects.exists()


def test_the_export_neutralises_formulas_in_the_catalogue_names_it_writes(koordinator, mottagande_enhet):
    for i, region in enumerate(["20", "22", "06"]):  # plans without a unit: the provider's name alone
        leveransplan_spara(
            planerad_av_id="20", vardgivare=mottagande_enhet.vardgivare, kva_id="CJE", veckor=[VECKA], antal=i + 1,
            sandande_region_id=region,
        )  # fmt: skip
    vg = mottagande_enhet.vardgivare
    vg.namn = FORMLER[3]
    vg.save()
    mottagande_enhet.namn = FORMLER[0]
    mottagande_enhet.save()
    leveransplan_spara(
        planerad_av_id="20", vardgivare=vg, vardenhet=mottagande_enhet, kva_id="CJE", veckor=[VECKA], antal=9
    )
    c = klient(koordinator)
    params = {"fran": fmt.vecka(VECKA), "till": fmt.vecka(VECKA)}
    svar = c.get(reverse("leveransplan:lista"), {**params, "format": "csv"})
    assert svar.status_code == 200
    rader = list(csv.reader(io.StringIO(svar.content.decode("utf-8-sig")), delimiter=";"))[1:]
    celler = [c for r in rader for c in r]
    assert f"'{FORMLER[3]}" in celler and f"'{FORMLER[0]}" in celler
    assert not [c for c in celler if c[:1] in ("=", "+", "-", "@", "\t", "\r")], celler
    svar = c.get(reverse("leveransplan:lista"), {**params, "format": "xlsx"})
    ark = load_workbook(io.BytesIO(svar.content)).active
    texter = [v for rad in ark.iter_rows(min_row=2, values_only=True) for v in rad if isinstance(v, str)]
    assert f"'{FORMLER[3]}" in texter and f"'{FORMLER[0]}" in texter
    assert not [t for t in texter if t[:1] in ("=", "+", "-", "@", "\t", "\r")], texter


def test_a_receiving_unit_cannot_write_a_plan_by_form_or_file(mottagare, mottagande_enhet):
    c = klient(mottagare)
    vg, v = mottagande_enhet.vardgivare.hsa_id, fmt.vecka(VECKA)
    data = {"vardgivare": mottagande_enhet.vardgivare.pk, "kva": "CJE", "fran": v, "till": v, "antal": "5"}
    assert c.post(reverse("leveransplan:ny"), data).status_code == 403
    assert c.post(reverse("leveransplan:uppladdning"), {"fil": _fil([f"{vg};;CJE;{v};;10"])}).status_code == 403
    assert c.post(reverse("leveransplan:uppladdning_bekrafta"), {"token": "x"}).status_code == 403
    assert not Leveransplan.objects.exists()


def test_a_previewed_file_is_written_only_under_the_commission_it_was_previewed_for(koordinator, mottagande_enhet):
    """Finding: the preview's token was the user's, not the commission's: a coordinator of regions 20 and 06
    previewed a file as region 20, switched commission and confirmed – the plans were written as region 06's."""
    from vardformedling.models import Medarbetaruppdrag, Region

    k20 = Medarbetaruppdrag.objects.get(user=koordinator)
    k06 = Medarbetaruppdrag.objects.create(user=koordinator, roll=Roll.KOORDINATOR, region=Region.objects.get(kod="06"))
    c = klient(koordinator)
    c.post(reverse("byt_uppdrag"), {"uppdrag": k20.pk})
    vg = mottagande_enhet.vardgivare.hsa_id
    svar = c.post(reverse("leveransplan:uppladdning"), {"fil": _fil([f"{vg};;CJE;{fmt.vecka(VECKA)};;10"])})
    assert svar.status_code == 200 and "Region" in svar.content.decode()
    token = svar.context["token"]
    c.post(reverse("byt_uppdrag"), {"uppdrag": k06.pk})
    svar = c.post(reverse("leveransplan:uppladdning_bekrafta"), {"token": token})
    assert (
        svar.status_code == 422
        and "Filen kontrollerades under uppdraget ”Koordinator – Region Dalarna”" in svar.content.decode()
    )
    assert not Leveransplan.objects.exists()
    c.post(reverse("byt_uppdrag"), {"uppdrag": k20.pk})
    assert c.post(reverse("leveransplan:uppladdning_bekrafta"), {"token": token}).status_code == 302
    assert list(Leveransplan.objects.values_list("planerad_av_id", "antal")) == [("20", 10)]
