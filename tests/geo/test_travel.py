import numpy as np
import pytest

from tengri.geo.travel import munter_hours, naismith_hours, tobler_hours


def test_tobler_on_the_flat_is_five_kilometres_an_hour():
    distances = np.linspace(0, 10, 101)
    assert tobler_hours(distances, np.zeros(101)) == pytest.approx(10 / (6 * np.exp(-3.5 * 0.05)))


def test_tobler_is_fastest_on_a_slight_downhill():
    distances = np.linspace(0, 1, 11)
    down = tobler_hours(distances, -50 * distances)  # 5 % downhill: 6 km/h
    assert down == pytest.approx(1 / 6)
    assert tobler_hours(distances, 200 * distances) > down


def test_naismith_hand_worked():
    # 10 km and 1000 m up: 120 min + 100 min
    assert naismith_hours(10, 1000) == pytest.approx(220 / 60)


def test_munter_hand_worked():
    assert munter_hours(8, 800) == pytest.approx((8 + 8) / 4)  # uphill, r = 4
    assert munter_hours(12, -600) == pytest.approx((12 + 6) / 6)  # downhill, r = 6
    assert munter_hours(6, 0) == pytest.approx(1.0)  # flat, r = 6
