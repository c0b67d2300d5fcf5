"""Template filters for showing stored values in the reader's language."""

from datetime import date

from django import template
from django.utils.formats import date_format

from tengri.core.seasons import parse_month_day

register = template.Library()


@register.filter
def month_day(value: str) -> str:
    """`"07-01"` → "1 July" / "1 июля" / …, in the active language."""
    month, day = parse_month_day(value)
    return date_format(date(2024, month, day), "j E")
