"""Open data: the tourism tables anyone may download, as anonymised aggregates.

What is published (`OPEN_TABLES`): crossings by month, checkpoint and direction; crossings by
nationality; persons on each route per day; approvals and rejections per authority; overdue alerts by
stage and outcome. Never: rejection reasons (free text an officer typed, which may name someone), names,
passport data, birth dates, application references, companies — the tables below carry none of them,
and every cell is a code from a closed list (month, checkpoint, direction, ISO country, route, day,
authority, stage, outcome) or a count.

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

from tengri.indicators.figures import Period, Table
from tengri.indicators.tourism_tables import (
    alerts_by_stage_outcome,
    crossings_by_month_checkpoint,
    crossings_by_nationality,
    decisions_by_authority,
    persons_by_route_day,
)

SUPPRESSION_THRESHOLD = 5
SMALL = "<5"
WITHHELD = "x"
OPEN_TABLES = (
    "crossings.by_month_checkpoint",
    "crossings.by_nationality",
    "persons.by_route_day",
    "decisions.by_authority",
    "alerts.by_stage_outcome",
)
BY_MONTH, BY_NATIONALITY = "crossings.by_month_checkpoint", "crossings.by_nationality"
DIRECTION_COLUMN = {"in": "entries", "out": "exits"}  # the month table's direction → the nationality table's column


def open_tables(period: Period) -> dict[str, Table]:
    """The publishable tables of `period`, suppressed (see the module docstring). The caller decides whether
    the period may be published (`core.access.access_open_data`)."""
    decisions = decisions_by_authority(period)
    tables = {
        BY_MONTH: crossings_by_month_checkpoint(period),
        BY_NATIONALITY: crossings_by_nationality(period),
        "persons.by_route_day": persons_by_route_day(period),
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
    count_at = by_month.columns.index("persons")
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


def table_csv(table: Table) -> str:
    """The table as CSV (RFC 4180: CRLF line ends, quotes where needed), a header row of the column keys
    and no comment lines; UTF-8 when written out. Empty cells (no median) are empty fields."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow("" if cell is None else cell for cell in row)
    return out.getvalue()
