"""Itinerary check against the Wilderness Medical Society's ascent guidance (2019, updated 2024).

Above 3000 m, sleeping altitude should rise by no more than 500 m a day, with a rest day (no gain in
sleeping altitude) every 3–4 days of gain. A helicopter from a ~2200 m staging base to a 4000 m base
camp skips all staging; the check names that case on its own. Gain is counted above 3000 m only:
sleeping at 2900 m then 3300 m is a 300 m gain "above 3000 m". Findings are advice (warnings); the
pre-screen decides what they block.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

WMS_THRESHOLD_M = 3000
WMS_MAX_DAILY_GAIN_M = 500
WMS_MAX_GAIN_DAYS_WITHOUT_REST = 4

GAIN_TOO_HIGH = "acclimatisation.sleeping_gain"
HELICOPTER_JUMP = "acclimatisation.helicopter_jump"
REST_DAY_MISSING = "acclimatisation.rest_day_missing"


@dataclass(frozen=True)
class Night:
    """One night of an itinerary: where the group sleeps and whether it arrived there by helicopter."""

    day: int
    place: str
    sleeping_altitude_m: float
    date: dt.date | None = None
    by_helicopter: bool = False


@dataclass(frozen=True)
class AcclimatisationFinding:
    code: str
    day: int
    date: dt.date | None
    place: str
    previous_altitude_m: float
    sleeping_altitude_m: float
    gain_above_threshold_m: float
    limit: float

    @property
    def message(self) -> str:
        """In the active language, with the numbers a reviewer needs."""
        values = {
            "day": self.day,
            "place": self.place,
            "previous": round(self.previous_altitude_m),
            "altitude": round(self.sleeping_altitude_m),
            "gain": round(self.gain_above_threshold_m),
            "limit": round(self.limit),
        }
        if self.code == HELICOPTER_JUMP:
            text = _(
                "Day %(day)s: the helicopter to %(place)s raises sleeping altitude from %(previous)s m to "
                "%(altitude)s m (%(gain)s m above 3000 m in one day, guidance %(limit)s m): no staging."
            )
        elif self.code == GAIN_TOO_HIGH:
            text = _(
                "Day %(day)s: sleeping altitude rises from %(previous)s m to %(altitude)s m at %(place)s "
                "(%(gain)s m above 3000 m in one day, guidance at most %(limit)s m)."
            )
        else:
            text = _(
                "Day %(day)s: %(place)s (%(altitude)s m) is day %(limit)s of sleeping higher above 3000 m "
                "without a rest day (guidance: a rest day every 3–4 days)."
            )
        return text % values


def check_itinerary(
    nights: Sequence[Night],
    *,
    start_altitude_m: float | None = None,
    threshold_m: float = WMS_THRESHOLD_M,
    max_daily_gain_m: float = WMS_MAX_DAILY_GAIN_M,
    max_gain_days: int = WMS_MAX_GAIN_DAYS_WITHOUT_REST,
) -> list[AcclimatisationFinding]:
    """Every violation of the guidance, day by day. `start_altitude_m` is where the group starts (day 0)."""
    findings: list[AcclimatisationFinding] = []
    previous = start_altitude_m
    gain_days = 0
    for night in nights:
        altitude = night.sleeping_altitude_m
        if previous is None:
            previous = altitude
            continue
        gain = altitude - max(previous, threshold_m)
        if altitude > threshold_m and altitude > previous:
            gain_days += 1
        else:
            gain_days = 0
        if altitude > threshold_m and gain > max_daily_gain_m:
            code = HELICOPTER_JUMP if night.by_helicopter else GAIN_TOO_HIGH
            findings.append(_finding(code, night, previous, gain, max_daily_gain_m))
        if gain_days == max_gain_days + 1:
            findings.append(_finding(REST_DAY_MISSING, night, previous, gain, gain_days))
        previous = altitude
    return findings


def _finding(code: str, night: Night, previous: float, gain: float, limit: float) -> AcclimatisationFinding:
    return AcclimatisationFinding(
        code=code,
        day=night.day,
        date=night.date,
        place=night.place,
        previous_altitude_m=previous,
        sleeping_altitude_m=night.sleeping_altitude_m,
        gain_above_threshold_m=max(0.0, gain),
        limit=limit,
    )
