"""Open data: the tourism tables anyone may download, as anonymised aggregates.

What is published (`OPEN_TABLES`): crossings by month, checkpoint and direction; crossings by
nationality; approvals and rejections per authority; overdue alerts by stage and outcome. Never:
rejection reasons (free text an officer typed, which may name someone), names, passport data, birth
dates, application references, companies — the tables below carry none of them, and every cell is a
code from a closed list (month, checkpoint, direction, ISO country, authority, stage, outcome) or a
count. Persons on each route per day stay with the analysts: from one
day to the next the count changes by the people who left, often 1 to 4.

**One fixed period per year.** Published is only the registry's season of a year (`season_period`), and
only once it closed more than `open_data_delay()` days ago (`core.access.access_open_data`, setting
`TENGRI_OPEN_DATA_DELAY_DAYS`, default 30): nobody can ask for another period. Two overlapping periods
could be subtracted (1 July–D minus 1 July–D-1 gives day D's exact counts, suppressed or not);
seasons of different years never overlap, so nothing can be subtracted.
Inside the season file the month tables keep their month rows, and no file sums them.

**Primary suppression.** A count of 1 to 4 is published as "<5" (`SMALL`): so few people may be
recognised. 0 stays 0 (nobody to recognise).

**No totals, and complementary suppression.** No table carries a total or subtotal, so a small cell cannot
be got back by subtracting the published cells of its table from a published total. One total is implied
all the same: crossings by month/checkpoint and crossings by nationality count the same events, so their
entries (and their exits) add up to the same number. When either table has a "<5" in a direction, that
direction's smallest other count in *each* of the two tables is withheld too, as "x" (`WITHHELD`: 5 or
more, withheld to protect a small cell). With a withheld cell of unknown size on both sides, neither sum
is known, so nothing follows from their being equal: every "<5" can still be any of 1–4. When a table
has no count of 5 or more left to withhold in that direction, all of that direction's counts in both
tables are withheld. `tests/indicators/test_opendata.py` checks this by trying every value 1–4 of every
small cell against the equal sums. No other two published tables count the same people.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from tengri.core import access
from tengri.core.errors import AccessDenied, NotFound
from tengri.indicators.figures import Period, Table
from tengri.indicators.tourism_tables import (
    alerts_by_stage_outcome,
    crossings_by_month_checkpoint,
    crossings_by_nationality,
    decisions_by_authority,
)

SUPPRESSION_THRESHOLD = 5
SMALL = "<5"
WITHHELD = "x"
OPEN_TABLES = (
    "crossings.by_month_checkpoint",
    "crossings.by_nationality",
    "decisions.by_authority",
    "alerts.by_stage_outcome",
)
BY_MONTH, BY_NATIONALITY = "crossings.by_month_checkpoint", "crossings.by_nationality"
DIRECTION_COLUMN = {"in": "entries", "out": "exits"}  # the month table's direction → the nationality table's column
# A helicopter leg is scanned at both ends, so the month table counts crossings, not people: say so.
CROSSINGS = "crossings"
FIRST_YEAR, LAST_YEAR = 2000, 2100
LATEST_YEARS = 5  # the open-data page lists the published seasons of the last five years
OPEN_DATA_DELAY_DAYS = 30


def open_data_delay() -> int:
    """Days a season must have been closed before it is published: late scans and corrections come in,
    and nobody learns who is still in the border zone. `core.access.access_open_data` reads the same
    setting (the rule stands alone; core does not import indicators)."""
    from django.conf import settings

    return int(getattr(settings, "TENGRI_OPEN_DATA_DELAY_DAYS", OPEN_DATA_DELAY_DAYS))


def open_period(year: int) -> Period:
    """The one period published for `year`: the registry's season (see the module docstring)."""
    from tengri.indicators.report import season_period

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(_("there is no open data for %(year)s") % {"year": year})
    return season_period(year)[0]


def is_published(period: Period, today: date) -> bool:
    """Whether the rule (`access_open_data`: closed long enough ago) lets anyone download `period`."""
    try:
        access.access_open_data(AnonymousUser(), period.last, today)  # the same for everyone
    except AccessDenied:
        return False
    return True


def open_years(today: date) -> list[tuple[int, Period]]:
    """The published seasons of the latest years, newest first."""
    seasons = [(year, open_period(year)) for year in range(today.year, today.year - LATEST_YEARS - 1, -1)]
    return [(year, period) for year, period in seasons if is_published(period, today)][:LATEST_YEARS]


