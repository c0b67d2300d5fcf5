"""Hand-worked itineraries against the WMS guidance: one that passes, several that break each rule."""

from datetime import date, timedelta

from tengri.geo.acclimatisation import (
    GAIN_TOO_HIGH,
    HELICOPTER_JUMP,
    REST_DAY_MISSING,
    Night,
    check_itinerary,
)


def nights(*altitudes, helicopter_days=()):
    start = date(2026, 7, 1)
    return [
        Night(
            day=day,
            place=f"camp {day}",
            sleeping_altitude_m=altitude,
            date=start + timedelta(days=day - 1),
            by_helicopter=day in helicopter_days,
        )
        for day, altitude in enumerate(altitudes, start=1)
    ]


def codes(findings):
    return [(finding.code, finding.day) for finding in findings]


def test_a_trek_that_follows_the_guidance_passes():
    # 1800 → 2500 → 2900 (below 3000: free) → 3300 (+300) → 3700 (+400) → rest → 4100 → 4500 → rest → down
    itinerary = nights(1800, 2500, 2900, 3300, 3700, 3700, 4100, 4500, 4500, 3800)
    assert check_itinerary(itinerary, start_altitude_m=1800) == []


def test_gain_is_counted_above_3000_m_only():
    # 2600 → 3450: 850 m gained, but only 450 m of it above 3000 m
    assert check_itinerary(nights(2600, 3450)) == []
    # 2600 → 3600: 600 m above 3000 m
    findings = check_itinerary(nights(2600, 3600))
    assert codes(findings) == [(GAIN_TOO_HIGH, 2)]
    assert findings[0].gain_above_threshold_m == 600


def test_too_much_gain_in_one_day_on_foot():
    findings = check_itinerary(nights(3200, 3600, 4300, 4300))
    assert codes(findings) == [(GAIN_TOO_HIGH, 3)]
    finding = findings[0]
    assert (finding.previous_altitude_m, finding.sleeping_altitude_m, finding.gain_above_threshold_m) == (
        3600,
        4300,
        700,
    )
    assert finding.date == date(2026, 7, 3)
    assert "3600 m" in finding.message and "4300 m" in finding.message and "700 m" in finding.message


def test_helicopter_from_karkara_to_base_camp_is_named_as_such():
    # Karkara 2200 m, then the helicopter to South Inylchek BC at 4000 m on day 3
    findings = check_itinerary(nights(2200, 2200, 4000, 4000, 4000, 4200, helicopter_days={3}))
    assert codes(findings) == [(HELICOPTER_JUMP, 3)]
    assert findings[0].gain_above_threshold_m == 1000
    assert "helicopter" in findings[0].message


def test_rest_day_missing_after_four_days_of_gain():
    # five consecutive days of +300 m above 3000 m
    findings = check_itinerary(nights(3000, 3300, 3600, 3900, 4200, 4500))
    assert codes(findings) == [(REST_DAY_MISSING, 6)]


def test_four_days_of_gain_then_a_rest_day_is_fine():
    assert check_itinerary(nights(3000, 3300, 3600, 3900, 4200, 4200, 4500)) == []


def test_a_descent_counts_as_a_rest_day():
    assert check_itinerary(nights(3000, 3300, 3600, 3900, 4200, 3900, 4300)) == []


def test_several_rules_broken_in_one_itinerary():
    itinerary = nights(2200, 4000, 4600, 5200, 5700, 6100, helicopter_days={2})
    assert codes(check_itinerary(itinerary)) == [
        (HELICOPTER_JUMP, 2),
        (GAIN_TOO_HIGH, 3),
        (GAIN_TOO_HIGH, 4),
        (REST_DAY_MISSING, 6),
    ]


def test_the_first_night_is_compared_with_the_start_altitude_when_given():
    assert codes(check_itinerary(nights(3800), start_altitude_m=2200)) == [(GAIN_TOO_HIGH, 1)]
    assert check_itinerary(nights(3800)) == []
