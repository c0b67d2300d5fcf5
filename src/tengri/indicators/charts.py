"""The season's charts, drawn offline with matplotlib from the indicator tables (never from the database
directly: a chart shows exactly the numbers of the table it cites in the report).

Object-oriented matplotlib (`matplotlib.figure.Figure`, no pyplot): no display, no global state, safe in a
web worker. The default font, DejaVu Sans, ships with matplotlib and covers Cyrillic, so the Russian
report draws its labels without any font on the machine.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import matplotlib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.figure import Figure as Drawing

from tengri.indicators.figures import Table

PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f", "#2c8c6c"]
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}

# Chart name → (the table it draws, its title). The name is the URL's and the report's.
CHARTS: dict[str, tuple[str, object]] = {
    "flows": ("crossings.by_month_checkpoint", gettext_lazy("Persons crossing by month and checkpoint")),
    "nationality": ("crossings.by_nationality", gettext_lazy("Persons crossing by nationality")),
    "routes": ("persons.by_route_day", gettext_lazy("Persons on each route per day")),
    "occupancy": ("capacity.occupancy", gettext_lazy("Occupancy of capacity")),
    "decisions": ("decisions.by_authority", gettext_lazy("Median decision time per authority")),
}


def chart_table(name: str) -> str:
    """The key of the table chart `name` draws (KeyError for an unknown chart)."""
    return CHARTS[name][0]


def chart_title(name: str) -> str:
    return str(CHARTS[name][1])


def chart_image(name: str, table: Table, fmt: str = "png", *, width: float = 7.0, height: float = 3.4) -> bytes:
    """Chart `name` of `table` as PNG or SVG bytes. An empty table draws a chart that says so."""
    if fmt not in FORMATS:
        raise ValueError(f"charts are drawn as {', '.join(FORMATS)}, not {fmt}")
    drawing = Drawing(figsize=(width, height), dpi=150, layout="constrained")
    axes = drawing.add_subplot()
    if not table.rows:
        axes.set_axis_off()
        axes.text(0.5, 0.5, _("No data for this period"), ha="center", va="center", fontsize=11, color="#555")
    else:
        DRAWERS[name](axes, table)
        axes.grid(axis="y" if name != "nationality" else "x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    axes.set_title(chart_title(name), fontsize=10, loc="left")
    return _save(drawing, fmt)


def _save(drawing: Drawing, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # No creation date and no random ids in an SVG: the same numbers draw the same bytes (ETags, tests).
    with matplotlib.rc_context({"svg.hashsalt": "tengri-indicators"}):
        drawing.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _columns(table: Table, *names: str) -> list[int]:
    try:
        return [table.columns.index(name) for name in names]
    except ValueError:
        raise ValueError(f"table {table.key} has columns {table.columns}, the chart needs {names}") from None


def _number(cell: object) -> float:
    """A count or an hour figure as a float; nothing counted (None) draws as 0."""
    if isinstance(cell, int | float | Decimal):
        return float(cell)
    return float(str(cell)) if cell not in (None, "") else 0.0


def _stacked_bars(axes, categories: list[str], series: dict[str, list[float]], *, horizontal: bool = False) -> None:
    bottoms = [0.0] * len(categories)
    positions = range(len(categories))
    for index, (label, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        if horizontal:
            axes.barh(positions, values, left=bottoms, label=label, color=colour)
        else:
            axes.bar(positions, values, bottom=bottoms, label=label, color=colour)
        bottoms = [bottom + value for bottom, value in zip(bottoms, values, strict=True)]
    if horizontal:
        axes.set_yticks(list(positions), categories, fontsize=8)
        axes.invert_yaxis()
    else:
        axes.set_xticks(list(positions), categories, fontsize=8)
    if len(series) > 1:
        axes.legend(fontsize=7, ncols=min(len(series), 4), frameon=False)


def _flows(axes, table: Table) -> None:
    """Months along, one stacked segment per checkpoint (both directions: people through the point)."""
    month_at, checkpoint_at, persons_at = _columns(table, "month", "checkpoint", "persons")
    persons: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in table.rows:
        persons[str(row[checkpoint_at])][str(row[month_at])] += _number(row[persons_at])
    months = sorted({month for by_month in persons.values() for month in by_month})
    series = {checkpoint: [persons[checkpoint][month] for month in months] for checkpoint in sorted(persons)}
    _stacked_bars(axes, months, series)
    axes.set_ylabel(_("persons"), fontsize=8)


def _nationality(axes, table: Table, most: int = 15) -> None:
    """The most frequent nationalities, entries and exits side by side in one bar."""
    nationality_at, entries_at, exits_at = _columns(table, "nationality", "entries", "exits")
    rows = sorted(table.rows, key=lambda row: (-_number(row[entries_at]) - _number(row[exits_at]), row[0]))
    rows = rows[:most]
    names = [str(row[nationality_at]) for row in rows]
    series = {
        _("entries"): [_number(row[entries_at]) for row in rows],
        _("exits"): [_number(row[exits_at]) for row in rows],
    }
    _stacked_bars(axes, names, series, horizontal=True)
    axes.set_xlabel(_("persons"), fontsize=8)


def _routes(axes, table: Table) -> None:
    route_at, day_at, persons_at = _columns(table, "route", "day", "persons")
    lines: dict[str, dict[date, float]] = defaultdict(dict)
    for row in table.rows:
        cell = row[day_at]
        day = cell if isinstance(cell, date) else date.fromisoformat(str(cell))
        lines[str(row[route_at])][day] = _number(row[persons_at])
    for index, route in enumerate(sorted(lines)):
        days = sorted(lines[route])
        axes.plot(days, [lines[route][day] for day in days], label=route, color=PALETTE[index % len(PALETTE)], lw=1.2)
    axes.legend(fontsize=7, ncols=min(len(lines), 4), frameon=False)
    axes.set_ylabel(_("persons"), fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    for label in axes.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def _occupancy(axes, table: Table) -> None:
    """Per resource over the whole period: place-days used of place-days offered."""
    resource_at, capacity_at, used_at = _columns(table, "resource", "capacity_place_days", "used_place_days")
    offered: dict[str, float] = defaultdict(float)
    used: dict[str, float] = defaultdict(float)
    for row in table.rows:
        offered[str(row[resource_at])] += _number(row[capacity_at])
        used[str(row[resource_at])] += _number(row[used_at])
    resources = sorted(offered)
    shares = [100.0 * used[name] / offered[name] if offered[name] else 0.0 for name in resources]
    axes.barh(range(len(resources)), shares, color=PALETTE[0])
    axes.set_yticks(list(range(len(resources))), resources, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, max(100.0, *shares))
    axes.set_xlabel(_("place-days used, per cent"), fontsize=8)


def _decisions(axes, table: Table) -> None:
    authority_at, hours_at = _columns(table, "authority", "median_hours")
    authorities = [str(row[authority_at]) for row in table.rows]
    hours = [_number(row[hours_at]) for row in table.rows]
    axes.bar(range(len(authorities)), hours, color=PALETTE[: len(authorities)] or PALETTE[0])
    axes.set_xticks(list(range(len(authorities))), authorities, fontsize=8)
    axes.set_ylabel(_("median hours to decide"), fontsize=8)


DRAWERS: dict[str, Callable[..., None]] = {
    "flows": _flows,
    "nationality": _nationality,
    "routes": _routes,
    "occupancy": _occupancy,
    "decisions": _decisions,
}
