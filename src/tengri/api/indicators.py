"""Indicator endpoints: the headline figures and tables of a period (analysts, administrators), and the
open-data tables as CSV (public: one season per year, once it has been closed a while). Thin: query → one
access rule → one indicator function → schema."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from tengri.api.security import SIGNED_IN
from tengri.core import access
from tengri.indicators.report import period_parse, season_period

router = Router(tags=["indicators"])


class Error(Schema):
    detail: str


ERRORS: dict[int, type] = {status: Error for status in (400, 401, 403, 404)}


class PeriodOut(Schema):
    first: date
    last: date


class FigureOut(Schema):
    key: str
    label: str
    value: float | int | None
    previous: float | int | None = Field(description="the same period a year earlier")
    growth_pct: float | None = Field(description="(value − previous) / previous × 100; null without a previous")
    unit: str
    source: str = Field(description="the query that counted it")


class TableOut(Schema):
    key: str
    label: str
    columns: list[str]
    rows: list[list[Any]]
    count_columns: list[str]
    source: str


class IndicatorsOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    figures: list[FigureOut]
    tables: list[TableOut]


def _today() -> date:
    return timezone.now().date()


@router.get("/indicators", response={200: IndicatorsOut, **ERRORS}, auth=SIGNED_IN)
def indicators(request: HttpRequest, first: str | None = None, last: str | None = None):
    """Every tourism figure of the period beside a year earlier, and every table of the period
    (default: this year's season). Unsuppressed: analysts and administrators only."""
    access.access_indicators_read(request.user)
    from tengri.indicators.tourism import tourism_indicators

    result = tourism_indicators(period_parse(first, last, season_period(_today().year)[0]))
    return {
        "period": result.period.__dict__,
        "previous": result.previous.__dict__,
        "figures": [
            {
                "key": figure.key,
                "label": figure.label,
                "value": figure.value,
                "previous": figure.previous,
                "growth_pct": figure.growth_pct,
                "unit": figure.unit,
                "source": figure.source,
            }
            for figure in result.figures
        ],
        "tables": [
            {
                "key": table.key,
                "label": table.label,
                "columns": list(table.columns),
                "rows": [list(row) for row in table.rows],
                "count_columns": list(table.count_columns),
                "source": table.source,
            }
            for table in result.tables.values()
        ],
    }


@router.get("/open-data/{year}/{table}.csv", response={200: None, **ERRORS}, auth=None)
def open_data_csv(request: HttpRequest, year: int, table: str):
    """An open-data table of one year's season as CSV: counts of 1 to 4 published as "<5" (and where one
    could be worked out, one more count withheld as "x"), no personal data. Public, one fixed period per
    year (the registry's season), once it closed more than 30 days ago (403 before); 404 for a table or
    year that does not exist."""
    from tengri.indicators.opendata import open_data_file

    name, text = open_data_file(request.user, year, table, _today())
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
