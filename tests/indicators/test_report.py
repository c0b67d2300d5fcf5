"""The season report: every number cited, the model rendered as HTML and PDF (the PDF opened, its text read),
the season's dates, and the command that writes it."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tengri.core.errors import InvalidInput
from tengri.indicators.figures import Figure, Period
from tengri.indicators.report import (
    CALENDAR,
    LEDGER,
    QUERY,
    REGISTRY,
    DerivedEntry,
    TradeInput,
    period_parse,
    report_assemble,
    season_period,
)
from tengri.indicators.report_commands import report_standalone_html
from tengri.indicators.report_pdf import report_pdf
from tengri.indicators.report_text import number_text, report_shown
from tests.indicators.report_world import SEASON, constructed_report, figures, tables, trade


def pdf_text(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


# --- Every number traces to a source --------------------------------------------------------------------


def test_every_number_in_the_report_traces_to_a_source():
    report = constructed_report()
    cited = list(report.citations())
    what_went_in = len(figures()) + len(trade().entries) + len(trade().derived) + len(trade().mirror)
    assert len(cited) >= what_went_in  # the walk sees every figure, table, chart and ledger line
    for what, ref in cited:
        assert 1 <= ref <= len(report.sources), f"{what} cites [{ref}], which is not in the sources"
        assert report.source(ref).text.strip(), f"{what} cites an empty source"
    # A figure cites its own query, a table its own, a ledger line its entry and URL.
    for cited_figure in report.headline + tuple(f for section in report.sections for f in section.figures):
        assert report.source(cited_figure.ref) == report.sources[cited_figure.ref - 1]
        assert report.source(cited_figure.ref).text == cited_figure.figure.source
        assert report.source(cited_figure.ref).kind == QUERY
    for section in report.sections:
        for table in section.tables:
            assert report.source(table.ref).text == table.table.source
        if section.chart:
            assert section.chart_data is not None
            assert report.source(section.chart_ref).text == section.chart_data.source
    for entry in report.trade.entries:
        source = report.source(entry.ref)
        assert source.kind == LEDGER and source.url == entry.url
        assert f"#{entry.entry_id}" in source.text
    (derived,) = report.trade.derived
    assert [report.source(ref).text for ref in derived.refs] == [report.source(report.trade.entries[0].ref).text]
    (mirror,) = report.trade.mirror
    assert {report.source(ref).text for ref in mirror.refs} == {
        report.source(entry.ref).text for entry in report.trade.entries if entry.entry_id in (12, 13)
    }


def test_every_figure_and_table_that_went_in_comes_out_cited_once():
    report = constructed_report()
    shown_figures = [cited.figure.key for cited in report.headline] + [
        cited.figure.key for section in report.sections for cited in section.figures
    ]
    assert sorted(shown_figures) == sorted(figure.key for figure in figures())
    shown_tables = {table.table.key for section in report.sections for table in section.tables}
    assert shown_tables == set(tables()) - {"persons.by_route_day"}  # that one is drawn, not printed
    assert {section.chart for section in report.sections if section.chart} == {
        "flows",
        "nationality",
        "routes",
        "occupancy",
        "decisions",
    }
    assert len({source.text for source in report.sources}) == len(report.sources)  # one number per source


@pytest.mark.parametrize("source", ["", "   "])
def test_a_figure_without_a_source_cannot_enter_the_report(source):
    unsourced = [*figures(), Figure("crossings.exits", "Exits", 3, 2, source)]
    with pytest.raises(ValueError, match="without a source"):
        report_assemble(
            year=2027, period=SEASON, season_from=REGISTRY, figures=unsourced, tables={}, trade=TradeInput()
        )


def test_a_table_without_a_source_cannot_enter_the_report():
    broken = {**tables(), "rejections.by_reason": replace(tables()["rejections.by_reason"], source="")}
    with pytest.raises(ValueError, match="without a source"):
        report_assemble(year=2027, period=SEASON, season_from=REGISTRY, figures=figures(), tables=broken, trade=trade())


def test_a_derived_figure_must_come_from_entries_the_report_shows():
    orphan = DerivedEntry("base", Decimal(1), Decimal(1), Decimal(1), "USD bn", "1 / 1", (99,))
    with pytest.raises(ValueError, match="99"):
        constructed_report(TradeInput(trade().entries, [orphan], []))
    unsourced = DerivedEntry("base", Decimal(1), Decimal(1), Decimal(1), "USD bn", "1 / 1", ())
    with pytest.raises(ValueError, match="none"):
        constructed_report(TradeInput(trade().entries, [unsourced], []))


def test_an_empty_table_draws_no_chart_but_keeps_its_table():
    empty = {**tables(), "crossings.by_month_checkpoint": replace(tables()["crossings.by_month_checkpoint"], rows=())}
    report = report_assemble(
        year=2027, period=SEASON, season_from=REGISTRY, figures=[], tables=empty, trade=TradeInput()
    )
    flows = next(section for section in report.sections if section.key == "flows")
    assert flows.chart == "" and flows.chart_ref == 0
    assert [table.table.key for table in flows.tables] == ["crossings.by_month_checkpoint"]


# --- Rendered: HTML and PDF -----------------------------------------------------------------------------


def test_the_report_renders_as_html_with_marks_leading_to_the_sources():
    report = constructed_report()
    with translation.override("en"):
        html = report_standalone_html(report, "en")
    assert "<svg" in html and html.count('class="sources"') == 1
    marks = set(re.findall(r'href="#source-(\d+)"', html))
    anchors = set(re.findall(r'id="source-(\d+)"', html))
    assert marks == anchors == {str(source.number) for source in report.sources}
    assert "1,234" in html and "+23.4%" in html  # applications filed 1234 against 1000
    assert "DERIVED" in html and "https://24.kg/english/321020" in html


def test_the_report_page_template_links_charts_instead_of_embedding_them():
    report = constructed_report()
    with translation.override("en"):
        html = render_to_string(
            "indicators/report_body.html",
            {"shown": report_shown(report, "en"), "charts": {"flows": "/charts/flows.svg"}, "inline": False},
        )
    assert '<img src="/charts/flows.svg"' in html and "<svg" not in html


def test_the_pdf_has_the_headline_numbers_and_the_sources(tmp_path):
    report = constructed_report()
    with translation.override("en"):
        pdf = report_pdf(report, "en")
    assert pdf.startswith(b"%PDF")
    pages = pdf_text(pdf)
    text = "\n".join(pages)
    for number in ("1,234", "1,000", "+23.4%", "8,642", "26.5 h"):
        assert number in text
    assert "Sources" in pages[-1]
    for source in report.sources:
        assert f"[{source.number}]" in text
    assert "inform.kz" in text.replace("\r\n", "").replace("\n", "")
    document = pdfium.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=1).to_pil()
    finally:
        document.close()
    picture.save(tmp_path / "page-1.png")
    # A blank page renders white; ours has dark ink (the title, the tables) on at least 1 % of it.
    grey = picture.convert("L")
    dark = sum(grey.histogram()[:128])
    assert dark > 0.01 * grey.width * grey.height


def test_the_russian_pdf_writes_cyrillic_and_russian_numbers():
    russian = [
        replace(figure, label="Пересечения границы") if figure.key == "crossings.total" else figure
        for figure in figures()
    ]
    report = report_assemble(
        year=2027, period=SEASON, season_from=REGISTRY, figures=russian, tables=tables(), trade=trade()
    )
    with translation.override("ru"):
        pdf = report_pdf(report, "ru")
    text = "\n".join(pdf_text(pdf))
    assert "Пересечения границы" in text  # the font has the glyphs and the text layer keeps them
    assert "8\u00a0642" in text or "8 642" in text  # Russian groups thousands with a space
    assert "1 июля 2027" in text  # dates as Russian writes them


def test_numbers_are_written_as_the_language_writes_them():
    assert number_text(1234567, "en") == "1,234,567"
    assert number_text(1234567, "ru").replace("\u00a0", " ") == "1 234 567"
    assert number_text(26.5, "ru", unit="h") == "26,5 h"
    assert number_text(Decimal("1.340"), "en") == "1.340"  # a published figure keeps its digits
    assert number_text(None, "en") == "–"


# --- The season's dates -----------------------------------------------------------------------------------


def test_the_season_is_the_registry_routes_open_window(demo_season):
    from tengri.registry.models import Route

    period, source = season_period(2027)
    opens = min(Route.objects.values_list("season_opens", flat=True))
    closes = max(Route.objects.values_list("season_closes", flat=True))
    assert source == REGISTRY
    assert (period.first.isoformat()[5:], period.last.isoformat()[5:]) == (opens, closes)
    assert period.first.year == period.last.year == 2027


def test_without_routes_the_season_is_the_calendar_year(db):
    assert season_period(2026) == (Period(date(2026, 1, 1), date(2026, 12, 31)), CALENDAR)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2027-13-01", "2027-12-31", "YYYY-MM-DD"),
        ("yesterday", None, "YYYY-MM-DD"),
        ("2027-08-01", "2027-07-01", "ends before it begins"),
        ("2020-01-01", "2027-01-01", "at most"),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(first, last, message):
    with pytest.raises(InvalidInput, match=message):
        period_parse(first, last, SEASON)


def test_a_missing_day_takes_the_default():
    assert period_parse(None, "2027-08-01", SEASON) == Period(SEASON.first, date(2027, 8, 1))
