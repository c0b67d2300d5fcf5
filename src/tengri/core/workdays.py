"""Working days per state: weekends and public holidays (from the `holidays` package) do not count.

Lead times of the border authorities are written in working days ("KG: 6 working days").
"""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_working_day(country: str, day: date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(country, day.year)


def working_days_between(country: str, first: date, last: date) -> int:
    """Working days strictly after `first` and strictly before `last` (a filing day and a start day)."""
    count, day = 0, first + timedelta(days=1)
    while day < last:
        count += is_working_day(country, day)
        day += timedelta(days=1)
    return count
