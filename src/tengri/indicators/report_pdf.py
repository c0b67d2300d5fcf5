"""The season report as a PDF (A4): the same `ShownReport` the HTML page lays out, with the charts as
pictures and the sources at the end.

Drawn with reportlab's platypus (flowing paragraphs and tables, page breaks found for us) in DejaVu Sans,
which matplotlib ships and which covers Cyrillic: the Russian report needs no font on the machine.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tengri.indicators.charts import chart_image
from tengri.indicators.report import REGISTRY, SeasonReport
from tengri.indicators.report_text import ShownFigure, ShownReport, ShownTable, date_text, report_shown

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK, RULE, SHADE = colors.HexColor("#14334f"), colors.HexColor("#b8c4cf"), colors.HexColor("#eef2f5")
WIDTH = A4[0] - 36 * mm  # the text column


@cache
def _fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    return {
        "body": body,
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=17, leading=21, textColor=INK),
        "h2": ParagraphStyle(
            "h2", body, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=9, textColor=INK, keepWithNext=1
        ),
        "h3": ParagraphStyle("h3", body, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, keepWithNext=1),
        "cell": ParagraphStyle("cell", body, fontSize=7.5, leading=9.5),
        "number": ParagraphStyle("number", body, fontSize=7.5, leading=9.5, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", body, fontName=BOLD, fontSize=7.5, leading=9.5),
        "headnum": ParagraphStyle("headnum", body, fontName=BOLD, fontSize=7.5, leading=9.5, alignment=TA_RIGHT),
        "note": ParagraphStyle("note", body, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")),
        "lead": ParagraphStyle(
            "lead", body, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444"), keepWithNext=1
        ),
        "source": ParagraphStyle("source", body, fontSize=7.5, leading=10, leftIndent=8 * mm, firstLineIndent=-8 * mm),
    }


def report_pdf(report: SeasonReport, lang: str) -> bytes:
    """The report in `lang` (labels come from the active translation: activate `lang` around the call)."""
    shown = report_shown(report, lang)
    buffer = io.BytesIO()
    title = _("Khan Tengri routes: season report %(year)s") % {"year": report.year}
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=_("Kazakhstan–Kyrgyzstan Intergovernmental Council"),
        lang=lang,
    )
    story = _opening(shown, title) + _tourism(shown) + _trade(shown) + _sources(shown)
    footer = _("Season report %(year)s · page") % {"year": report.year}
    document.build(story, onFirstPage=_page_footer(footer), onLaterPages=_page_footer(footer))
    return buffer.getvalue()


def _page_footer(text: str):
    def draw(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"{text} {document.page}")
        canvas.restoreState()

    return draw


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, _styles()[style])


def _mark(*refs: int) -> str:
    return "".join(f"<super>[{ref}]</super>" for ref in refs)


def _opening(shown: ShownReport, title: str) -> list:
    report = shown.report
    season = (
        _("The season as the registry's routes are open") if report.season_from == REGISTRY else _("The calendar year")
    )
    lines = [
        _p(escape(title), "title"),
        Spacer(1, 3 * mm),
        _p(f"<b>{escape(_('Season'))}:</b> {escape(shown.period)} ({escape(season)})"),
        _p(f"<b>{escape(_('Compared with'))}:</b> {escape(shown.previous)}"),
    ]
    if report.made_at:
        made = _("Made")  # outside the f-string: gettext's extractor does not look inside one
        lines.append(_p(f"<b>{escape(made)}:</b> {escape(date_text(report.made_at.date(), shown.lang))}"))
    lines.append(
        _p(
            escape(
                _(
                    "Tourism figures are counted from Tengri's own records and are exact; trade figures are those "
                    "published by the two states' statistics and the council. Each number carries a mark [n] "
                    "that leads to its source at the end."
                )
            ),
            "note",
        )
    )
    return lines


def _figures_table(figures: tuple[ShownFigure, ...]) -> Table:
    head = [_("Figure"), _("Season"), _("A year earlier"), _("Growth")]
    rows = [[_p(escape(text), "headnum" if index else "head") for index, text in enumerate(head)]]
    for figure in figures:
        rows.append(
            [
                _p(escape(figure.label) + _mark(figure.ref), "cell"),
                _p(escape(figure.value), "number"),
                _p(escape(figure.previous), "number"),
                _p(escape(figure.growth), "number"),
            ]
        )
    return _grid(rows, [WIDTH * 0.52, WIDTH * 0.16, WIDTH * 0.16, WIDTH * 0.16])


def _grid(rows: list, widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _data_table(table: ShownTable) -> list:
    caption = _p(f"{escape(table.label)}{_mark(table.ref)}", "h3")
    rows = [[_p(escape(heading), "headnum" if numeric else "head") for heading, numeric in table.numeric_headings]]
    for row in table.rows:
        rows.append([_p(escape(cell), "number" if table.numeric[index] else "cell") for index, cell in enumerate(row)])
    if len(rows) == 1:
        rows.append([_p(escape(_("No data for this period")), "cell")] + [""] * (len(table.headings) - 1))
    widths = [WIDTH / len(table.headings)] * len(table.headings)
    return [caption, _grid(rows, widths)]  # the caption keeps with the table; a long table repeats its head


def _tourism(shown: ShownReport) -> list:
    story: list = [_p(escape(_("Tourism: headline figures")), "h2"), _figures_table(shown.headline)]
    charts = {section.key: section for section in shown.report.sections}
    for section in shown.sections:
        story.append(_p(escape(section.title), "h2"))
        if section.chart:
            drawn = charts[section.key].chart_data
            assert drawn is not None  # a section has a chart only with the chart's table
            picture = Image(io.BytesIO(chart_image(section.chart, drawn, "png", height=2.8)), WIDTH, WIDTH * 2.8 / 7.0)
            story += [picture, _p(escape(_("Chart drawn from source")) + f" [{section.chart_ref}]", "note")]
        if section.figures:
            story.append(_figures_table(section.figures))
        for table in section.tables:
            story += _data_table(table)
    return story


def _trade(shown: ShownReport) -> list:
    trade = shown.report.trade
    story: list = [_p(escape(_("Trade between Kazakhstan and Kyrgyzstan")), "h2")]
    if not shown.entries:
        story.append(_p(escape(_("The ledger holds no reported trade figures for these years.")), "note"))
        return story
    years = ", ".join(str(year) for year in trade.years)
    story.append(
        _p(
            escape(
                _("Figures as reported (periods ending in %(years)s), each with who published it and where.")
                % {"years": years}
            ),
            "lead",
        )
    )
    head = [_("Period"), _("Indicator"), _("Reported by"), _("Value"), _("Growth"), _("Published")]
    rows = [[_p(escape(text), "head") for text in head]]
    for entry in shown.entries:
        rows.append(
            [
                _p(escape(entry.period), "cell"),
                _p(escape(entry.indicator) + _mark(entry.ref), "cell"),
                _p(escape(entry.side), "cell"),
                _p(escape(entry.value), "number"),
                _p(escape(entry.growth), "number"),
                _p(escape(f"{entry.publisher}, {entry.published}"), "cell"),
            ]
        )
    story.append(_grid(rows, [WIDTH * share for share in (0.14, 0.2, 0.16, 0.16, 0.1, 0.24)]))
    if shown.derived:
        story.append(_p(escape(_("Derived figures (computed, never published)")), "h3"))
        head = [_("Figure"), _("Value"), _("Range (rounding)"), _("How")]
        rows = [[_p(escape(text), "head") for text in head]]
        for item in shown.derived:
            marks = _mark(*item.refs)
            rows.append(
                [
                    _p(f"<b>{escape(_('DERIVED'))}</b> {escape(item.label)}{marks}", "cell"),
                    _p(escape(item.value), "number"),
                    _p(escape(item.range), "number"),
                    _p(escape(item.explanation), "cell"),
                ]
            )
        story.append(_grid(rows, [WIDTH * share for share in (0.3, 0.15, 0.2, 0.35)]))
    if shown.mirror:
        story.append(_p(escape(_("Mirror statistics: the same period as each side reports it")), "h3"))
        head = [_("Period"), _("Indicator"), _("Kazakhstan"), _("Kyrgyzstan"), _("Gap"), _("Gap %")]
        rows = [[_p(escape(text), "head") for text in head]]
        for row in shown.mirror:
            rows.append(
                [
                    _p(escape(row.period), "cell"),
                    _p(escape(row.indicator) + _mark(*row.refs), "cell"),
                    _p(escape(row.kz), "number"),
                    _p(escape(row.kg), "number"),
                    _p(escape(row.gap), "number"),
                    _p(escape(row.gap_pct), "number"),
                ]
            )
        story.append(_grid(rows, [WIDTH * share for share in (0.16, 0.22, 0.17, 0.17, 0.16, 0.12)]))
    return story


def _sources(shown: ShownReport) -> list:
    story: list = [_p(escape(_("Sources")), "h2")]
    for source in shown.report.sources:
        link = f' <link href="{escape(source.url)}" color="blue">{escape(source.url)}</link>' if source.url else ""
        story.append(_p(f"[{source.number}] {escape(source.text)}{link}", "source"))
    return story
