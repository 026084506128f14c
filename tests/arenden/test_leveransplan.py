"""Issue #19 point 3: delivery plans – plan against outcome per week (a worked example), the form and the file
(validated as a whole, nothing written on error), the export equal to the page, and who sees and writes what."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from arenden.leveransplan.utfall import jamforelse
from arenden.models import Arende, Erbjudande
from avtal.leveransplan import mandag
from avtal.models import Leveransplan
from avtal.services import leveransplan_spara
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, make_user
from vardformedling import format as fmt
from vardformedling.models import Region, Roll

DENNA = mandag(timezone.localdate())
A, B, C = DENNA - timedelta(weeks=2), DENNA - timedelta(weeks=1), DENNA  # two finished weeks and the running one


def klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def erbjud(arende, enhet, *, skapad, accepterat=None, utfort=None):
    """An offer made in the week of `skapad`, accepted on `accepterat`, care performed on `utfort` (rows as the
    services leave them; the counts read only these dates)."""
    e = Erbjudande.objects.create(arende=arende, vardenhet=enhet, svarsfrist=skapad + timedelta(days=14))
    Erbjudande.objects.filter(pk=e.pk).update(
        skapad=timezone.make_aware(timezone.datetime.combine(skapad, timezone.datetime.min.time()).replace(hour=10)),
        status=Erbjudande.Status.ACCEPTERAT if accepterat else Erbjudande.Status.LAMNAT,
        svar_datum=accepterat,
    )
    if utfort:
        Arende.objects.filter(pk=arende.pk).update(mottagande_enhet=enhet, utfort_datum=utfort)


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


@pytest.fixture
def exempel(registrera, mottagande_enhet, koordinator):
    """Region 20 plans CJE at the receiving unit's provider: 4 in week A, 2 in B, 3 in C (all regions), and 1 in B
    from region 22 only. Outcome: A – 4 offered, 3 accepted, 2 performed (as planned); B – 3 offered (one from
    region 22), 1 accepted (+50 %: a deviation beyond 20 %); C – none yet (running, never a deviation). An offer
    at another provider's unit and one for another KVÅ group are not counted."""
    vg = mottagande_enhet.vardgivare
    for veckor, antal in (([A], 4), ([B], 2), ([C], 3)):
        leveransplan_spara(planerad_av_id="20", vardgivare=vg, kva_id="CJE", veckor=veckor, antal=antal)
    leveransplan_spara(planerad_av_id="20", vardgivare=vg, kva_id="CJE", veckor=[B], sandande_region_id="22", antal=1)
    annan_enhet = VardenhetFactory()
    fall = [registrera() for _ in range(9)]
    for i, a in enumerate(fall[:4]):
        erbjud(
            a,
            mottagande_enhet,
            skapad=A + timedelta(days=i),
            accepterat=A + timedelta(days=4) if i < 3 else None,
            utfort=A + timedelta(days=5) if i < 2 else None,
        )
    for a in fall[4:7]:
        erbjud(a, mottagande_enhet, skapad=B + timedelta(days=1))
    Arende.objects.filter(pk=fall[6].pk).update(region_id="22")
    Erbjudande.objects.filter(arende=fall[4]).update(status=Erbjudande.Status.ACCEPTERAT, svar_datum=B + timedelta(2))
    erbjud(fall[7], annan_enhet, skapad=B)
    Arende.objects.filter(pk=fall[8].pk).update(kva=KvaGrupp.objects.exclude(kod="CJE").first())
    erbjud(fall[8], mottagande_enhet, skapad=B)
    return vg


def test_plan_against_outcome_worked_example(exempel):
    serier = jamforelse(Leveransplan.objects.all(), fran=A, till=C)
    alla, fran_22 = serier  # "all regions" sorts before region 22
    assert (alla.region_id, fran_22.region_id) == (None, "22")
    rader = [(v.vecka, v.planerat, v.erbjudna, v.accepterade, v.utforda, v.avviker) for v in alla.veckor]
    assert rader == [(A, 4, 4, 3, 2, False), (B, 2, 3, 1, 0, True), (C, 3, 0, 0, 0, False)]
    assert alla.veckor[1].avvikelse_text == "50\u00a0% över plan" and alla.antal_avvikelser == 1
    assert [(v.vecka, v.planerat, v.erbjudna, v.avviker) for v in fran_22.veckor] == [(B, 1, 1, False)]
    assert 'role="img"' in alla.svg and "Planerat" in alla.svg


