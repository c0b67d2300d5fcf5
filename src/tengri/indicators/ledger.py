"""Reading the trade ledger: the reported entries, the figures derived from them, and mirror statistics.

Reported entries are shown as published. Everything else here is *derived* and never stored: the
year-earlier base a growth rate implies, the amount a share implies, the share two entries imply, growth
between two entries of one side. Each derived figure names the entries it came from and its formula,
and carries the range it may lie in given how its inputs were rounded (see docs/trade-ledger.md).

Amounts are compared in USD (value × scale), percentages in %. Arithmetic is in Decimal, so a range
printed here is the exact range, not a float's approximation of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext as _

from tengri.indicators.figures import Period
from tengri.indicators.models import (
    DIRECTED,
    SCALES,
    TOTAL_OF,
    Bound,
    Indicator,
    Kind,
    Side,
    TradeFigure,
    period_label,
)

HUNDRED = Decimal(100)
logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Interval:
    """Where a true figure may lie: [low, high]; None is unbounded; an open end excludes itself (> 80 %)."""

    low: Decimal | None
    high: Decimal | None
    low_open: bool = False
    high_open: bool = False

    def contains(self, number: Decimal) -> bool:
        above = self.low is None or number > self.low or (number == self.low and not self.low_open)
        below = self.high is None or number < self.high or (number == self.high and not self.high_open)
        return above and below

    def within(self, other: Interval) -> bool:
        """Every number in this interval is in `other`."""
        low_ok = other.low is None or (
            self.low is not None
            and (self.low > other.low or (self.low == other.low and (self.low_open or not other.low_open)))
        )
        high_ok = other.high is None or (
            self.high is not None
            and (self.high < other.high or (self.high == other.high and (self.high_open or not other.high_open)))
        )
        return low_ok and high_ok

    def overlaps(self, other: Interval) -> bool:
        return not (_before(self, other) or _before(other, self))

    def scaled(self, divisor: Decimal) -> Interval:
        return Interval(
            None if self.low is None else self.low / divisor,
            None if self.high is None else self.high / divisor,
            self.low_open,
            self.high_open,
        )


def _before(first: Interval, second: Interval) -> bool:
    """Everything in `first` lies below everything in `second`."""
    if first.high is None or second.low is None:
        return False
    return first.high < second.low or (first.high == second.low and (first.high_open or second.low_open))


@dataclass(frozen=True)
class DerivedFigure:
    """A figure computed from reported entries, never published by anyone: always shown as derived.

    `value`, `low` and `high` are in USD for amounts (`unit` "USD", shown in `scale`) and in % for
    growth and shares (`unit` "%"). `bound` ">" means the value is a lower bound (from "more than 80 %").
    """

    key: str  # "base.3", "share_amount.12", "share.7.6", "growth.4.9": stable, for tests and traces
    kind: str  # year_earlier_base, share_amount, share_of_total, growth_between
    period: Period
    indicator: str
    flow: str
    side: str
    value: Decimal
    low: Decimal | None
    high: Decimal | None
    unit: str
    scale: str
    from_entries: tuple[int, ...]
    formula: str
    explanation: str
    bound: str = Bound.EQUAL
    derived: bool = True

    @property
    def interval(self) -> Interval:
        return Interval(self.low, self.high, low_open=self.bound == Bound.MORE)

    @property
    def period_label(self) -> str:
        return period_label(self.period.first, self.period.last)

    @property
    def display_value(self) -> str:
        sign = "" if self.bound == Bound.EQUAL else self.bound + " "
        return sign + show(self.value, self.unit, self.scale)

    @property
    def display_range(self) -> str:
        return show_range(self.low, self.high, self.unit, self.scale)


@dataclass(frozen=True)
class MirrorPair:
    """The same flow in the same period as each side reported it. gap = KZ − KG (USD); gap_pct is the
    gap as % of the two figures' mean; gap_low..gap_high is how far the gap may lie given the rounding."""

    period: Period
    indicator: str
    flow: str
    kz: TradeFigure
    kg: TradeFigure
    gap: Decimal
    gap_pct: Decimal
    gap_low: Decimal
    gap_high: Decimal
    scale: str

    @property
    def period_label(self) -> str:
        return period_label(self.period.first, self.period.last)

    @property
    def display_gap(self) -> str:
        return show(self.gap, "USD", self.scale)

    @property
    def display_gap_range(self) -> str:
        return show_range(self.gap_low, self.gap_high, "USD", self.scale)

    @property
    def explanation(self) -> str:
        return _("#%(kz)s (KZ) − #%(kg)s (KG) = %(gap)s, %(gap_pct)s %% of their mean") % {
            "kz": self.kz.pk,
            "kg": self.kg.pk,
            "gap": self.display_gap,
            "gap_pct": self.gap_pct.quantize(Decimal("0.1")),
        }


