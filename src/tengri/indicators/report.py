"""The season report: what the council reads at the end of a season.

A `SeasonReport` holds the tourism indicators of the season beside the same period a year earlier, and
the trade section of the ledger (reported figures with their sources, derived figures marked as such,
mirror statistics). Every number in it is cited: it carries a reference mark [n] into the report's
`sources`, which name the query that counted it or the ledger entry and its URL.

A number without a source cannot enter the report: the only way in is `Sources.cite`, which refuses an
empty source. The HTML page, the PDF and the CLI all render the same `SeasonReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tengri.core.errors import InvalidInput
from tengri.indicators.charts import CHARTS
from tengri.indicators.figures import Figure, Number, Period, Table

CALENDAR, REGISTRY = "calendar", "registry"  # where the season's dates come from
QUERY, LEDGER = "query", "ledger"  # what a source is

# Report sections in reading order: (key, title, tables, chart, figure key prefixes).
SECTIONS: tuple[tuple[str, Any, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("flows", gettext_lazy("Crossings by month and checkpoint"), ("crossings.by_month_checkpoint",), "flows", ()),
    ("nationality", gettext_lazy("Crossings by nationality"), ("crossings.by_nationality",), "nationality", ()),
    ("routes", gettext_lazy("Persons on the routes per day"), (), "routes", ()),
    ("occupancy", gettext_lazy("Occupancy of capacity"), ("capacity.occupancy",), "occupancy", ()),
    ("decisions", gettext_lazy("Decision times per authority"), ("decisions.by_authority",), "decisions", ()),
    ("rejections", gettext_lazy("Rejections by reason"), ("rejections.by_reason",), "", ()),
    ("alerts", gettext_lazy("Overdue alerts and their outcomes"), ("alerts.by_stage_outcome",), "", ("alerts.",)),
    (
        "notices",
        gettext_lazy("Summit and descent notices"),
        (),
        "",
        ("summits.", "descents."),
    ),
)

# --- Sources: the only way a number enters the report ----------------------------------------------


@dataclass(frozen=True)
class Source:
    number: int
    kind: str  # QUERY or LEDGER
    text: str  # the query, or the ledger entry with its publisher and date
    url: str = ""


class Sources:
    """Numbers the sources in the order they are first cited; the same source cited twice keeps its number."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str, str], int] = {}
        self.items: list[Source] = []

    def cite(self, text: str, *, kind: str = QUERY, url: str = "") -> int:
        if not (text or "").strip():
            raise ValueError("a number without a source cannot enter the report")
        key = (kind, text.strip(), url)
        if key not in self._numbers:
            self._numbers[key] = len(self.items) + 1
            self.items.append(Source(len(self.items) + 1, kind, text.strip(), url))
        return self._numbers[key]


# --- The report model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedFigure:
    figure: Figure
    ref: int


@dataclass(frozen=True)
class CitedTable:
    table: Table
    ref: int


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    tables: tuple[CitedTable, ...]
    chart: str  # a chart of `charts.CHARTS`, or ""
    chart_ref: int  # the source of the chart's table (0 without a chart)
    figures: tuple[CitedFigure, ...] = ()
    chart_data: Table | None = None  # the table the chart draws


@dataclass(frozen=True)
class ReportedEntry:
    """A trade figure as a statistics office or the council reported it (one ledger entry)."""

    entry_id: int
    period: str  # as reported, e.g. "Jan–Aug 2025"
    period_last: date
    indicator: str
    side: str  # who reported it
    value: Number
    currency: str
    growth_pct: Number | None
    publisher: str
    published: date | None
    url: str
    ref: int = 0
    bound: str = ""  # ">" for "more than", "<" for "less than", "" as published


@dataclass(frozen=True)
class DerivedEntry:
    """A figure nobody published, computed from reported ones: shown with its range and formula."""

    label: str
    value: Number | None
    low: Number | None  # None: unbounded on that side
    high: Number | None
    currency: str
    explanation: str
    from_entries: tuple[int, ...]
    refs: tuple[int, ...] = ()