def test_a_finished_week_with_too_few_offers_is_a_deviation_and_the_share_is_a_setting(exempel, settings):
    Leveransplan.objects.filter(vecka=A, sandande_region__isnull=True).update(antal=6)  # 4 offered of 6: −33 %
    alla = jamforelse(Leveransplan.objects.all(), fran=A, till=A)[0]
    assert alla.veckor[0].avviker and alla.veckor[0].avvikelse_text == "33\u00a0% under plan"
    settings.LEVERANSPLAN_AVVIKELSE = "0.5"
    alla = jamforelse(Leveransplan.objects.all(), fran=A, till=B)[0]
    assert [v.avviker for v in alla.veckor] == [False, False]


def test_the_page_shows_the_table_and_highlights_the_deviation(exempel, koordinator):
    svar = klient(koordinator).get(reverse("leveransplan:lista"), {"fran": fmt.vecka(A), "till": fmt.vecka(C)})
    assert svar.status_code == 200
    html = svar.content.decode()
    assert '<span class="badge badge--warn">50\u00a0% över plan</span>' in html
    assert "pågår" in html and "<svg" in html


def test_a_week_not_yet_begun_reads_kommande_not_pagar(exempel, koordinator):
    """Only the running week is "pågår"; a planned week after it has not begun (the demo said "pågår" for 2027)."""
    d = DENNA + timedelta(weeks=1)
    leveransplan_spara(planerad_av_id="20", vardgivare=exempel, kva_id="CJE", veckor=[d], antal=3)
    svar = klient(koordinator).get(reverse("leveransplan:lista"), {"fran": fmt.vecka(C), "till": fmt.vecka(d)})
    html = svar.content.decode()
    assert re.search(rf"{fmt.vecka(C)}</th>(?:(?!</tr>).)*pågår</td></tr>", html)
    assert re.search(rf"{fmt.vecka(d)}</th>(?:(?!</tr>).)*kommande</td></tr>", html)


def test_export_figures_equal_the_page(exempel, koordinator):
    c = klient(koordinator)
    params = {"fran": fmt.vecka(A), "till": fmt.vecka(C)}
    sida = jamforelse(Leveransplan.objects.filter(planerad_av_id="20"), fran=A, till=C)
    svar = c.get(reverse("leveransplan:lista"), {**params, "format": "csv"})
    assert svar.status_code == 200 and svar["Content-Disposition"] == 'attachment; filename="leveransplan.csv"'
    rader = list(csv.reader(io.StringIO(svar.content.decode("utf-8-sig")), delimiter=";"))
    assert rader[0][5:] == ["Vecka", "Planerat", "Erbjudna", "Accepterade", "Utförda", "Avvikelse"]
    assert rader[1:] == [r for s in sida for r in s.exportrader()]
    assert rader[2][5:] == [fmt.vecka(B), "2", "3", "1", "0", "50\u00a0% över plan"]
    html = c.get(reverse("leveransplan:lista"), params).content.decode()
    for r in rader[1:]:
        celler = f'<td class="num">{r[6]}</td><td class="num">{r[7]}</td>'
        assert f'<th scope="row" class="lb-datum">{r[5]}</th>{celler}' in html


def test_the_form_records_a_run_of_weeks_and_a_bad_week_writes_nothing(mottagande_enhet, avtalsrad, koordinator):
    c = klient(koordinator)
    data = {
        "vardgivare": mottagande_enhet.vardgivare.hsa_id.lower(),
        "vardenhet": mottagande_enhet.hsa_id.lower(),
        "kva": "CJE",
        "fran": fmt.vecka(C),
        "till": fmt.vecka(C + timedelta(weeks=2)),
        "sandande_region": "22",
        "antal": "5",
    }
    svar = c.post(reverse("leveransplan:ny"), {**data, "till": "2026-V99"}, headers={"HX-Request": "true"})
    assert svar.status_code == 422 and "”2026-V99” är ingen vecka" in svar.content.decode()
    svar = c.post(reverse("leveransplan:ny"), {**data, "vardenhet": "SE-FINNS-INTE"}, headers={"HX-Request": "true"})
    assert svar.status_code == 422, svar.context["form"].errors
    assert "Vårdenheten hör inte till den valda vårdgivaren" in svar.content.decode(), svar.context["form"].errors
    svar = c.post(reverse("leveransplan:ny"), {**data, "vardgivare": "SE-OKAND"}, headers={"HX-Request": "true"})
    assert svar.status_code == 422 and "”SE-OKAND” är ingen vårdgivare i katalogen" in svar.content.decode()
    assert not Leveransplan.objects.exists()
    svar = c.post(reverse("leveransplan:ny"), data, headers={"HX-Request": "true"})
    assert svar.status_code == 200 and "Leveransplanen är sparad" in svar.content.decode()
    planer = Leveransplan.objects.order_by("vecka")
    assert [(p.vecka, p.antal, p.planerad_av_id, p.vardenhet_id, p.sandande_region_id) for p in planer] == [
        (C + timedelta(weeks=i), 5, "20", mottagande_enhet.pk, "22") for i in range(3)
    ]