# --- Reported entries ---------------------------------------------------------------------------------


def ledger_entries(*, indicator: str = "", side: str = "", period: Period | None = None) -> list[TradeFigure]:
    """Reported entries, by indicator and period; only those of one indicator, side or period if given."""
    entries = TradeFigure.objects.select_related("entered_by")
    if indicator:
        entries = entries.filter(indicator=indicator)
    if side:
        entries = entries.filter(side=side)
    if period is not None:
        entries = entries.filter(period_first=period.first, period_last=period.last)
    return list(entries)


def entry_period(entry: TradeFigure) -> Period:
    return Period(entry.period_first, entry.period_last)


def entry_interval(entry: TradeFigure) -> Interval:
    """Where the true figure lies given how it was published: in USD for a value, in % for a share.

    "1.4 bn" → 1.35–1.45 bn; "326 m" → 325.5–326.5 m; "> 80 %" → above 80 % (the threshold of a
    bound is taken as stated: "more than 80 %" is not a rounded number)."""
    unit = Decimal(1) if entry.kind == Kind.SHARE else entry.multiplier
    value = entry.value * unit
    if entry.bound == Bound.MORE:
        return Interval(value, HUNDRED if entry.kind == Kind.SHARE else None, low_open=True)
    if entry.bound == Bound.LESS:
        return Interval(Decimal(0), value, high_open=True)
    half = entry.half_step * unit
    return Interval(value - half, value + half)


def growth_interval(entry: TradeFigure) -> Interval | None:
    """ "+21 %" → 20.5–21.5 %; None when no growth was published."""
    if entry.growth_pct is None or entry.growth_half_step is None:
        return None
    return Interval(entry.growth_pct - entry.growth_half_step, entry.growth_pct + entry.growth_half_step)


def amount(entry: TradeFigure) -> Decimal:
    """The value in USD (or % for a share)."""
    return entry.value if entry.kind == Kind.SHARE else entry.value * entry.multiplier


# --- Derived figures --------------------------------------------------------------------------------


def derived_figures(entries: list[TradeFigure] | None = None) -> list[DerivedFigure]:
    """Every figure the reported entries imply: year-earlier bases, amounts from shares, shares from
    parts and wholes, growth between two years of one side. Computed on each call; nothing is stored."""
    entries = ledger_entries() if entries is None else entries
    values = [entry for entry in entries if entry.kind == Kind.VALUE]
    computed: list[DerivedFigure | None] = []
    computed += [_computed(_year_earlier_base, entry) for entry in values if entry.growth_pct is not None]
    for share in (entry for entry in entries if entry.kind == Kind.SHARE):
        whole = _whole_of(share, values)
        if whole is not None:
            computed.append(_computed(_share_amount, share, whole))
    for part in values:
        whole = _whole_of(part, values)
        if whole is not None:
            computed.append(_computed(_share_of_total, part, whole))
    for earlier in values:
        for later in values:
            if _one_year_apart(earlier, later):
                computed.append(_computed(_growth_between, earlier, later))
    return [figure for figure in computed if figure is not None]


