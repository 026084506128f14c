"""Väntetidsdatabasen deliveries: a delivery replaces only the months it contains, a late older file never overwrites
newer figures, and `<5` is kept as suppressed and shown as "färre än 5"."""

import re
from datetime import date

import pytest

from lagesbild.importers import importera_fil
from lagesbild.models import ImportStatus, Kalla, Leverans, VantetidManad
from tests.lagesbild.helpers import VT_HEADER, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


def _rad(manad: str, vantande: int | str, region: str = "00", over_90: int | str = 700) -> str:
    return f"{manad};{region};atgard;Alla;{vantande};{over_90};990;980"


def _importera(tmp_path, namn: str, rader: list[str]):
    folder = tmp_path / f"leverans{len(list(tmp_path.iterdir()))}"  # one folder per file: same names, new contents
    folder.mkdir()
    res = importera_fil(write(folder, namn, VT_HEADER, rader), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, (res.run.meddelande, res.fel_text)
    return res


def _vantande() -> dict[str, int | None]:
    return {r.manad_text: r.antal_vantande for r in VantetidManad.objects.riket()}


def test_a_newer_file_for_the_same_month_replaces_only_the_months_it_contains(tmp_path):
    _importera(tmp_path, "vantetider_202402.csv", [_rad("2024-01", 2000), _rad("2024-02", 2100)])
    res = _importera(tmp_path, "vantetider_202402.csv", [_rad("2024-02", 2222)])  # a corrected February only
    assert _vantande() == {"2024-01": 2000, "2024-02": 2222}
    assert "Ersatte tidigare leverans för 2024-02-29" in res.run.meddelande
    lev = Leverans.objects.get(kalla=Kalla.VANTETIDER)
    assert lev.checksumma == res.run.checksumma  # the same content again is "redan inläst"
    assert set(VantetidManad.objects.values_list("leverans_id", flat=True)) == {lev.pk}


def test_a_late_older_file_keeps_the_newer_figures_and_says_which_months_it_kept(tmp_path):
    _importera(tmp_path, "vantetider_202403.csv", [_rad("2024-02", 2150), _rad("2024-03", 2300)])
    late = _importera(tmp_path, "vantetider_202402.csv", [_rad("2024-01", 2000), _rad("2024-02", 2100)])
    assert _vantande() == {"2024-01": 2000, "2024-02": 2150, "2024-03": 2300}
    assert "1 av 2 månader behölls" in late.run.meddelande and "2024-02" in late.run.meddelande
    assert Leverans.objects.filter(kalla=Kalla.VANTETIDER, checksumma=late.run.checksumma).exists()  # recorded
    rows = [_rad("2024-01", 2000), _rad("2024-02", 2100)]
    again = importera_fil(write(tmp_path, "vantetider_202402.csv", VT_HEADER, rows), startad_av="kommando")
    assert again.run.status == ImportStatus.REDAN_INLAST


def test_a_newer_file_revising_an_old_month_wins(tmp_path):
    _importera(tmp_path, "vantetider_202403.csv", [_rad("2024-02", 2150), _rad("2024-03", 2300)])
    res = _importera(tmp_path, "vantetider_202404.csv", [_rad("2024-02", 2160), _rad("2024-04", 2400)])
    assert _vantande() == {"2024-02": 2160, "2024-03": 2300, "2024-04": 2400}
    assert "behölls" not in res.run.meddelande


def test_suppressed_counts_are_stored_as_suppressed_and_never_computed_with(tmp_path):
    _importera(
        tmp_path,
        "vantetider_202401.csv",
        [_rad("2024-01", 2000), _rad("2024-01", 310, region="20", over_90="<5"), _rad("2024-01", "<5", "22", "<5")],
    )
    dalarna = VantetidManad.objects.get(region_id="20")
    assert (dalarna.antal_vantande, dalarna.antal_vantande_over_90) == (310, None)
    assert dalarna.andel_inom_garanti is None  # 1 − (<5)/310 is not computed
    assert VantetidManad.objects.get(region_id="22").antal_vantande is None
    assert VantetidManad.objects.riket().get().andel_inom_garanti == pytest.approx(65.0)


def test_the_page_shows_a_suppressed_count_as_farre_an_5(tmp_path, client_for):
    _importera(tmp_path, "vantetider_202401.csv", [_rad("2024-01", 310, region="20", over_90="<5")])
    html = client_for(Roll.KOORDINATOR).get("/lagesbild/vantetider/?region=20").content.decode()
    rad = re.search(r'<th scope="row"[^>]*>2024-01</th>(.*?)</tr>', html, re.S).group(1)
    celler = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rad, re.S)]
    assert celler == ["310", "färre än 5", "990", "980", "–"]
    assert "None" not in html


def test_the_national_series_keeps_the_month_a_delivery_left_out_with_its_own_delivery_date(tmp_path):
    _importera(tmp_path, "vantetider_202402.csv", [_rad("2024-01", 2000), _rad("2024-02", 2100)])
    _importera(tmp_path, "vantetider_202402.csv", [_rad("2024-02", 2222)])
    january = VantetidManad.objects.riket().get(manad=date(2024, 1, 1))
    assert january.leverans.uttagsdatum == date(2024, 2, 29)
