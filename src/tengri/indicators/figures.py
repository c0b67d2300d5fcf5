"""What an indicator is, for every reader of one (report, dashboard, open data, API).

Every figure names its source: the query that counted it (tourism) or the ledger entries it came from
(trade). A reader of the report can then trace each number back, which is what the council asks of a
figure before it quotes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

Number = int | float | Decimal


@dataclass(frozen=True)
class Period:
    """A closed range of days, first and last included (UTC dates)."""

    first: date
    last: date

    def year_earlier(self) -> Period:
        return Period(_shift_year(self.first, -1), _shift_year(self.last, -1))

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the year before has none, the 28th stands in
        return day.replace(year=day.year + years, day=28)


def growth_pct(current: Number | None, previous: Number | None) -> float | None:
    """Year-on-year growth in %; None when there is nothing to grow from."""
    if current is None or previous is None or previous == 0:
        return None
    return (float(current) - float(previous)) / float(previous) * 100.0


@dataclass(frozen=True)
class Figure:
    """One headline number for a period, beside the same period a year earlier."""

    key: str  # stable, e.g. "crossings.total"; open data and tests use it
    label: str  # for people, translated
    value: Number | None
    previous: Number | None
    source: str  # the query (module.function and what it counts) or the ledger entries
    unit: str = ""  # "", "h" (hours), "%", "USD"

    @property
    def growth_pct(self) -> float | None:
        return growth_pct(self.value, self.previous)


@dataclass(frozen=True)
class Table:
    """A breakdown: rows of cells under columns, with the query that produced it."""

    key: str  # e.g. "crossings.by_month_checkpoint"
    label: str
    columns: tuple[str, ...]  # column keys; the first ones name the row, the last ones are counts
    rows: tuple[tuple[object, ...], ...]
    source: str
    # Which columns count people: open data suppresses their small cells.
    count_columns: tuple[str, ...] = field(default_factory=tuple)