def _computed(derive: Callable[..., T], *entries: TradeFigure) -> T | None:
    """The figure `derive` computes from `entries`, or None when it cannot be computed from them.

    The service refuses what cannot be computed (growth of −100 %, a value of 0, the year 0001), but an
    entry stored before those checks, or written around them, must not take the ledger page, the API, the
    claim check and the season report down with it: that one figure is left out (and logged)."""
    try:
        return derive(*entries)
    except (ArithmeticError, ValueError, TypeError) as error:
        logger.warning("ledger: %s from %s left out: %r", derive.__name__, [entry.pk for entry in entries], error)
        return None


def _year_earlier_base(entry: TradeFigure) -> DerivedFigure:
    value, growth = amount(entry), entry.growth_pct
    assert growth is not None
    factor = 1 + growth / HUNDRED
    values, growths = entry_interval(entry), growth_interval(entry)
    assert values.low is not None and values.high is not None
    assert growths is not None and growths.low is not None and growths.high is not None
    low, high = values.low / (1 + growths.high / HUNDRED), values.high / (1 + growths.low / HUNDRED)
    value_only = Interval(values.low / factor, values.high / factor)
    scale = entry.scale
    explanation = _(
        "%(value)s published with %(growth)s: the same period a year earlier was %(base)s. The value is "
        "rounded to ±%(half)s %(scale)s and the growth to ±%(growth_half)s pp, so the base lies in %(range)s "
        "(%(value_range)s from the value's rounding alone)."
    ) % {
        "value": entry.display_value,
        "growth": entry.display_growth,
        "base": show(value / factor, "USD", scale),
        "half": entry.half_step,
        "scale": scale,
        "growth_half": entry.growth_half_step,
        "range": show_range(low, high, "USD", scale),
        "value_range": show_range(value_only.low, value_only.high, "USD", scale),
    }
    return DerivedFigure(
        key=f"base.{entry.pk}",
        kind="year_earlier_base",
        period=entry_period(entry).year_earlier(),
        indicator=entry.indicator,
        flow=entry.flow,
        side=entry.side,
        value=value / factor,
        low=low,
        high=high,
        unit="USD",
        scale=scale,
        from_entries=(entry.pk,),
        formula=f"#{entry.pk} / (1 + growth/100) = {entry.published_value} {scale} / {factor.normalize():f}",
        explanation=explanation,
    )


def _whole_of(part: TradeFigure, values: list[TradeFigure]) -> TradeFigure | None:
    """The entry a share or a part is of: same period, side and reporter; the same source preferred."""
    whole_indicator = part.share_of if part.kind == Kind.SHARE else TOTAL_OF.get(Indicator(part.indicator))
    if not whole_indicator:
        return None
    candidates = [
        entry
        for entry in values
        if entry.indicator == whole_indicator
        and entry.bound == Bound.EQUAL
        and (entry.period_first, entry.period_last, entry.side, entry.reported_by)
        == (part.period_first, part.period_last, part.side, part.reported_by)
    ]
    candidates.sort(key=lambda entry: (entry.source != part.source, entry.pk))
    return candidates[0] if candidates else None


