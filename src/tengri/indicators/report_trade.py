"""The season report's trade section, read from the ledger (tengri.indicators.ledger).

Trade statistics come late (the council quotes Jan–Aug in November), so a season report shows the
reported entries of the latest two years that have any, up to the report's year, with the figures
derived from exactly those entries and the mirror pairs among them. Numbers keep the digits they were
published with: the report never rounds a reported figure further or pretends to more precision.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tengri.indicators.figures import Period
from tengri.indicators.ledger import SHOWN_DECIMALS, DerivedFigure, MirrorPair, derived_figures, ledger_entries
from tengri.indicators.models import SCALES, Bound, Kind, TradeFigure
from tengri.indicators.report import DerivedEntry, MirrorRow, ReportedEntry, TradeInput

YEARS_SHOWN = 2


def trade_input(period: Period) -> TradeInput:
    """The ledger's entries for the report of `period`, with their derived figures and mirror pairs."""
    from tengri.indicators.ledger import mirror_pairs

    entries = [entry for entry in ledger_entries() if entry.period_last <= period.last]
    years = sorted({entry.period_last.year for entry in entries})[-YEARS_SHOWN:]
    shown = [entry for entry in entries if entry.period_last.year in years]
    return TradeInput(
        entries=[_reported(entry) for entry in shown],
        derived=[_derived(figure) for figure in derived_figures(shown)],
        mirror=[_mirror(pair) for pair in mirror_pairs(shown)],
    )


def _reported(entry: TradeFigure) -> ReportedEntry:
    speaker = f", {entry.speaker}" if entry.speaker else ""
    if entry.kind == Kind.SHARE:
        unit = _("%% of %(whole)s") % {"whole": entry.get_share_of_display()}
    else:
        unit = f"{entry.currency} {entry.scale}".strip()
    return ReportedEntry(
        entry_id=entry.pk,
        period=entry.period_label,
        period_last=entry.period_last,
        indicator=_indicator(entry),
        side=entry.get_side_display(),
        value=entry.published_value,
        currency=unit,
        growth_pct=entry.published_growth,
        publisher=_publisher(entry, speaker),
        published=entry.published_on,
        url=entry.source_url,
        bound="" if entry.bound == Bound.EQUAL else entry.bound,
    )


def _publisher(entry: TradeFigure, speaker: str) -> str:
    reporter = str(entry.get_reported_by_display())
    if entry.source.startswith(reporter):  # "Intergovernmental Council communiqué, 13 Nov 2025": said once
        return entry.source + speaker
    return f"{reporter}{speaker}: {entry.source}"


def _indicator(entry: TradeFigure) -> str:
    flow = f" {entry.get_flow_display()}" if entry.flow else ""
    return f"{entry.get_indicator_display()}{flow}"


KIND_LABELS = {
    "year_earlier_base": gettext_lazy("%(indicator)s, %(period)s: the base a growth rate implies"),
    "share_amount": gettext_lazy("%(indicator)s, %(period)s: the amount a share implies"),
    "share_of_total": gettext_lazy("%(indicator)s, %(period)s: its share of the total"),
    "growth_between": gettext_lazy("%(indicator)s, %(period)s: growth between two years"),
}


def _derived(figure: DerivedFigure) -> DerivedEntry:
    indicator = str(
        dict(TradeFigure._meta.get_field("indicator").choices or ()).get(figure.indicator, figure.indicator)
    )
    template = str(KIND_LABELS.get(figure.kind, "%(indicator)s, %(period)s"))
    label = template % {"indicator": indicator, "period": figure.period_label}
    return DerivedEntry(
        label=label,
        value=_in_scale(figure.value, figure.unit, figure.scale),
        low=_in_scale(figure.low, figure.unit, figure.scale),
        high=_in_scale(figure.high, figure.unit, figure.scale),
        currency="%" if figure.unit == "%" else f"USD {figure.scale}".strip(),
        explanation=figure.formula,
        from_entries=figure.from_entries,
    )


def _mirror(pair: MirrorPair) -> MirrorRow:
    indicator = str(dict(TradeFigure._meta.get_field("indicator").choices or ()).get(pair.indicator, pair.indicator))
    return MirrorRow(
        period=pair.period_label,
        indicator=indicator + (f" {pair.flow}" if pair.flow else ""),
        kz_value=_in_scale(pair.kz.value * pair.kz.multiplier, "USD", pair.scale),
        kg_value=_in_scale(pair.kg.value * pair.kg.multiplier, "USD", pair.scale),
        gap=_in_scale(pair.gap, "USD", pair.scale),
        gap_pct=float(pair.gap_pct),
        currency=f"USD {pair.scale}".strip(),
        from_entries=(pair.kz.pk, pair.kg.pk),
    )


def _in_scale(number: Decimal | None, unit: str, scale: str) -> Decimal | None:
    """USD → the figure's scale, with the ledger's shown digits (3 for bn, 1 for m); % to 2 digits."""
    if number is None:
        return None
    if unit == "%":
        return number.quantize(Decimal("0.01"))
    return (number / SCALES.get(scale, Decimal(1))).quantize(Decimal(10) ** -SHOWN_DECIMALS.get(scale, 0))
