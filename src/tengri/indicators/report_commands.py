"""`tengri report season`: the season report as a PDF (and an HTML file); `tengri indicators`: the
headline figures of any period beside a year earlier."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from tengri.core.commandline import EXIT_OK, print_json
from tengri.core.errors import InvalidInput

REPORT_LANGUAGES = ("en", "ru", "kk", "ky")


def register(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="the season report (PDF, HTML)").add_subparsers(title="report commands")
    season = report.add_parser("season", help="the season report of a year: tourism figures, trade, sources")
    season.add_argument("--year", type=int, required=True, help="the season's year, e.g. 2026")
    season.add_argument("--out", type=Path, required=True, help="where to write the PDF")
    season.add_argument("--lang", choices=REPORT_LANGUAGES, default="en", help="language of the report")
    season.add_argument("--html", type=Path, default=None, help="also write the report as one HTML file here")
    season.set_defaults(handler=_season)
    indicators = commands.add_parser("indicators", help="headline tourism figures of a period, with growth")
    indicators.add_argument("--from", dest="first", type=_date, required=True, help="first day (YYYY-MM-DD)")
    indicators.add_argument("--to", dest="last", type=_date, required=True, help="last day, included")
    indicators.add_argument("--json", action="store_true")
    indicators.set_defaults(handler=_indicators)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _season(args) -> int:
    from django.utils import timezone, translation

    from tengri.indicators.report import season_report
    from tengri.indicators.report_pdf import report_pdf

    if not 2000 <= args.year <= 2100:
        raise InvalidInput(f"the year {args.year} is outside 2000..2100")
    with translation.override(args.lang):
        report = season_report(args.year, made_at=timezone.now())
        pdf = report_pdf(report, args.lang)
        html = report_standalone_html(report, args.lang) if args.html else ""
    _write(args.out, pdf)
    print(f"{args.out}: season {report.period} ({report.season_from}), {len(report.sources)} sources, {len(pdf)} bytes")
    if args.html:
        _write(args.html, html.encode())
        print(f"{args.html}: the same report as HTML")
    return EXIT_OK


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror}") from None


def report_standalone_html(report, lang: str) -> str:
    """One HTML file with the charts inside it (SVG), readable without the server."""
    from django.template.loader import render_to_string

    from tengri.indicators.charts import chart_image
    from tengri.indicators.report_text import report_shown

    charts = {
        section.chart: _svg_inline(chart_image(section.chart, section.chart_data, "svg"))
        for section in report.sections
        if section.chart and section.chart_data is not None
    }
    return render_to_string(
        "indicators/report_standalone.html", {"shown": report_shown(report, lang), "charts": charts, "inline": True}
    )


def _svg_inline(svg: bytes) -> str:
    """The <svg> element alone (no XML declaration or doctype) to sit inside HTML."""
    text = svg.decode()
    return text[text.index("<svg") :]


def _indicators(args) -> int:
    from tengri.indicators.figures import Period
    from tengri.indicators.report_text import growth_text, number_text
    from tengri.indicators.tourism import tourism_indicators

    if args.last < args.first:
        raise InvalidInput("the period ends before it begins: --to must not be before --from")
    indicators = tourism_indicators(Period(args.first, args.last))
    if args.json:
        print_json(
            {
                "period": {"first": args.first.isoformat(), "last": args.last.isoformat()},
                "previous": {
                    "first": indicators.previous.first.isoformat(),
                    "last": indicators.previous.last.isoformat(),
                },
                "figures": [
                    {
                        "key": figure.key,
                        "label": figure.label,
                        "value": figure.value,
                        "previous": figure.previous,
                        "growth_pct": None if figure.growth_pct is None else round(figure.growth_pct, 2),
                        "unit": figure.unit,
                        "source": figure.source,
                    }
                    for figure in indicators.figures
                ],
            }
        )
        return EXIT_OK
    print(f"{indicators.period} against {indicators.previous}")
    print(f"{'figure':<32}{'period':>12}{'year earlier':>14}{'growth':>10}")
    for figure in indicators.figures:
        value, previous = (number_text(number, "en", unit=figure.unit) for number in (figure.value, figure.previous))
        print(f"{figure.key:<32}{value:>12}{previous:>14}{growth_text(figure.growth_pct, 'en'):>10}")
    sys.stdout.flush()
    return EXIT_OK
