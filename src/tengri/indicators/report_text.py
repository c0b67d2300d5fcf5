"""The report written out for people: numbers and dates in the reader's language, tables as cells of text.

The HTML page, the PDF and the CLI share these, so a number reads the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.utils.translation import gettext_lazy

from tengri.indicators.figures import Period, Table
from tengri.indicators.report import CitedFigure, CitedTable, SeasonReport

COLUMN_LABELS = {
    "month": gettext_lazy("Month"),
    "checkpoint": gettext_lazy("Checkpoint"),
    "direction": gettext_lazy("Direction"),
    "persons": gettext_lazy("Persons"),
    "nationality": gettext_lazy("Nationality"),
    "entries": gettext_lazy("Entries"),
    "exits": gettext_lazy("Exits"),
    "route": gettext_lazy("Route"),
    "day": gettext_lazy("Day"),
    "authority": gettext_lazy("Authority"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "median_hours": gettext_lazy("Median hours"),
    "reason": gettext_lazy("Reason"),
    "applications": gettext_lazy("Applications"),
    "stage": gettext_lazy("Stage"),
    "outcome": gettext_lazy("Outcome"),
    "alerts": gettext_lazy("Alerts"),
    "kind": gettext_lazy("Kind"),
    "resource": gettext_lazy("Resource"),
    "capacity_place_days": gettext_lazy("Place-days offered"),
    "used_place_days": gettext_lazy("Place-days used"),
    "occupancy_pct": gettext_lazy("Occupancy %"),
}


# --- Numbers and dates for people -------------------------------------------------------------------


def number_text(value: object, lang: str, *, unit: str = "") -> str:
    """A number as the language writes it (1 234,5 in Russian, 1,234.5 in English); "–" for none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, Decimal):  # a published figure keeps its digits: "1.340" stays 1.340
        exponent = value.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    elif isinstance(value, int) or float(value).is_integer():
        pattern = "#,##0"
    else:
        pattern = "#,##0.0#"
    text = format_decimal(value, format=pattern, locale=_locale(lang))
    return f"{text} {unit}".strip() if unit and unit != "%" else text + ("\u00a0%" if unit == "%" else "")


def growth_text(growth: float | None, lang: str) -> str:
    if growth is None:
        return "–"
    return format_percent(growth / 100.0, format="+#,##0.0%;-#,##0.0%", locale=_locale(lang))


def published_growth_text(growth: object, lang: str) -> str:
    """A published growth rate with the digits it was published with: +21 % stays "+21%", +11.6 % "+11.6%"
    (growth_text's one decimal would add a digit nobody published). A float has no published digits."""
    if growth is None:
        return "–"
    if not isinstance(growth, Decimal):
        return growth_text(float(growth), lang)  # type: ignore[arg-type]
    exponent = growth.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_percent(growth / 100, format=f"+{digits}%;-{digits}%", locale=_locale(lang))


def date_text(day: date | None, lang: str) -> str:
    return format_date(day, format="long", locale=_locale(lang)) if day else "–"


def period_text(period: Period, lang: str) -> str:
    return f"{date_text(period.first, lang)} – {date_text(period.last, lang)}"


def column_label(column: str) -> str:
    return str(COLUMN_LABELS.get(column, column))


def _locale(lang: str) -> str:
    return {"en": "en_GB", "ru": "ru_RU", "kk": "kk_KZ", "ky": "ky_KG"}.get(lang, "en_GB")


@dataclass(frozen=True)
class ShownTable:
    """A table as the reader sees it: headings and cells written out in the reader's language."""

    key: str
    label: str
    ref: int
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = field(default_factory=tuple)

    @property
    def cells(self) -> tuple[tuple[tuple[str, bool], ...], ...]:
        """Each row's cells with whether they are numbers (right-aligned)."""
        return tuple(tuple(zip(row, self.numeric, strict=True)) for row in self.rows)

    @property
    def numeric_headings(self) -> tuple[tuple[str, bool], ...]:
        return tuple(zip(self.headings, self.numeric, strict=True))