def _fil(rader: list[str]) -> io.BytesIO:
    fil = io.BytesIO(
        ("vardgivare_hsaid;vardenhet_hsaid;kva_grupp;vecka;region_kod;antal\n" + "\n".join(rader) + "\n").encode()
    )
    fil.name = "plan.csv"
    return fil


def test_upload_is_checked_as_a_whole_and_nothing_is_written_on_error(mottagande_enhet, koordinator):
    c = klient(koordinator)
    vg, enhet, v = mottagande_enhet.vardgivare.hsa_id, mottagande_enhet.hsa_id, fmt.vecka(C)
    svar = c.post(
        reverse("leveransplan:uppladdning"),
        {
            "fil": _fil(
                [
                    f"{vg};;CJE;{v};;10",
                    f"SE-OKAND;;CJE;{v};;10",
                    f"{vg};{enhet};XYZ;2026-53x;99;-1",
                    f"{vg};;CJE;{v};;4",
                ]
            )
        },
    )
    assert svar.status_code == 422
    html = svar.content.decode()
    for text in (
        "rad 3, kolumn vardgivare_hsaid: ”SE-OKAND” är ingen vårdgivare",
        "rad 4, kolumn kva_grupp: ”XYZ” är ingen KVÅ-grupp",
        "rad 4, kolumn vecka: ”2026-53x” är ingen vecka",
        "rad 4, kolumn region_kod: ”99” är ingen regionkod",
        "rad 4, kolumn antal:",
        "rad 5, kolumn vecka: samma vårdgivare, enhet, KVÅ-grupp, vecka och region finns redan på rad 2",
    ):
        assert text in html, text
    assert not Leveransplan.objects.exists()


def test_upload_previews_then_writes_on_confirm(mottagande_enhet, koordinator):
    c = klient(koordinator)
    vg, enhet = mottagande_enhet.vardgivare.hsa_id, mottagande_enhet.hsa_id
    leveransplan_spara(planerad_av_id="20", vardgivare=mottagande_enhet.vardgivare, kva_id="CJE", veckor=[C], antal=3)
    svar = c.post(
        reverse("leveransplan:uppladdning"),
        {
            "fil": _fil(
                [
                    f"{vg};;CJE;{fmt.vecka(C)};;10",
                    f"{vg};{enhet};CJE;{fmt.vecka(C + timedelta(weeks=1))};22;2",
                ]
            )
        },
    )
    assert svar.status_code == 200 and "1 nya, 1 ändrade" in svar.content.decode()
    assert Leveransplan.objects.get().antal == 3  # nothing written before the confirmation
    svar = c.post(reverse("leveransplan:uppladdning_bekrafta"), {"token": svar.context["token"]}, follow=True)
    assert "1 nya och 1 ändrade veckor" in svar.content.decode()
    assert sorted(Leveransplan.objects.values_list("antal", "via")) == [(2, "fil"), (10, "fil")]


def test_the_sending_region_is_named_on_the_page_and_in_the_exports(exempel, koordinator, mottagare):
    """/leveransplaner/ showed "från region 22" and "22" where a person expects "Region Västernorrland", in the
    heading, the unit's inflow table and the CSV/XLSX cells."""
    namn = Region.objects.get(kod="22").namn
    params = {"fran": fmt.vecka(A), "till": fmt.vecka(C)}
    c = klient(koordinator)
    html = c.get(reverse("leveransplan:lista"), params).content.decode()
    assert f"från {namn}</h3>" in html and "från region 22" not in html
    rader = list(csv.reader(io.StringIO(c.get(reverse("leveransplan:lista"), {**params, "format": "csv"})
                                        .content.decode("utf-8-sig")), delimiter=";"))  # fmt: skip
    assert rader[0][4] == "Sändande region" and {r[4] for r in rader[1:]} == {"Alla", namn}
    ark = load_workbook(io.BytesIO(c.get(reverse("leveransplan:lista"), {**params, "format": "xlsx"}).content)).active
    assert {r[4] for r in ark.iter_rows(min_row=2, values_only=True)} == {"Alla", namn}
    html = klient(mottagare).get(reverse("leveransplan:lista"), params).content.decode()
    assert f'<td>{namn} <span class="muted">(22)</span></td>' in html


