"""Annual season windows written as month-day pairs ("07-01" to "09-10"), valid every year."""

from datetime import date

from django.core.exceptions import ValidationError


def parse_month_day(text: str) -> tuple[int, int]:
    """`"07-01"` → `(7, 1)`; raise ValidationError for anything that is not a real day of a year."""
    try:
        month_text, day_text = text.split("-")
        month, day = int(month_text), int(day_text)
        date(2024, month, day)  # a leap year, so 02-29 is accepted
    except (ValueError, AttributeError):
        raise ValidationError(f"{text!r} is not a month-day like 07-01") from None
    return month, day


def validate_month_day(text: str) -> None:
    parse_month_day(text)


def in_season(day: date, opens: str, closes: str) -> bool:
    """Whether `day` falls in the window, both ends included; a window may wrap over New Year."""
    today = (day.month, day.day)
    start, end = parse_month_day(opens), parse_month_day(closes)
    if start <= end:
        return start <= today <= end
    return today >= start or today <= end


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (negative: back); the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