def _share_amount(share: TradeFigure, whole: TradeFigure) -> DerivedFigure:
    """ "More than 80 % of USD 326 m" → more than USD 260.8 m (260.4 m at the least, given the rounding)."""
    fraction = share.value / HUNDRED
    totals = entry_interval(whole)
    assert totals.low is not None and totals.high is not None
    if share.bound == Bound.MORE:
        low, high = fraction * totals.low, totals.high
    elif share.bound == Bound.LESS:
        low, high = Decimal(0), fraction * totals.high
    else:
        half = share.half_step / HUNDRED
        low, high = (fraction - half) * totals.low, (fraction + half) * totals.high
    value = fraction * amount(whole)
    scale = whole.scale
    bound = "" if share.bound == Bound.EQUAL else share.bound + " "
    return DerivedFigure(
        key=f"share_amount.{share.pk}",
        kind="share_amount",
        period=entry_period(share),
        indicator=share.indicator,
        flow=share.flow,
        side=share.side,
        value=value,
        low=low,
        high=high,
        unit="USD",
        scale=scale,
        from_entries=(share.pk, whole.pk),
        formula=f"#{share.pk} × #{whole.pk} = {bound}{share.published_value} % × {whole.published_value} {scale}",
        explanation=_("%(share)s of %(whole)s: %(amount)s; with the total rounded to ±%(half)s %(scale)s, %(range)s.")
        % {
            "share": share.display_value,
            "whole": whole.display_value,
            "amount": bound + show(value, "USD", scale),
            "half": whole.half_step,
            "scale": scale,
            "range": show_range(low, high, "USD", scale),
        },
        bound=share.bound,
    )


def _share_of_total(part: TradeFigure, whole: TradeFigure) -> DerivedFigure:
    parts, wholes = entry_interval(part), entry_interval(whole)
    assert parts.low is not None and parts.high is not None
    assert wholes.low is not None and wholes.high is not None
    value = amount(part) / amount(whole) * HUNDRED
    low, high = parts.low / wholes.high * HUNDRED, parts.high / wholes.low * HUNDRED
    return DerivedFigure(
        key=f"share.{part.pk}.{whole.pk}",
        kind="share_of_total",
        period=entry_period(part),
        indicator=part.indicator,
        flow=part.flow,
        side=part.side,
        value=value,
        low=low,
        high=high,
        unit="%",
        scale="",
        from_entries=(part.pk, whole.pk),
        formula=f"#{part.pk} / #{whole.pk} × 100 = {part.published_value} / {whole.published_value} × 100",
        explanation=_("%(part)s of %(whole)s is %(share)s (%(range)s given the rounding).")
        % {
            "part": part.display_value,
            "whole": whole.display_value,
            "share": show(value, "%", ""),
            "range": show_range(low, high, "%", ""),
        },
    )


def _one_year_apart(earlier: TradeFigure, later: TradeFigure) -> bool:
    if later.period_first.year <= 1:  # no year before it (an entry stored before the service's checks)
        return False
    return (
        earlier.side == later.side
        and earlier.side != Side.JOINT
        and earlier.indicator == later.indicator
        and earlier.flow == later.flow
        and entry_period(later).year_earlier() == entry_period(earlier)
        and Bound.EQUAL == earlier.bound == later.bound
    )


def _growth_between(earlier: TradeFigure, later: TradeFigure) -> DerivedFigure:
    befores, afters = entry_interval(earlier), entry_interval(later)
    assert befores.low is not None and befores.high is not None
    assert afters.low is not None and afters.high is not None
    value = (amount(later) / amount(earlier) - 1) * HUNDRED
    low, high = (afters.low / befores.high - 1) * HUNDRED, (afters.high / befores.low - 1) * HUNDRED
    published = (
        _("; %(growth)s was published with #%(entry)s") % {"growth": later.display_growth, "entry": later.pk}
        if later.growth_pct is not None
        else ""
    )
    return DerivedFigure(
        key=f"growth.{earlier.pk}.{later.pk}",
        kind="growth_between",
        period=entry_period(later),
        indicator=later.indicator,
        flow=later.flow,
        side=later.side,
        value=value,
        low=low,
        high=high,
        unit="%",
        scale="",
        from_entries=(earlier.pk, later.pk),
        formula=(
            f"(#{later.pk} / #{earlier.pk} − 1) × 100 = ({later.published_value} / {earlier.published_value} − 1) × 100"
        ),
        explanation=_(
            "%(later_period)s %(later)s against %(earlier_period)s %(earlier)s (%(side)s): %(growth)s, %(range)s "
            "given the rounding%(published)s."
        )
        % {
            "later_period": later.period_label,
            "later": later.display_value,
            "earlier_period": earlier.period_label,
            "earlier": earlier.display_value,
            "side": later.side,
            "growth": show(value, "%", "", sign=True),
            "range": show_range(low, high, "%", "", sign=True),
            "published": published,
        },
    )


