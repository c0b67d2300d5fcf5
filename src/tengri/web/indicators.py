"""Indicator pages: the analysts' dashboard and its charts, the season report (page and PDF), and the
public open-data page with its CSV downloads.

Thin: one access rule, one indicator function, render. The dashboard and the report are for analysts and
administrators (unsuppressed counts); open data is public but only for periods that have ended, and a
refusal there says why instead of sending anyone to sign in (signing in would not help).
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tengri.core import access
from tengri.core.errors import AccessDenied, NotFound
from tengri.indicators.charts import CHARTS, FORMATS, chart_image, chart_table, chart_title
from tengri.indicators.figures import Period
from tengri.indicators.report import CitedFigure, period_parse, season_period, season_report
from tengri.indicators.report_text import figure_shown, period_text, report_shown

CHART_CACHE_SECONDS = 300  # the numbers move with every scan in season; five minutes is fresh enough
LATEST_YEARS = 5  # open data offers the seasons of the last five years that have ended


def today() -> date:
    return timezone.now().date()


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _period(request: HttpRequest) -> Period:
    return period_parse(request.GET.get("first"), request.GET.get("last"), season_period(today().year)[0])


# --- Dashboard -------------------------------------------------------------------------------------


def dashboard_page(request: HttpRequest) -> HttpResponse:
    access.access_indicators_read(request.user)
    from tengri.indicators.tourism import tourism_indicators

    period = _period(request)
    indicators = tourism_indicators(period)
    lang = _language()
    query = urlencode({"first": period.first.isoformat(), "last": period.last.isoformat()})
    context = {
        "period": period,
        "period_text": period_text(period, lang),
        "previous_text": period_text(indicators.previous, lang),
        "figures": [figure_shown(CitedFigure(figure, 0), lang) for figure in indicators.figures],
        "sources": {figure.key: figure.source for figure in indicators.figures},
        "charts": [
            (name, chart_title(name), reverse("indicators-chart", args=[name, "svg"]) + "?" + query) for name in CHARTS
        ],
        "report_years": sorted({period.first.year, period.last.year}),
        "ledger_url": _url_or_blank("ledger"),
    }
    return render(request, "indicators/dashboard.html", context)


def chart_picture(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart of the dashboard for a period, as SVG or PNG. Cached briefly per period and language."""
    access.access_indicators_read(request.user)
    if name not in CHARTS or fmt not in FORMATS:
        raise NotFound(f"there is no chart {name}.{fmt}")
    period = _period(request)
    key = f"indicators-chart:{name}:{fmt}:{get_language()}:{period}"
    picture = cache.get(key)
    if picture is None:
        from tengri.indicators.tourism import tourism_indicators

        picture = chart_image(name, tourism_indicators(period).tables[chart_table(name)], fmt)
        cache.set(key, picture, timeout=CHART_CACHE_SECONDS)
    response = HttpResponse(picture, content_type=FORMATS[fmt])
    response["ETag"] = '"' + hashlib.sha1(picture, usedforsecurity=False).hexdigest() + '"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _url_or_blank(name: str) -> str:
    """The trade ledger's page lives in its own module; the dashboard links to it once it is routed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# --- Season report -----------------------------------------------------------------------------------


def _report(year: int):
    if not 2000 <= year <= 2100:
        raise NotFound(f"there is no season report for {year}")
    return season_report(year, made_at=timezone.now())


def report_page(request: HttpRequest, year: int) -> HttpResponse:
    access.access_indicators_read(request.user)
    report = _report(year)
    query = urlencode({"first": report.period.first.isoformat(), "last": report.period.last.isoformat()})
    charts = {
        section.chart: reverse("indicators-chart", args=[section.chart, "svg"]) + "?" + query
        for section in report.sections
        if section.chart
    }
    shown = report_shown(report, _language())
    return render(request, "indicators/report.html", {"shown": shown, "charts": charts, "inline": False})


def report_pdf_download(request: HttpRequest, year: int) -> HttpResponse:
    access.access_indicators_read(request.user)
    from tengri.indicators.report_pdf import report_pdf

    lang = _language()
    response = HttpResponse(report_pdf(_report(year), lang), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tengri-season-report-{year}-{lang}.pdf"'
    return response


# --- Open data ---------------------------------------------------------------------------------------


def _open_period(request: HttpRequest) -> Period:
    """The period asked for, default the latest season that has ended."""
    this_year = today().year
    default = season_period(this_year)[0]
    if default.last >= today():
        default = season_period(this_year - 1)[0]
    return period_parse(request.GET.get("first"), request.GET.get("last"), default)


def _refused(request: HttpRequest, error: AccessDenied) -> HttpResponse:
    return render(request, "web/error.html", {"error": error}, status=error.http_status)


def open_data_page(request: HttpRequest) -> HttpResponse:
    """Public: the seasons that have ended, and for the chosen one its tables as CSV."""
    from tengri.indicators.opendata import SMALL, SUPPRESSION_THRESHOLD, WITHHELD, open_tables

    period = _open_period(request)
    try:
        access.access_open_data(request.user, period.last, today())
    except AccessDenied as error:
        return _refused(request, error)
    lang = _language()
    query = urlencode({"first": period.first.isoformat(), "last": period.last.isoformat()})
    tables = [
        (table, reverse("open-data-csv", args=[key]) + "?" + query, len(table.rows))
        for key, table in open_tables(period).items()
    ]
    seasons = []
    for year in range(today().year, today().year - LATEST_YEARS - 1, -1):
        season = season_period(year)[0]
        if season.last < today():
            seasons.append((year, season, period_text(season, lang)))
    context = {
        "period": period,
        "period_text": period_text(period, lang),
        "tables": tables,
        "seasons": seasons[:LATEST_YEARS],
        "threshold": SUPPRESSION_THRESHOLD,
        "small": SMALL,
        "withheld": WITHHELD,
    }
    return render(request, "indicators/open_data.html", context)


def open_data_csv(request: HttpRequest, table: str) -> HttpResponse:
    from tengri.indicators.opendata import open_tables, table_csv

    period = _open_period(request)
    try:
        access.access_open_data(request.user, period.last, today())
    except AccessDenied as error:
        return _refused(request, error)
    tables = open_tables(period)
    if table not in tables:
        raise NotFound(_("there is no open-data table %(table)s") % {"table": table})
    response = HttpResponse(table_csv(tables[table]), content_type="text/csv; charset=utf-8")
    name = f"tengri-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
