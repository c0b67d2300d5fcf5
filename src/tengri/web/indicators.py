"""Indicator pages: the analysts' dashboard and its charts, the season report (page and PDF), and the
public open-data page with its CSV downloads.

Thin: one access rule, one indicator function, render. The dashboard and the report are for analysts and
administrators (unsuppressed counts); open data is public but only for seasons closed long enough ago
(one fixed period per year), and a refusal there says why instead of sending anyone to sign in (signing
in would not help).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from tengri.core import access
from tengri.core.errors import AccessDenied, NotFound
from tengri.indicators.charts import CHARTS, FORMATS, chart_image, chart_table, chart_title
from tengri.indicators.figures import Period
from tengri.indicators.report import CitedFigure, period_parse, season_period, season_report
from tengri.indicators.report_text import figure_shown, period_text, report_shown

CHART_CACHE_SECONDS = 300  # the numbers move with every scan in season; five minutes is fresh enough


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
    # Each distinct source once, numbered in order of first use, as the report's [n] marks are.
    refs: dict[str, int] = {}
    for figure in indicators.figures:
        refs.setdefault(figure.source, len(refs) + 1)
    context = {
        "period": period,
        "period_text": period_text(period, lang),
        "previous_text": period_text(indicators.previous, lang),
        "figures": [
            (figure_shown(CitedFigure(figure, refs[figure.source]), lang), figure.source)
            for figure in indicators.figures
        ],
        "sources": list(refs),  # numbered from 1 in the template, as refs counts them
        "charts": [
            (name, chart_title(name), _svg_uri(name, indicators.tables[chart_table(name)]), _chart_url(name))
            for name in CHARTS
        ],
        "query": query,
        "report_years": sorted({period.first.year, period.last.year}),
        "ledger_url": _url_or_blank("ledger"),
    }
    return render(request, "indicators/dashboard.html", context)


def _svg_uri(name: str, table) -> str:
    """A chart drawn from the figures the page already holds, as a data URI: a page computes the season's
    figures once, instead of once more for each of its pictures."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart_image(name, table, "svg")).decode("ascii")


def _chart_url(name: str) -> str:
    return reverse("indicators-chart", args=[name, "svg"])


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
    sections = [section for section in report.sections if section.chart]
    charts = {section.chart: _svg_uri(section.chart, section.chart_data) for section in sections}
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


def _refused(request: HttpRequest, error: AccessDenied) -> HttpResponse:
    return render(request, "web/error.html", {"error": error}, status=error.http_status)


def open_data_page(request: HttpRequest) -> HttpResponse:
    """Public: the published seasons (one fixed period per year, see `indicators.opendata`) and their
    tables as CSV. Nothing here takes a period from the request."""
    from tengri.indicators.opendata import (
        SMALL,
        SUPPRESSION_THRESHOLD,
        WITHHELD,
        open_data_delay,
        open_tables,
        open_years,
    )

    lang = _language()
    years = open_years(today())
    tables = []
    if years:  # labels and columns are the same every year: take them from the newest file
        for key, table in open_tables(years[0][1]).items():
            links = [(year, reverse("open-data-csv", args=[year, key])) for year, _period in years]
            tables.append((table, links))
    context = {
        "seasons": [(year, period_text(period, lang)) for year, period in years],
        "tables": tables,
        "threshold": SUPPRESSION_THRESHOLD,
        "small": SMALL,
        "withheld": WITHHELD,
        "delay": open_data_delay(),
    }
    return render(request, "indicators/open_data.html", context)


def open_data_csv(request: HttpRequest, year: int, table: str) -> HttpResponse:
    from tengri.indicators.opendata import open_data_file

    try:
        name, text = open_data_file(request.user, year, table, today())
    except AccessDenied as error:
        return _refused(request, error)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
