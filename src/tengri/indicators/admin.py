"""Reported trade figures in the admin, for administrators (analysts import on the ledger page). Saving
goes through the ledger service, which checks the figure, keeps the digits published and audits the
change; the entry's history is kept too (RuleAdmin is a SimpleHistoryAdmin)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from tengri.core.access import access_ledger_edit
from tengri.core.errors import InvalidInput
from tengri.core.rule_admin import RuleAdmin
from tengri.indicators.ledger_services import (
    FigureInput,
    figure_fields,
    same_report,
    trade_figure_delete,
    trade_figure_record,
    trade_figure_update,
)
from tengri.indicators.models import TradeFigure

EDITED = (
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
    "speaker",
    "source",
    "source_url",
    "published_on",
    "note",
    "bound",
    "share_of",
)


class TradeFigureForm(forms.ModelForm):
    """Checks the figure as the service will (a bad flow or a share without its whole is refused here,
    on the form, with the field named), and shows numbers with the digits published, not the database's
    padding (1.4, not 1.400000), so that saving unchanged keeps how the figure was rounded."""

    source_url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = TradeFigure
        fields = EDITED

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["value"] = self.instance.published_value
            self.initial["growth_pct"] = self.instance.published_growth

    def clean(self):
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            fields = figure_fields(_figure_input(cleaned))
            other = same_report(fields, other_than=self.instance.pk) if self.instance.pk else None
            if other is not None:
                raise InvalidInput(
                    f"source: entry #{other.pk} already records this report (same period, indicator, flow, "
                    "side, reporter and source); correct that entry instead"
                )
        except (InvalidInput, KeyError, TypeError) as error:
            field, _, why = str(error).partition(": ")
            raise ValidationError({field: why} if field in self.fields and why else str(error)) from None
        return cleaned


@admin.register(TradeFigure)
class TradeFigureAdmin(RuleAdmin):
    # The ledger's edit rule; the admin site itself admits staff only, so in practice administrators
    # edit here and analysts import on the ledger page.
    access_rule = staticmethod(access_ledger_edit)
    form = TradeFigureForm
    list_display = ("id", "period_first", "period_last", "indicator", "flow", "side", "reported_by", "value", "scale")
    list_filter = ("indicator", "side", "reported_by")
    search_fields = ("source", "note", "speaker")
    fields = EDITED
    readonly_fields = ()

    def save_model(self, request, obj, form, change):
        data = _figure_input(form.cleaned_data)
        if change:
            # Corrected in place, natural key too: the entry keeps its id, so what cites it still finds it.
            trade_figure_update(actor=request.user, entry=TradeFigure.objects.get(pk=obj.pk), data=data)
            return
        saved, _outcome = trade_figure_record(actor=request.user, data=data)
        obj.pk = saved.pk  # the admin's answer links to what was saved

    def delete_model(self, request, obj):
        trade_figure_delete(actor=request.user, entry=obj, reason="deleted in the admin")

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            trade_figure_delete(actor=request.user, entry=entry, reason="deleted in the admin")


def _figure_input(cleaned: dict) -> FigureInput:
    """The admin's decimals as text, with the digits typed (Decimal('1.40') stays 1.40)."""

    def text(name: str) -> str:
        value = cleaned.get(name)
        return "" if value is None else str(value)

    return FigureInput(
        period_first=cleaned["period_first"],
        period_last=cleaned["period_last"],
        indicator=text("indicator"),
        flow=text("flow"),
        value=text("value"),
        scale=text("scale"),
        currency=text("currency"),
        growth_pct=text("growth_pct"),
        reported_by=text("reported_by"),
        side=text("side"),
        speaker=text("speaker"),
        source=text("source"),
        source_url=text("source_url"),
        published_on=cleaned.get("published_on"),
        note=text("note"),
        bound=text("bound"),
        share_of=text("share_of"),
    )