def open_data_file(user: access.User, year: int, table: str, today: date) -> tuple[str, str]:
    """The file name and CSV text of one open table of `year`'s season, for the web page and the API alike.
    Raises NotFound (no such year or table) or AccessDenied (the season is not published yet)."""
    period = open_period(year)
    if table not in OPEN_TABLES:
        raise NotFound(_("there is no open-data table %(table)s") % {"table": table})
    access.access_open_data(user, period.last, today)
    return f"tengri-{table}-{year}.csv", table_csv(open_tables(period)[table])


def open_tables(period: Period) -> dict[str, Table]:
    """The publishable tables of `period`, suppressed (see the module docstring). The caller publishes only
    `open_period(year)`, and only once `core.access.access_open_data` allows it (`open_data_file`)."""
    decisions = decisions_by_authority(period)
    by_month = crossings_by_month_checkpoint(period)
    tables = {
        BY_MONTH: replace(
            by_month,
            columns=tuple(CROSSINGS if column == "persons" else column for column in by_month.columns),
            count_columns=tuple(CROSSINGS if column == "persons" else column for column in by_month.count_columns),
        ),
        BY_NATIONALITY: crossings_by_nationality(period),
        # Counts only: the median decision time stays in the analysts' report.
        "decisions.by_authority": replace(
            decisions, columns=decisions.columns[:3], rows=tuple(row[:3] for row in decisions.rows)
        ),
        "alerts.by_stage_outcome": alerts_by_stage_outcome(period),
    }
    tables = {key: _primary(table) for key, table in tables.items()}
    tables[BY_MONTH], tables[BY_NATIONALITY] = _complementary(tables[BY_MONTH], tables[BY_NATIONALITY])
    return {key: tables[key] for key in OPEN_TABLES}


def _primary(table: Table) -> Table:
    counted = [index for index, column in enumerate(table.columns) if column in table.count_columns]
    rows = tuple(
        tuple(SMALL if index in counted and _small(cell) else cell for index, cell in enumerate(row))
        for row in table.rows
    )
    return replace(table, rows=rows, source=table.source + f"; open data: counts 1–4 as {SMALL}")


def _small(cell: object) -> bool:
    return isinstance(cell, int) and 1 <= cell < SUPPRESSION_THRESHOLD


def _complementary(by_month: Table, by_nationality: Table) -> tuple[Table, Table]:
    """Withhold, per direction, a cell on each side of the implied equal sums (see the module docstring)."""
    month_rows = [list(row) for row in by_month.rows]
    nationality_rows = [list(row) for row in by_nationality.rows]
    count_at = by_month.columns.index(CROSSINGS)
    direction_at = by_month.columns.index("direction")
    for direction, column in DIRECTION_COLUMN.items():
        at = by_nationality.columns.index(column)
        month_cells = [(row, count_at) for row in month_rows if row[direction_at] == direction]
        nationality_cells = [(row, at) for row in nationality_rows]
        sides = (month_cells, nationality_cells)
        if not any(row[index] == SMALL for cells in sides for row, index in cells):
            continue
        if all(_withhold_smallest(cells) for cells in sides):
            continue
        for cells in sides:  # no cell of 5 or more to withhold on one side: withhold the direction entirely
            for row, index in cells:
                if row[index] != 0:
                    row[index] = WITHHELD
    note = f"; open data: one more count per direction withheld as {WITHHELD} where a {SMALL} could be derived"
    return (
        replace(by_month, rows=tuple(map(tuple, month_rows)), source=by_month.source + note),
        replace(by_nationality, rows=tuple(map(tuple, nationality_rows)), source=by_nationality.source + note),
    )


def _withhold_smallest(cells: list[tuple[list, int]]) -> bool:
    published = [
        (row[index], n)
        for n, (row, index) in enumerate(cells)
        if isinstance(row[index], int) and row[index] >= SUPPRESSION_THRESHOLD
    ]
    if not published:
        return False
    _value, n = min(published)
    row, index = cells[n]
    row[index] = WITHHELD
    return True


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def table_csv(table: Table) -> str:
    """The table as CSV (RFC 4180: CRLF line ends, quotes where needed), a header row of the column keys
    and no comment lines; UTF-8 when written out. Empty cells (no median) are empty fields. A text cell
    that a spreadsheet would take for a formula (= + - @) is prefixed with ' (every text cell, whatever
    its column: codes are safe today, a route or outcome named "-..." tomorrow need not be)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_inert(column) for column in table.columns)
    for row in table.rows:
        writer.writerow("" if cell is None else _inert(cell) for cell in row)
    return out.getvalue()


def _inert(cell: object) -> object:
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
