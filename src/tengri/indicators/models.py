"""The trade ledger: figures about KZ–KG trade as someone published them, with whose figure it is and where.

A `TradeFigure` is a *reported* entry: the value exactly as published (its digits tell how it was
rounded), the growth as published, who reported it (the two states' statistics differ: mirror
statistics) and the source. Nothing computed is stored here: bases implied by a growth rate, shares
turned into amounts and growth between two entries are derived when read (tengri.indicators.ledger)
and always shown as derived. Writes go through `ledger.trade_figure_record`, which audits them; the
history of every entry is kept as well (django-simple-history).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

SCALES = {"": Decimal(1), "k": Decimal(10) ** 3, "m": Decimal(10) ** 6, "bn": Decimal(10) ** 9}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Indicator(models.TextChoices):
    TURNOVER = "turnover", _("trade turnover")
    EXPORTS = "exports", _("exports")
    IMPORTS = "imports", _("imports")
    AGRI_TRADE = "agri_trade", _("agro-industrial trade")
    AGRI_EXPORTS = "agri_exports", _("agro-industrial exports")
    AGRI_IMPORTS = "agri_imports", _("agro-industrial imports")


# Exports and imports are one flow seen from its two ends: KZ's exports to KG are KG's imports from KZ.
DIRECTED = frozenset({Indicator.EXPORTS, Indicator.IMPORTS, Indicator.AGRI_EXPORTS, Indicator.AGRI_IMPORTS})
TOTAL_OF = {
    Indicator.EXPORTS: Indicator.TURNOVER,
    Indicator.IMPORTS: Indicator.TURNOVER,
    Indicator.AGRI_EXPORTS: Indicator.AGRI_TRADE,
    Indicator.AGRI_IMPORTS: Indicator.AGRI_TRADE,
}


class Flow(models.TextChoices):
    NONE = "", _("both ways")
    KZ_KG = "KZ>KG", "KZ→KG"
    KG_KZ = "KG>KZ", "KG→KZ"


class Side(models.TextChoices):
    KZ = "KZ", _("Kazakhstan")
    KG = "KG", _("Kyrgyzstan")
    JOINT = "joint", _("joint")


class Reporter(models.TextChoices):
    KZ_STATISTICS = "kz_statistics", _("KZ statistics")
    KZ_GOVERNMENT = "kz_government", _("KZ government")
    KZ_AGRICULTURE = "kz_agriculture", _("KZ Ministry of Agriculture")
    KG_NSC = "kg_nsc", _("KG National Statistical Committee")
    KG_GOVERNMENT = "kg_government", _("KG government")
    COUNCIL = "council", _("Intergovernmental Council communiqué")
    OTHER = "other", _("other")


class Kind(models.TextChoices):
    VALUE = "value", _("value")
    SHARE = "share", _("share")


class Bound(models.TextChoices):
    EQUAL = "=", _("as published")
    MORE = ">", _("more than")
    LESS = "<", _("less than")


class TradeFigure(models.Model):
    """One figure as published. A value (USD) or a share (%) of another indicator of the same report.

    `value_decimals` and `growth_decimals` are the digits published after the point ("1.4" → 1,
    "326" → 0): they say how the number was rounded, so how far the true figure may lie from it.
    """

    period_first = models.DateField(help_text=_("first day of the period, e.g. 2025-01-01"))
    period_last = models.DateField(help_text=_("last day of the period, e.g. 2025-08-31 for Jan–Aug"))
    indicator = models.CharField(max_length=20, choices=Indicator.choices)
    flow = models.CharField(
        max_length=5, choices=Flow.choices, blank=True, default="", help_text=_("for exports and imports")
    )
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.VALUE)
    share_of = models.CharField(
        max_length=20, choices=Indicator.choices, blank=True, default="", help_text=_("for a share: of what")
    )
    bound = models.CharField(max_length=1, choices=Bound.choices, default=Bound.EQUAL)
    value = models.DecimalField(max_digits=20, decimal_places=6, help_text=_("as published, e.g. 1.4"))
    value_decimals = models.PositiveSmallIntegerField(default=0, editable=False)
    scale = models.CharField(
        max_length=2,
        choices=[("", "—"), ("k", _("thousand")), ("m", _("million")), ("bn", _("billion")), ("%", "%")],
        blank=True,
        default="",
    )
    currency = models.CharField(max_length=3, blank=True, default="USD")
    growth_pct = models.DecimalField(
        max_digits=9, decimal_places=3, null=True, blank=True, help_text=_("year on year, as published")
    )
    growth_decimals = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    reported_by = models.CharField(max_length=20, choices=Reporter.choices)
    side = models.CharField(max_length=5, choices=Side.choices, help_text=_("whose statistics the figure is"))
    speaker = models.CharField(max_length=100, blank=True, default="", help_text=_("e.g. PM Smailov"))
    source = models.CharField(max_length=300, help_text=_("title of the publication"))
    source_url = models.URLField(max_length=500, blank=True, default="")
    published_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period_first", "period_last", "side", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_first", "period_last", "indicator", "flow", "kind", "side", "reported_by", "source"],
                name="one_trade_figure_per_report",
            ),
            models.CheckConstraint(condition=Q(period_first__lte=models.F("period_last")), name="period_in_order"),
            models.CheckConstraint(
                condition=(Q(kind="value") & Q(share_of="") & ~Q(scale="%"))
                | (Q(kind="share") & ~Q(share_of="") & Q(scale="%")),
                name="share_has_its_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period_label} {self.indicator} {self.display_value} ({self.side})"

    @property
    def period_label(self) -> str:
        return period_label(self.period_first, self.period_last)

    @property
    def multiplier(self) -> Decimal:
        return SCALES.get(self.scale, Decimal(1))

    @property
    def half_step(self) -> Decimal:
        """Half the last published digit: "1.4" → 0.05, "326" → 0.5 (in the published scale)."""
        return Decimal(5) * Decimal(10) ** -(self.value_decimals + 1)

    @property
    def growth_half_step(self) -> Decimal | None:
        if self.growth_pct is None or self.growth_decimals is None:
            return None
        return Decimal(5) * Decimal(10) ** -(self.growth_decimals + 1)

    @property
    def published_value(self) -> Decimal:
        """The value with exactly the digits published (the database pads them)."""
        return self.value.quantize(Decimal(10) ** -self.value_decimals)

    @property
    def published_growth(self) -> Decimal | None:
        if self.growth_pct is None:
            return None
        return self.growth_pct.quantize(Decimal(10) ** -(self.growth_decimals or 0))

    @property
    def display_value(self) -> str:
        bound = "" if self.bound == Bound.EQUAL else self.bound
        if self.kind == Kind.SHARE:
            return f"{bound}{self.published_value} % {self.get_indicator_display()}"
        return f"{bound}{self.currency} {self.published_value} {self.scale}".strip()

    @property
    def display_growth(self) -> str:
        growth = self.published_growth
        if growth is None:
            return ""
        return f"{'+' if growth >= 0 else ''}{growth} %"


def period_label(first: date, last: date) -> str:
    """ "2023", "Q1 2025", "Jan–Aug 2025", "Jul 2027", or the two days when the period is irregular."""
    month_end = _month_end(last)
    if first.day != 1 or last != month_end:
        return f"{first.isoformat()}–{last.isoformat()}"
    if first.year != last.year:
        return f"{MONTHS[first.month - 1]} {first.year}–{MONTHS[last.month - 1]} {last.year}"
    if first.month == 1 and last.month == 12:
        return str(first.year)
    if first.month % 3 == 1 and last.month == first.month + 2:
        return f"Q{first.month // 3 + 1} {first.year}"
    if first.month == last.month:
        return f"{MONTHS[first.month - 1]} {first.year}"
    return f"{MONTHS[first.month - 1]}–{MONTHS[last.month - 1]} {first.year}"


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