def table_shown(cited: CitedTable, lang: str) -> ShownTable:
    table = cited.table
    numeric = tuple(
        column in table.count_columns or _is_number_column(table, index) for index, column in enumerate(table.columns)
    )
    rows = tuple(
        tuple(
            number_text(cell, lang) if numeric[index] else (cell.isoformat() if isinstance(cell, date) else str(cell))
            for index, cell in enumerate(row)
        )
        for row in table.rows
    )
    headings = tuple(column_label(column) for column in table.columns)
    return ShownTable(table.key, table.label, cited.ref, headings, rows, numeric)


def _is_number_column(table: Table, index: int) -> bool:
    cells = [row[index] for row in table.rows if row[index] is not None]
    return bool(cells) and all(isinstance(cell, int | float | Decimal) and not isinstance(cell, bool) for cell in cells)


@dataclass(frozen=True)
class ShownFigure:
    key: str
    label: str
    value: str
    previous: str
    growth: str
    ref: int


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    chart: str
    chart_ref: int
    tables: tuple[ShownTable, ...]
    figures: tuple[ShownFigure, ...]


@dataclass(frozen=True)
class ShownEntry:
    id: int
    period: str
    indicator: str
    side: str
    value: str
    growth: str
    publisher: str
    published: str
    url: str
    ref: int


@dataclass(frozen=True)
class ShownDerived:
    label: str
    value: str
    range: str
    explanation: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class ShownMirror:
    period: str
    indicator: str
    kz: str
    kg: str
    gap: str
    gap_pct: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class ShownReport:
    """Everything the page and the PDF print, already written out: they only lay it out."""

    report: SeasonReport
    lang: str
    period: str
    previous: str
    headline: tuple[ShownFigure, ...]
    sections: tuple[ShownSection, ...]
    entries: tuple[ShownEntry, ...]
    derived: tuple[ShownDerived, ...]
    mirror: tuple[ShownMirror, ...]


def figure_shown(cited: CitedFigure, lang: str) -> ShownFigure:
    figure = cited.figure
    return ShownFigure(
        figure.key,
        figure.label[:1].upper() + figure.label[1:],
        number_text(figure.value, lang, unit=figure.unit),
        number_text(figure.previous, lang, unit=figure.unit),
        growth_text(figure.growth_pct, lang),
        cited.ref,
    )


def report_shown(report: SeasonReport, lang: str) -> ShownReport:
    sections = tuple(
        ShownSection(
            section.key,
            section.title,
            section.chart,
            section.chart_ref,
            tuple(table_shown(table, lang) for table in section.tables),
            tuple(figure_shown(figure, lang) for figure in section.figures),
        )
        for section in report.sections
    )
    trade = report.trade
    entries = tuple(
        ShownEntry(
            entry.entry_id,
            entry.period,
            entry.indicator,
            entry.side,
            entry.bound + number_text(entry.value, lang, unit=entry.currency),
            published_growth_text(entry.growth_pct, lang),
            entry.publisher,
            date_text(entry.published, lang),
            entry.url,
            entry.ref,
        )
        for entry in trade.entries
    )
    derived = tuple(
        ShownDerived(
            item.label,
            number_text(item.value, lang, unit=item.currency),
            f"{number_text(item.low, lang)} – {number_text(item.high, lang, unit=item.currency)}",
            item.explanation,
            item.refs,
        )
        for item in trade.derived
    )
    mirror = tuple(
        ShownMirror(
            row.period,
            row.indicator,
            number_text(row.kz_value, lang, unit=row.currency),
            number_text(row.kg_value, lang, unit=row.currency),
            number_text(row.gap, lang, unit=row.currency),
            growth_text(row.gap_pct, lang),
            row.refs,
        )
        for row in trade.mirror
    )
    return ShownReport(
        report,
        lang,
        period_text(report.period, lang),
        period_text(report.previous, lang),
        tuple(figure_shown(cited, lang) for cited in report.headline),
        sections,
        entries,
        derived,
        mirror,
    )