def test_who_sees_and_writes_plans(exempel, mottagande_enhet, mottagare, koordinator):
    vg = exempel
    annan = VardenhetFactory(vardgivare=vg)
    leveransplan_spara(planerad_av_id=None, vardgivare=vg, vardenhet=annan, kva_id="CJE", veckor=[C], antal=7)
    url = reverse("leveransplan:lista")
    # The receiving unit: its inflow (plans for its provider as a whole), not another unit's plan, no form.
    svar = klient(mottagare).get(url, {"fran": fmt.vecka(A), "till": fmt.vecka(C)})
    assert svar.status_code == 200
    assert [(r["vecka"], r["sandande_region_id"], r["antal"]) for r in svar.context["inflode"]] == [
        (A, None, 4),
        (B, None, 2),
        (B, "22", 1),
        (C, None, 3),
    ]
    # Week B: the "all regions" figure (2) is the total; region 22's own 1 is part of it. A national plan adds up.
    assert svar.context["inflode_per_vecka"] == {A: 4, B: 2, C: 3}
    leveransplan_spara(planerad_av_id=None, vardgivare=vg, kva_id="CJE", veckor=[B], sandande_region_id="03", antal=5)
    svar = klient(mottagare).get(url, {"fran": fmt.vecka(A), "till": fmt.vecka(C)})
    assert svar.context["inflode_per_vecka"] == {A: 4, B: 7, C: 3}
    assert svar.context.get("form") is None
    assert klient(mottagare).post(reverse("leveransplan:ny"), {}).status_code == 403
    assert klient(mottagare).get(reverse("leveransplan:uppladdning")).status_code == 403
    # A navigator has no delivery plans; another region's coordinator does not see region 20's plans.
    assert klient(make_user(Roll.VARDLOTS, "20")).get(url).status_code == 403
    svar = klient(make_user(Roll.KOORDINATOR, "06")).get(url, {"fran": fmt.vecka(A), "till": fmt.vecka(C)})
    assert svar.status_code == 200 and svar.context["serier"] == []
    # The national coordination sees every plan and records its own without a region.
    admin = make_user(Roll.ADMINISTRATOR, None)
    svar = klient(admin).get(url, {"fran": fmt.vecka(A), "till": fmt.vecka(C)})
    assert {s.planerare for s in svar.context["serier"]} == {Region.objects.get(kod="20").namn, "Nationell samordning"}


def test_a_bad_period_shows_the_default_weeks_with_a_message(koordinator):
    svar = klient(koordinator).get(reverse("leveransplan:lista"), {"fran": "vecka 7", "till": "x" * 5000})
    assert svar.status_code == 200
    assert "förstods inte" in svar.content.decode() and svar.context["fran"] == DENNA - timedelta(weeks=4)


def test_the_page_shows_ten_series_at_a_time_and_the_export_holds_them_all(mottagande_enhet, koordinator):
    vg = mottagande_enhet.vardgivare
    regioner = list(Region.objects.order_by("kod").values_list("kod", flat=True)[:12])
    for kod in regioner:
        leveransplan_spara(
            planerad_av_id="20", vardgivare=vg, kva_id="CJE", veckor=[C], sandande_region_id=kod, antal=1
        )
    c, url = klient(koordinator), reverse("leveransplan:lista")
    forsta, andra = c.get(url), c.get(url, {"sida": "2"})
    assert [s.region_id for s in forsta.context["serier"]] == regioner[:10]
    assert [s.region_id for s in andra.context["serier"]] == regioner[10:]
    assert "Sida 2 av 2 (12 planer)" in andra.content.decode() and andra.content.decode().count("<svg") == 2
    export = c.get(url, {"format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert len(export) == 1 + 12


def test_one_figure_per_key_even_when_planner_unit_and_region_are_empty(mottagande_enhet):
    from django.db import IntegrityError, transaction

    vg = mottagande_enhet.vardgivare
    Leveransplan.objects.create(vardgivare=vg, kva_id="CJE", vecka=C, antal=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Leveransplan.objects.create(vardgivare=vg, kva_id="CJE", vecka=C, antal=2)
    Leveransplan.objects.create(vardgivare=vg, kva_id="CJE", vecka=C, antal=3, sandande_region_id="22")  # another key
    with pytest.raises(IntegrityError), transaction.atomic():
        Leveransplan.objects.create(vardgivare=vg, kva_id="CJE", vecka=C + timedelta(days=1), antal=1)  # a Tuesday
