"""The trade ledger page (analysts, administrators): reported entries with their sources, derived figures
marked derived with their ranges and formulas, the mirror table, the CSV import form and the claim check.

Thin: each view checks one access rule, calls a selector or a service, renders. A refused import or an
unreadable claim comes back on the page with the error, status 400; nothing is saved."""

from itertools import groupby
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from tengri.core import access
from tengri.core.errors import InvalidInput
from tengri.indicators.claims import claim_check
from tengri.indicators.ledger import derived_figures, ledger_entries, mirror_pairs
from tengri.indicators.ledger_csv import COLUMNS, OPTIONAL_COLUMNS, ledger_csv_import
from tengri.indicators.models import Indicator


def ledger_page(request: HttpRequest) -> HttpResponse:
    access.access_ledger_read(request.user)
    return _ledger(request)


@require_POST
def ledger_import_view(request: HttpRequest) -> HttpResponse:
    access.access_ledger_edit(request.user)
    upload = request.FILES.get("file")
    if upload is None:
        return _ledger(request, import_error=InvalidInput("choose a CSV file to import"), status=400)
    try:
        result = ledger_csv_import(upload, actor=request.user)
    except InvalidInput as error:
        return _ledger(request, import_error=error, status=400)
    return _ledger(request, import_result=result)


@require_http_methods(["GET", "POST"])
def ledger_claim_view(request: HttpRequest) -> HttpResponse:
    access.access_ledger_read(request.user)
    text = request.POST.get("claim", "") if request.method == "POST" else request.GET.get("claim", "")
    context: dict[str, Any] = {"claim": text, "verdict": None, "error": ""}
    status = 200
    if request.method == "POST":
        try:
            context["verdict"] = claim_check(text)
        except InvalidInput as error:
            context["error"], status = str(error), 400
    return render(request, "ledger/claim.html", context, status=status)


def _ledger(request: HttpRequest, *, import_error: Exception | None = None, import_result=None, status: int = 200):
    entries = ledger_entries()
    labels = dict(Indicator.choices)
    order = {indicator: position for position, indicator in enumerate(Indicator.values)}
    by_indicator = sorted(
        entries, key=lambda entry: (order.get(entry.indicator, 99), entry.period_first, entry.period_last)
    )
    groups = [
        {"indicator": indicator, "label": labels.get(indicator, indicator), "entries": list(rows)}
        for indicator, rows in groupby(by_indicator, key=lambda entry: entry.indicator)
    ]
    context = {
        "groups": groups,
        "derived": derived_figures(entries),
        "mirror": mirror_pairs(entries),
        "can_import": access.allows(access.access_ledger_edit, request.user),
        "columns": ",".join(COLUMNS),
        "optional_columns": ", ".join(OPTIONAL_COLUMNS),
        "import_error": str(import_error) if import_error else "",
        "import_result": import_result,
    }
    return render(request, "ledger/ledger.html", context, status=status)