@dataclass(frozen=True)
class MirrorRow:
    """The same period and indicator as each side reported it, and the gap between them."""

    period: str
    indicator: str
    kz_value: Number | None
    kg_value: Number | None
    gap: Number | None
    gap_pct: float | None
    currency: str
    from_entries: tuple[int, ...]
    refs: tuple[int, ...] = ()


@dataclass(frozen=True)
class TradeInput:
    entries: Sequence[ReportedEntry] = ()
    derived: Sequence[DerivedEntry] = ()
    mirror: Sequence[MirrorRow] = ()


@dataclass(frozen=True)
class TradeSection:
    entries: tuple[ReportedEntry, ...]
    derived: tuple[DerivedEntry, ...]
    mirror: tuple[MirrorRow, ...]
    years: tuple[int, ...]  # the years of the reported periods shown


@dataclass(frozen=True)
class SeasonReport:
    year: int
    period: Period
    previous: Period
    season_from: str  # REGISTRY or CALENDAR
    headline: tuple[CitedFigure, ...]
    sections: tuple[Section, ...]
    trade: TradeSection
    sources: tuple[Source, ...]
    made_at: datetime | None = None

    def citations(self) -> Iterator[tuple[str, int]]:
        """Every cited thing in the report (what, its reference number): the walk that proves each number
        traces to a source."""
        for cited in self.headline:
            yield f"figure {cited.figure.key}", cited.ref
        for section in self.sections:
            for cited in section.figures:
                yield f"figure {cited.figure.key}", cited.ref
            for table in section.tables:
                yield f"table {table.table.key}", table.ref
            if section.chart:
                yield f"chart {section.chart}", section.chart_ref
        for entry in self.trade.entries:
            yield f"ledger entry {entry.entry_id}", entry.ref
        for derived in self.trade.derived:
            for ref in derived.refs or (0,):
                yield f"derived {derived.label}", ref
        for row in self.trade.mirror:
            for ref in row.refs or (0,):
                yield f"mirror {row.period} {row.indicator}", ref

    def source(self, ref: int) -> Source:
        return self.sources[ref - 1]


def report_assemble(
    *,
    year: int,
    period: Period,
    season_from: str,
    figures: Sequence[Figure],
    tables: dict[str, Table],
    trade: TradeInput,
    made_at: datetime | None = None,
) -> SeasonReport:
    """The report from indicators already counted: every figure, table, chart and ledger number cited."""
    sources = Sources()
    by_key = {figure.key: figure for figure in figures}
    sectioned = {
        key for _s, _t, _tables, _c, prefixes in SECTIONS for key in by_key if key.startswith(prefixes or ("\0",))
    }
    headline = tuple(
        CitedFigure(figure, sources.cite(figure.source)) for figure in figures if figure.key not in sectioned
    )
    sections = []
    for key, title, table_keys, chart, prefixes in SECTIONS:
        cited_tables = tuple(
            CitedTable(tables[name], sources.cite(tables[name].source)) for name in table_keys if name in tables
        )
        chart_table = CHARTS[chart][0] if chart else ""
        # An empty table draws no chart (its table, or the absence of one, says "no data").
        drawn_rows = chart and chart_table in tables and tables[chart_table].rows
        chart_ref = sources.cite(tables[chart_table].source) if drawn_rows else 0
        cited_figures = tuple(
            CitedFigure(by_key[name], sources.cite(by_key[name].source))
            for name in sorted(by_key)
            if prefixes and name.startswith(prefixes)
        )
        if cited_tables or chart_ref or cited_figures:
            drawn = tables[chart_table] if chart_ref else None
            sections.append(
                Section(key, str(title), cited_tables, chart if chart_ref else "", chart_ref, cited_figures, drawn)
            )
    return SeasonReport(
        year=year,
        period=period,
        previous=period.year_earlier(),
        season_from=season_from,
        headline=headline,
        sections=tuple(sections),
        trade=_trade_cite(trade, sources),
        sources=tuple(sources.items),
        made_at=made_at,
    )


