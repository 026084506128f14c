import pytest

from sok.geo import haversine_km

STOCKHOLM = (59.3293, 18.0686)
GOTEBORG = (57.7089, 11.9746)
UPPSALA = (59.8586, 17.6389)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [(STOCKHOLM, GOTEBORG, 398), (STOCKHOLM, UPPSALA, 64)],
    ids=["Stockholm-Göteborg", "Stockholm-Uppsala"],
)
def test_haversine_matches_known_city_distances_within_two_percent(a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, rel=0.02)


def test_distance_is_symmetric_and_zero_to_itself():
    assert haversine_km(*STOCKHOLM, *STOCKHOLM) == 0
    assert haversine_km(*STOCKHOLM, *GOTEBORG) == pytest.approx(haversine_km(*GOTEBORG, *STOCKHOLM))


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_km(60.0, 15.0, 61.0, 15.0) == pytest.approx(111.195, abs=0.01)
