"""Importing reported figures from CSV (format: docs/trade-ledger.md), and writing the ledger back out in
the same format, so that an export re-imports to exactly the same entries.

All or nothing: every row is checked before anything is written; the first bad row is named with its
column and why, and nothing is imported. A row of the same report as an existing entry (natural key:
period, indicator, flow, kind, side, reporter, source) corrects that entry, or changes nothing if equal.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.db import transaction

from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput
from tengri.indicators.ledger_services import NATURAL_KEY, FigureInput, figure_fields, trade_figure_record
from tengri.indicators.models import TradeFigure

COLUMNS = (
    "period_first",
    "period_last",
    "indicator",
    "flow",
    "value",
    "scale",
    "currency",
    "growth_pct",
    "reported_by",
    "side",
    "source",
    "source_url",
    "published_on",
    "note",
)
OPTIONAL_COLUMNS = ("bound", "share_of", "speaker")
MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
# A cell a spreadsheet would run as a formula (=HYPERLINK(...), +cmd|...): the export writes it with a
# leading ' (shown as text), and the import takes that ' off again, so export → import changes nothing.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


@dataclass(frozen=True)
class ImportResult:
    """What an import did, by entry id. `rows` counts the data rows read."""

    rows: int
    created: tuple[int, ...]
    updated: tuple[int, ...]
    unchanged: tuple[int, ...]


def ledger_csv_import(file: IO[bytes] | IO[str] | bytes | str, actor) -> ImportResult:
    """Import every row of a UTF-8 CSV with a header, or none. Raises InvalidInput naming the row (and its
    line in the file) and the column. Audited: one entry per figure created or corrected, and one
    `ledger.import` entry with the counts. Runs in one transaction."""
    text = _text(file)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(_read(reader, lambda: reader.fieldnames))
    figures: list[tuple[int, FigureInput]] = []
    seen: dict[tuple, int] = {}
    rows = iter(reader)
    number = 0
    while (row := _read(reader, lambda: next(rows, None))) is not None:
        number += 1
        if number > MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} rows in one file")
        figure = _figure(number, reader.line_num, row)
        key = tuple(figure_fields(figure)[name] for name in NATURAL_KEY)
        if key in seen:
            raise InvalidInput(
                f"row {number} (line {reader.line_num}): the same report as row {seen[key]} "
                "(same period, indicator, flow, side, reporter and source)"
            )
        seen[key] = number
        figures.append((number, figure))
    if not figures:
        raise InvalidInput("the file has a header but no rows")
    return _record(figures, actor)


def _read(reader: csv.DictReader, step):
    """One step of the CSV reader; a line it cannot read (a cell over the csv module's 128 KB, say) is
    refused naming the line, not left to raise csv.Error into a server error."""
    try:
        return step()
    except csv.Error as error:
        # line_num counts the lines of the records read whole; the bad one starts on the next line
        raise InvalidInput(f"line {reader.line_num + 1}: cannot be read as CSV ({error})") from None


@transaction.atomic
def _record(figures: list[tuple[int, FigureInput]], actor) -> ImportResult:
    outcomes: dict[str, list[int]] = {"created": [], "updated": [], "unchanged": []}
    for _number, figure in figures:
        entry, outcome = trade_figure_record(actor=actor, data=figure)
        outcomes[outcome].append(entry.pk)
    result = ImportResult(len(figures), *(tuple(outcomes[name]) for name in ("created", "updated", "unchanged")))
    audit_record(
        actor=actor,
        action="ledger.import",
        subject_type="indicators.tradefigure",
        data={"rows": result.rows, **{name: len(ids) for name, ids in outcomes.items()}},
    )
    return result


def _text(file: IO[bytes] | IO[str] | bytes | str) -> str:
    content = file if isinstance(file, bytes | str) else file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
    if isinstance(content, str):
        text = content.removeprefix("\ufeff")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"the file is not UTF-8 (byte {error.start} cannot be read): save it as UTF-8") from None
    if "\x00" in text:
        # PostgreSQL cannot store a NUL character; it is never part of a figure, so the file is damaged.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidInput(f"line {line}: contains a NUL character (\\x00); the file is damaged or not a text CSV")
    return text


def _check_header(fieldnames) -> None:
    if not fieldnames:
        raise InvalidInput("the file is empty: the first line must be the header " + ",".join(COLUMNS))
    names = [name.strip() for name in fieldnames]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS + OPTIONAL_COLUMNS]
    if missing:
        raise InvalidInput(f"header: column {', '.join(missing)} missing (the header is {','.join(COLUMNS)})")
    if unknown:
        raise InvalidInput(f"header: unknown column {', '.join(map(repr, unknown))}")
    if len(set(names)) != len(names):
        raise InvalidInput("header: a column is named twice")


def _figure(number: int, line: int, row: dict) -> FigureInput:
    where = f"row {number} (line {line})"
    if None in row or any(value is None for value in row.values()):
        raise InvalidInput(f"{where}: has {'more' if None in row else 'fewer'} cells than the header")
    cells = {name.strip(): _unguarded((value or "").strip()) for name, value in row.items()}
    try:
        figure = FigureInput(
            period_first=_date(cells, "period_first", required=True),  # type: ignore[arg-type]
            period_last=_date(cells, "period_last", required=True),  # type: ignore[arg-type]
            indicator=cells["indicator"],
            flow=cells["flow"],
            value=cells["value"],
            scale=cells["scale"],
            currency=cells["currency"],
            growth_pct=cells["growth_pct"],
            reported_by=cells["reported_by"],
            side=cells["side"],
            source=cells["source"],
            source_url=cells["source_url"],
            published_on=_date(cells, "published_on", required=False),
            note=cells["note"],
            bound=cells.get("bound", ""),
            share_of=cells.get("share_of", ""),
            speaker=cells.get("speaker", ""),
        )
        figure_fields(figure)
    except InvalidInput as error:
        column, _, why = str(error).partition(": ")
        raise InvalidInput(f"{where}, column {column}: {why}") from None
    return figure


def _unguarded(cell: str) -> str:
    """The cell without the ' the export puts before a formula-like cell ("'=x" → "=x")."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _guarded(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, written as text: "=x" → "'=x". A plain number ("-3")
    runs nothing and stays a number."""
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _date(cells: dict[str, str], column: str, *, required: bool) -> date | None:
    text = cells[column]
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{column}: {text!r} is not a date (YYYY-MM-DD)") from None


def ledger_csv(entries: list[TradeFigure]) -> str:
    """The entries in the import format (all columns, optional ones too), as published."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + OPTIONAL_COLUMNS)
    for entry in entries:
        growth = entry.published_growth
        writer.writerow(
            _guarded(cell)
            for cell in [
                entry.period_first.isoformat(),
                entry.period_last.isoformat(),
                entry.indicator,
                entry.flow,
                str(entry.published_value),
                entry.scale,
                entry.currency,
                "" if growth is None else str(growth),
                entry.reported_by,
                entry.side,
                entry.source,
                entry.source_url,
                entry.published_on.isoformat() if entry.published_on else "",
                entry.note,
                entry.bound,
                entry.share_of,
                entry.speaker,
            ]
        )
    return out.getvalue()