def _trade_cite(trade: TradeInput, sources: Sources) -> TradeSection:
    entries = tuple(
        ReportedEntry(**{**entry.__dict__, "ref": sources.cite(_entry_source(entry), kind=LEDGER, url=entry.url)})
        for entry in trade.entries
    )
    refs = {entry.entry_id: entry.ref for entry in entries}
    derived = tuple(
        DerivedEntry(**{**item.__dict__, "refs": _refs(item.from_entries, refs, item.label)}) for item in trade.derived
    )
    mirror = tuple(
        MirrorRow(**{**row.__dict__, "refs": _refs(row.from_entries, refs, row.period)}) for row in trade.mirror
    )
    years = tuple(sorted({entry.period_last.year for entry in entries}))
    return TradeSection(entries, derived, mirror, years)


def _entry_source(entry: ReportedEntry) -> str:
    published = entry.published.isoformat() if entry.published else _("date not recorded")
    return _("ledger entry #%(id)s: %(side)s, %(indicator)s %(period)s; published by %(publisher)s, %(date)s") % {
        "id": entry.entry_id,
        "side": entry.side,
        "indicator": entry.indicator,
        "period": entry.period,
        "publisher": entry.publisher or entry.side,
        "date": published,
    }


def _refs(entry_ids: Sequence[int], refs: dict[int, int], what: str) -> tuple[int, ...]:
    """A derived or mirror figure cites the entries it came from; those must be in the report."""
    missing = [entry_id for entry_id in entry_ids if entry_id not in refs]
    if missing or not entry_ids:
        raise ValueError(f"{what}: comes from ledger entries {missing or '(none)'} that the report does not show")
    return tuple(refs[entry_id] for entry_id in entry_ids)


# --- The season's dates -----------------------------------------------------------------------------


def season_period(year: int) -> tuple[Period, str]:
    """The season of `year`: from the earliest opening to the latest closing of the registry's routes, or
    the calendar year when no route has a season that stays within one year."""
    from tengri.registry.models import Route

    windows = [(opens, closes) for opens, closes in Route.objects.values_list("season_opens", "season_closes")]
    within_year = [(opens, closes) for opens, closes in windows if opens and closes and opens <= closes]
    if not within_year or len(within_year) != len(windows):
        return Period(date(year, 1, 1), date(year, 12, 31)), CALENDAR
    opens = min(opens for opens, _closes in within_year)
    closes = max(closes for _opens, closes in within_year)
    return Period(_month_day(year, opens), _month_day(year, closes)), REGISTRY


def _month_day(year: int, text: str) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, min(day, 28) if month == 2 and day == 29 else day)


# --- The report from the database -------------------------------------------------------------------


def season_report(
    year: int,
    *,
    period: Period | None = None,
    trade: Callable[[Period], TradeInput] | None = None,
    made_at: datetime | None = None,
) -> SeasonReport:
    """The season report of `year` from the records and the ledger (labels in the active language)."""
    from tengri.indicators.tourism import tourism_indicators

    season, season_from = (period, CALENDAR) if period is not None else season_period(year)
    indicators = tourism_indicators(season)
    from tengri.indicators.report_trade import trade_input

    return report_assemble(
        year=year,
        period=season,
        season_from=season_from,
        figures=indicators.figures,
        tables=indicators.tables,
        trade=(trade or trade_input)(season),
        made_at=made_at,
    )


MAX_PERIOD_DAYS = 3 * 366  # an analyst's question spans a few seasons; longer is a mistake or a load
FIRST_YEAR, LAST_YEAR = 2000, 2100  # Tengri's records start this century; the year before year 1 does not exist


def period_parse(first: str | None, last: str | None, default: Period) -> Period:
    """A period from a request's `first` and `last` (YYYY-MM-DD; either missing: the default's). Refused
    (InvalidInput, 400) unless both days are in the years 2000–2100 and the period spans at most three
    years: a year earlier of 0001-01-01 cannot be computed, and 9999-12-31 leads nowhere useful."""
    try:
        period = Period(
            date.fromisoformat(first) if first else default.first, date.fromisoformat(last) if last else default.last
        )
    except ValueError:
        raise InvalidInput(_("give the period's first and last day as YYYY-MM-DD")) from None
    for day in (period.first, period.last):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput(
                _("a period's days must lie in the years %(first)s to %(last)s")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
    if period.last < period.first:
        raise InvalidInput(_("the period ends before it begins"))
    if (period.last - period.first).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(_("a period spans at most %(days)s days (three years)") % {"days": MAX_PERIOD_DAYS})
    return period
