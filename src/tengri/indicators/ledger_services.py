"""Writing the trade ledger: record a reported figure (create, or update the one of the same report),
delete one. Every write is audited (`ledger.entry_create`, `ledger.entry_update`, `ledger.entry_delete`)
in the same transaction; the entry's history is kept by django-simple-history as well.

A figure's identity (its natural key) is what makes it the same report: period, indicator, flow, kind,
side, reporter and source. Recording the same report again changes nothing, or corrects it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput
from tengri.indicators.models import DIRECTED, SCALES, Bound, Flow, Indicator, Kind, Reporter, Side, TradeFigure

NATURAL_KEY = ("period_first", "period_last", "indicator", "flow", "kind", "side", "reported_by", "source")
CONTENT = (
    "share_of",
    "bound",
    "value",
    "value_decimals",
    "scale",
    "currency",
    "growth_pct",
    "growth_decimals",
    "speaker",
    "source_url",
    "published_on",
    "note",
)
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# The years a trade figure can be about: an import's typo (0001, 2205) would otherwise be stored and then
# break every figure derived from it (a year before year 1 does not exist).
FIRST_YEAR, LAST_YEAR = 1990, 2100
# The model's digits (value: 20 digits, 6 after the point; growth_pct: 9 digits, 3 after the point). A
# number the column cannot hold is refused here, not stored rounded (or, on SQLite, stored and unreadable).
VALUE_DECIMALS, VALUE_LIMIT = 6, Decimal(10) ** 13
GROWTH_DECIMALS, GROWTH_LIMIT = 3, Decimal(10) ** 6
# The longest text each field keeps; the database refuses longer (PostgreSQL) or silently keeps it (SQLite).
MAX_LENGTHS = {"speaker": 100, "source": 300, "source_url": 500, "note": 2000}
TEXT_FIELDS = ("indicator", "flow", "share_of", "bound", "scale", "currency", "reported_by", "side", *MAX_LENGTHS)


@dataclass(frozen=True)
class FigureInput:
    """One reported figure as typed or imported, before it is checked. Numbers are given as text, so
    that the digits published (which say how it was rounded) are kept."""

    period_first: date
    period_last: date
    indicator: str
    value: str
    scale: str
    reported_by: str
    side: str
    source: str
    flow: str = ""
    currency: str = "USD"
    growth_pct: str = ""
    source_url: str = ""
    published_on: date | None = None
    note: str = ""
    bound: str = "="
    share_of: str = ""
    speaker: str = ""


def figure_fields(data: FigureInput) -> dict[str, Any]:
    """The model fields of a checked figure; InvalidInput names the first thing wrong (field: why)."""
    value, value_decimals = published_number(data.value, "value")
    growth, growth_decimals = (
        published_number(data.growth_pct, "growth_pct", max_decimals=GROWTH_DECIMALS)
        if data.growth_pct.strip()
        else (None, None)
    )
    fields: dict[str, Any] = {
        "period_first": data.period_first,
        "period_last": data.period_last,
        "indicator": data.indicator.strip(),
        "flow": data.flow.strip().replace("→", ">"),
        "kind": Kind.SHARE if data.share_of.strip() else Kind.VALUE,
        "share_of": data.share_of.strip(),
        "bound": data.bound.strip() or Bound.EQUAL,
        "value": value,
        "value_decimals": value_decimals,
        "scale": data.scale.strip(),
        "currency": "" if data.share_of.strip() else (data.currency.strip().upper() or "USD"),
        "growth_pct": growth,
        "growth_decimals": growth_decimals,
        "reported_by": data.reported_by.strip(),
        "side": data.side.strip(),
        "speaker": data.speaker.strip(),
        "source": data.source.strip(),
        "source_url": data.source_url.strip(),
        "published_on": data.published_on,
        "note": data.note.strip(),
    }
    _check(fields)
    return fields


def published_number(text: str, column: str, *, max_decimals: int = VALUE_DECIMALS) -> tuple[Decimal, int]:
    """ "1.4" → (1.4, 1 digit after the point); "1,4" and "+21" too. InvalidInput if it is no number, or
    has more digits after the point than the ledger keeps (it would be stored rounded)."""
    cleaned = text.strip().replace(",", ".").replace(" ", "").replace("\u00a0", "").replace("−", "-")
    if not _NUMBER.fullmatch(cleaned):
        raise InvalidInput(f"{column}: {text!r} is not a number as published (e.g. 1.4, 326, +21)")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise InvalidInput(f"{column}: {text!r} is not a number") from None
    decimals = len(cleaned.split(".", 1)[1]) if "." in cleaned else 0
    if decimals > max_decimals:
        raise InvalidInput(f"{column}: at most {max_decimals} digits after the point, not {decimals} ({text!r})")
    return number, decimals


def _check(fields: dict[str, Any]) -> None:
    _check_text(fields)
    _one_of(fields, "indicator", Indicator.values)
    _one_of(fields, "flow", Flow.values)
    _one_of(fields, "reported_by", Reporter.values)
    _one_of(fields, "side", Side.values)
    _one_of(fields, "bound", Bound.values)
    _check_period(fields)
    if not fields["source"]:
        raise InvalidInput("source: say where the figure was published")
    if fields["source_url"] and not re.match(r"https?://[^\s/]+\.[^\s]+$", fields["source_url"]):
        raise InvalidInput(f"source_url: {fields['source_url']!r} is not an http(s) address")
    _check_flow(fields)
    _check_value(fields)
    _check_growth(fields["growth_pct"])


def _check_text(fields: dict[str, Any]) -> None:
    for name in TEXT_FIELDS:
        if "\x00" in fields[name]:
            raise InvalidInput(f"{name}: contains a NUL character (\\x00): remove it")
    for name, limit in MAX_LENGTHS.items():
        if len(fields[name]) > limit:
            raise InvalidInput(f"{name}: at most {limit} characters, not {len(fields[name])}")


def _check_period(fields: dict[str, Any]) -> None:
    for name in ("period_first", "period_last"):
        if not FIRST_YEAR <= fields[name].year <= LAST_YEAR:
            raise InvalidInput(f"{name}: {fields[name].isoformat()} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    if fields["period_first"] > fields["period_last"]:
        raise InvalidInput("period_last: the period ends before it begins")


def _check_flow(fields: dict[str, Any]) -> None:
    directed = fields["indicator"] in DIRECTED
    if directed and not fields["flow"]:
        raise InvalidInput(f"flow: {fields['indicator']} need a direction, KZ>KG or KG>KZ")
    if not directed and fields["flow"]:
        raise InvalidInput(f"flow: {fields['indicator']} has no direction; leave flow empty")
    side, flow = fields["side"], fields["flow"]
    # A state reports its own exports and imports: KZ's exports leave KZ, KG's imports arrive in KG.
    if directed and side in (Side.KZ, Side.KG):
        origin, destination = flow.split(">")
        exporting = "exports" in fields["indicator"]
        if (exporting and origin != side) or (not exporting and destination != side):
            raise InvalidInput(f"flow: {side}'s {fields['indicator']} cannot run {flow.replace('>', '→')}")


def _check_value(fields: dict[str, Any]) -> None:
    if fields["kind"] == Kind.SHARE:
        _one_of(fields, "share_of", Indicator.values)
        if fields["scale"] != "%":
            raise InvalidInput("scale: a share is given in % (scale %)")
        if not Decimal(0) <= fields["value"] <= Decimal(100):
            raise InvalidInput("value: a share lies between 0 and 100 %")
        return
    if fields["scale"] not in SCALES:
        raise InvalidInput(f"scale: {fields['scale']!r} is not one of k, m, bn (or empty for units)")
    if fields["value"] <= 0:
        # A zero would be divided by (growth between two years, a share of it): nobody publishes trade of 0.
        raise InvalidInput("value: a trade value is more than 0")
    if fields["currency"] != "USD":
        raise InvalidInput(f"currency: only USD figures are kept, not {fields['currency']!r}")
    if fields["value"] >= VALUE_LIMIT:
        raise InvalidInput("value: too large")


def _check_growth(growth: Decimal | None) -> None:
    if growth is None:
        return
    if growth <= -100:
        # −100 % would mean the year before was infinitely larger; the base it implies divides by 1 + g/100.
        raise InvalidInput(f"growth_pct: {growth} % is not a growth rate (more than −100 %)")
    if abs(growth) >= GROWTH_LIMIT:
        raise InvalidInput(f"growth_pct: {growth} % is too large (less than {GROWTH_LIMIT} %)")


def _one_of(fields: dict[str, Any], name: str, allowed: list[str]) -> None:
    if fields[name] not in allowed:
        shown = ", ".join(repr(value) if value else "'' (empty)" for value in allowed)
        raise InvalidInput(f"{name}: {fields[name]!r} is not one of {shown}")


@transaction.atomic
def trade_figure_record(*, actor, data: FigureInput) -> tuple[TradeFigure, str]:
    """Record one reported figure: create it, or correct the entry of the same report (natural key).
    Returns the entry and "created", "updated" or "unchanged". Runs in the caller's transaction or its
    own; locks the entry it updates (select_for_update). Raises InvalidInput naming the field."""
    fields = figure_fields(data)
    key = {name: fields[name] for name in NATURAL_KEY}
    entry = TradeFigure.objects.select_for_update().filter(**key).first()
    if entry is None:
        entry = TradeFigure.objects.create(**fields, entered_by=_user(actor))
        audit_record(actor=actor, action="ledger.entry_create", subject=entry, data=_audit_data(entry, {}))
        return entry, "created"
    return _entry_correct(actor, entry, fields, CONTENT)


def same_report(fields: dict[str, Any], *, other_than: int | None = None) -> TradeFigure | None:
    """The entry already recording the report these fields name (natural key), other than entry `other_than`."""
    entries = TradeFigure.objects.filter(**{name: fields[name] for name in NATURAL_KEY})
    if other_than is not None:
        entries = entries.exclude(pk=other_than)
    return entries.first()


@transaction.atomic
def trade_figure_update(*, actor, entry: TradeFigure, data: FigureInput) -> tuple[TradeFigure, str]:
    """Correct one entry in place, its natural key included (a typo in the period or the source): it keeps
    its id, so what cites it (a report, a claim's evidence) still finds it. Refused, naming the other entry,
    when another entry already records the report the new key names: two entries would be one report.
    Returns the entry and "updated" or "unchanged"; audited with the previous values."""
    fields = figure_fields(data)
    entry = TradeFigure.objects.select_for_update().get(pk=entry.pk)
    other = same_report(fields, other_than=entry.pk)
    if other is not None:
        raise InvalidInput(
            f"source: entry #{other.pk} already records this report (same period, indicator, flow, side, "
            "reporter and source); correct that entry or delete one of the two"
        )
    return _entry_correct(actor, entry, fields, NATURAL_KEY + CONTENT)


def _entry_correct(actor, entry: TradeFigure, fields: dict[str, Any], names) -> tuple[TradeFigure, str]:
    """Save the fields among `names` that differ, audited with their previous values."""
    changed = {name: _text(getattr(entry, name)) for name in names if getattr(entry, name) != fields[name]}
    if not changed:
        return entry, "unchanged"
    for name in changed:
        setattr(entry, name, fields[name])
    entry.save(update_fields=list(changed))
    audit_record(actor=actor, action="ledger.entry_update", subject=entry, data=_audit_data(entry, changed))
    return entry, "updated"


@transaction.atomic
def trade_figure_delete(*, actor, entry: TradeFigure, reason: str = "") -> None:
    """Remove a reported figure (entered by mistake); its history and the audit entry keep what it said."""
    audit_record(actor=actor, action="ledger.entry_delete", subject=entry, reason=reason, data=_audit_data(entry, {}))
    entry.delete()


def _audit_data(entry: TradeFigure, previous: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "period": f"{entry.period_first.isoformat()}..{entry.period_last.isoformat()}",
        "indicator": entry.indicator,
        "flow": entry.flow,
        "side": entry.side,
        "reported_by": entry.reported_by,
        "value": entry.display_value,
        "growth_pct": entry.display_growth,
        "source": entry.source,
    }
    if previous:
        data["previous"] = previous
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
