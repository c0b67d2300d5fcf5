"""Capacity pages: the calendar (operators, border officers, administrators), usage (administrators),
and the application page's two capacity forms: hold again, join the waitlist (the page itself shows
the hold with why it does not fit, from `applications._panel_context`).

Thin: one access rule, one service or selector, render. The two application forms answer with the
application panel, as the other application forms do."""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tengri.capacity import selectors, services
from tengri.capacity.models import Resource
from tengri.core import access
from tengri.core.errors import InvalidInput
from tengri.web import applications

PAGE_DAYS = 14


def capacity_calendar_page(request: HttpRequest) -> HttpResponse:
    access.access_capacity_calendar(request.user)
    first, days, kind = _period(request)
    rows = selectors.calendar(first=first, days=days, kind=kind, now=timezone.now())
    context = {
        "rows": rows,
        "first": first,
        "days": days,
        "kind": kind,
        "kinds": Resource.Kind.choices,
        "dates": [first + timedelta(days=offset) for offset in range(days)],
        "earlier": first - timedelta(days=days),
        "later": first + timedelta(days=days),
    }
    return render(request, "web/capacity_calendar.html", context)


def capacity_usage_page(request: HttpRequest) -> HttpResponse:
    access.access_capacity_usage(request.user)
    first, days, _kind = _period(request)
    lines = selectors.usage(first=first, days=days, now=timezone.now())
    context = {"lines": lines, "first": first, "days": days, "behind": selectors.reservations_behind()}
    return render(request, "web/capacity_usage.html", context)


@require_POST
def hold_place_view(request: HttpRequest, reference: str) -> HttpResponse:
    return applications.edit_and_answer(
        request,
        reference,
        lambda request, application: services.hold_place(actor=request.user, application=application),
    )


@require_POST
def waitlist_join_view(request: HttpRequest, reference: str) -> HttpResponse:
    return applications.edit_and_answer(
        request,
        reference,
        lambda request, application: services.waitlist_join(actor=request.user, application=application),
    )


def _period(request: HttpRequest) -> tuple[date, int, str]:
    text = request.GET.get("first", "")
    try:
        first = date.fromisoformat(text) if text else timezone.now().date()
        days = int(request.GET.get("days", PAGE_DAYS))
    except ValueError:
        raise InvalidInput("give the first day as YYYY-MM-DD and the days as a number") from None
    return first, days, request.GET.get("kind", "")