# --- Mirror statistics ------------------------------------------------------------------------------


def mirror_pairs(entries: list[TradeFigure] | None = None) -> list[MirrorPair]:
    """Each KZ figure beside each KG figure of the same flow and period. KZ exports to KG and KG imports
    from KZ are the same flow (KZ→KG), so they are paired; turnover with turnover."""
    entries = ledger_entries() if entries is None else entries
    values = [entry for entry in entries if entry.kind == Kind.VALUE and entry.bound == Bound.EQUAL]
    pairs = []
    for kz in (entry for entry in values if entry.side == Side.KZ):
        for kg in (entry for entry in values if entry.side == Side.KG):
            if _mirror_key(kz) == _mirror_key(kg):
                pair = _computed(_mirror_pair, kz, kg)
                if pair is not None:
                    pairs.append(pair)
    return sorted(pairs, key=lambda pair: (pair.indicator, pair.period.first, pair.period.last, pair.kz.pk))


def _mirror_key(entry: TradeFigure) -> tuple:
    agri = entry.indicator.startswith("agri")
    family = "agri" if agri else "trade"
    return (entry.period_first, entry.period_last, family, entry.flow if entry.indicator in DIRECTED else "")


def _mirror_pair(kz: TradeFigure, kg: TradeFigure) -> MirrorPair:
    kz_range, kg_range = entry_interval(kz), entry_interval(kg)
    gap = amount(kz) - amount(kg)
    mean = (amount(kz) + amount(kg)) / 2
    coarser = kz if kz.multiplier >= kg.multiplier else kg
    return MirrorPair(
        period=entry_period(kz),
        indicator=kz.indicator,
        flow=kz.flow,
        kz=kz,
        kg=kg,
        gap=gap,
        gap_pct=gap / mean * HUNDRED if mean else Decimal(0),
        gap_low=kz_range.low - kg_range.high,  # type: ignore[operator]
        gap_high=kz_range.high - kg_range.low,  # type: ignore[operator]
        scale=coarser.scale,
    )


# --- Showing numbers --------------------------------------------------------------------------------

SHOWN_DECIMALS = {"bn": 3, "m": 1, "k": 0, "": 0}


def show(number: Decimal, unit: str, scale: str, with_unit: bool = True, *, sign: bool = False) -> str:
    """A derived number for people: "USD 1.157 bn", "229.6 m", "+11.5 %". Exact values stay in the data."""
    if unit == "%":
        text = f"{number.quantize(Decimal('0.01')):{'+' if sign else ''}f}"
        return f"{text} %" if with_unit else text
    scaled = number / SCALES.get(scale, Decimal(1))
    text = f"{scaled.quantize(Decimal(10) ** -SHOWN_DECIMALS.get(scale, 0)):f}"
    return f"USD {text} {scale}".strip() if with_unit else text


def show_range(low: Decimal | None, high: Decimal | None, unit: str, scale: str, *, sign: bool = False) -> str:
    """ "USD 1.111–1.203 bn", "+16.41–+25.80 %", "USD 260.4 m or more" (None: unbounded)."""

    def edge(number: Decimal) -> str:
        return show(number, unit, scale, with_unit=False, sign=sign)

    label = "%" if unit == "%" else scale
    prefix = "" if unit == "%" else "USD "
    if low is None or high is None:
        known = edge(low if low is not None else high)  # type: ignore[arg-type]
        return f"{prefix}{known} {label}".strip() + f" or {'more' if high is None else 'less'}"
    return f"{prefix}{edge(low)}–{edge(high)} {label}".strip()
