import pytest

from tengri.geo.borders import border_map, country_at


@pytest.mark.parametrize(
    ("lat", "lon", "country"),
    [
        (43.2389, 76.8897, "KZ"),  # Almaty
        (42.49, 78.39, "KG"),  # Karakol
        (39.47, 75.99, "CN"),  # Kashgar
        (43.91, 81.33, "CN"),  # Ghulja (Yining)
        (42.85, 78.95, "KZ"),  # Karkara base, Kazakh bank
        (42.16, 80.08, "KG"),  # South Inylchek base camp
        (42.24, 80.13, "KG"),  # North Inylchek base camp: Kyrgyz territory, although supplied from Kazakhstan
        (42.2108, 80.1750, "CN"),  # Khan Tengri summit point: the tripoint, the data puts it on the Chinese side
        (42.87, 74.59, "KG"),  # Bishkek
        (51.17, 71.43, "KZ"),  # Astana, outside the loaded region: falls back to the package's look-up
        (48.85, 2.35, "other"),  # Paris
        (41.31, 69.28, "other"),  # Tashkent
    ],
)
def test_country_at_known_points(lat, lon, country):
    assert country_at(lat, lon) == country


def test_summit_lies_within_accuracy_of_all_three_countries():
    where = border_map().jurisdiction_at(42.2108, 80.1750, accuracy_m=500)
    assert where.country == "CN"
    assert where.nearby == {"KZ", "KG", "CN"}
    assert where.on_border


def test_a_point_far_from_any_line_belongs_to_one_side_alone():
    where = border_map().jurisdiction_at(42.16, 80.08, accuracy_m=500)
    assert where.nearby == {"KG"}
    assert where.distances_m["KZ"] > 5000
    assert not where.on_border


def test_accuracy_decides_what_is_near():
    # North Inylchek BC is about 1.4 km from Kazakh territory per the data.
    strict = border_map().jurisdiction_at(42.24, 80.13, accuracy_m=500)
    loose = border_map().jurisdiction_at(42.24, 80.13, accuracy_m=2000)
    assert strict.nearby == {"KG"}
    assert loose.nearby == {"KG", "KZ"}
    assert 1000 < strict.distances_m["KZ"] < 2000


def test_vectorised_countries_match_single_look_ups():
    points = [(43.2389, 76.8897), (42.49, 78.39), (39.47, 75.99), (42.16, 80.08)]
    lats, lons = zip(*points, strict=True)
    assert list(border_map().countries_at(lats, lons)) == [country_at(lat, lon) for lat, lon in points]


def test_border_lines_are_drawn_only_where_countries_meet():
    lines = border_map().border_lines(42.0, 79.8, 42.4, 80.4)
    assert lines
    for line in lines:
        assert ((line[:, 0] >= 79.8) & (line[:, 0] <= 80.4)).all()
