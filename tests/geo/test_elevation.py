import numpy as np
import pytest

from tengri.geo.elevation import OutsideGrid, elevation_at, elevation_grid


@pytest.mark.parametrize(
    ("lat", "lon", "surveyed", "tolerance"),
    [
        (43.0506, 76.9850, 2511, 60),  # Big Almaty Lake (surveyed 2511 m)
        (43.2389, 76.8897, 800, 120),  # Almaty centre (~800 m)
        (42.49, 78.39, 1750, 150),  # Karakol (~1750 m)
        (42.7258, 80.1783, 1801, 120),  # Narynkol
    ],
)
def test_grid_agrees_with_surveyed_valleys_and_lakes(lat, lon, surveyed, tolerance):
    assert abs(elevation_at(lat, lon) - surveyed) < tolerance


def test_summits_read_low_because_the_grid_smooths_them():
    khan_tengri = elevation_at(42.2108, 80.1750)
    assert 6000 < khan_tengri < 7010


def test_interpolation_is_bilinear_between_cell_centres():
    grid = elevation_grid()
    i, j = 1000, 2000
    lat0, lat1, lon0, lon1 = grid.lats[i], grid.lats[i + 1], grid.lons[j], grid.lons[j + 1]
    h00, h01, h10, h11 = (float(grid.heights[a, b]) for a, b in ((i, j), (i, j + 1), (i + 1, j), (i + 1, j + 1)))
    assert grid.at(lat0, lon0) == pytest.approx(h00)
    middle = grid.at((lat0 + lat1) / 2, (lon0 + lon1) / 2)
    assert middle == pytest.approx((h00 + h01 + h10 + h11) / 4, abs=1e-3)
    quarter = grid.at(lat0 + (lat1 - lat0) / 4, lon0)
    assert quarter == pytest.approx(h00 * 0.75 + h10 * 0.25, abs=1e-3)


def test_vectorised_look_up_matches_single_points_and_gives_nan_outside():
    grid = elevation_grid()
    values = grid.at_many(np.array([42.2, 50.0]), np.array([79.867, 79.0]))
    assert values[0] == pytest.approx(grid.at(42.2, 79.867))
    assert np.isnan(values[1])


def test_outside_the_grid_is_a_clear_error():
    with pytest.raises(OutsideGrid, match="outside the elevation grid"):
        elevation_at(51.17, 71.43)
