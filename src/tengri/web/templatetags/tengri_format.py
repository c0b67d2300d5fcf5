"""Template filters for showing stored values in the reader's language."""

from datetime import UTC, date, datetime, timedelta, timezone

from django import template
from django.utils.formats import date_format

from tengri.core.seasons import parse_month_day

register = template.Library()


@register.filter
def month_day(value: str) -> str:
    """`"07-01"` → "1 July" / "1 июля" / …, in the active language."""
    month, day = parse_month_day(value)
    return date_format(date(2024, month, day), "j E")


# Fixed offsets, as the two states keep no summer time (Kazakhstan has had a single UTC+5 zone since 2024).
LOCAL_ZONES = {"KZ": (timezone(timedelta(hours=5)), "UTC+5"), "KG": (timezone(timedelta(hours=6)), "UTC+6")}


@register.filter
def local_time(value: datetime | None, country: str) -> str:
    """A stored UTC time shown in the local time of `country` (KZ UTC+5, KG UTC+6), labelled."""
    if value is None:
        return "—"
    zone, label = LOCAL_ZONES.get(country, (UTC, "UTC"))
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M} ({label})"
