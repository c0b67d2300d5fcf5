"""Pages for group applications: the operator files and edits, officers review and decide.

Thin: each view checks one access rule, calls one service or selector, renders. Forms post with
htmx and get the application panel back, so findings update on every save; without JavaScript
they post normally and redirect.
"""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tengri.approvals.services import decision_record
from tengri.capacity.selectors import hold_view, waitlist_position
from tengri.core import access
from tengri.core.errors import InvalidInput, InvalidTransition, NotFound
from tengri.core.roles import Role
from tengri.expeditions import selectors, services
from tengri.expeditions.models import Application, Member
from tengri.permits.selectors import permits_of_application
from tengri.registry.models import Checkpoint
from tengri.registry.reports import route_report
from tengri.registry.selectors import route_get, route_list, route_waypoints
from tengri.web.checkpoints import presence_context

PASSAGE_ROWS = 6
MAX_PASSAGES = 60


def today() -> date:
    return timezone.now().date()


def home(request: HttpRequest) -> HttpResponse:
    role = access.role_of(request.user)
    if role == Role.OPERATOR:
        return redirect("application-list")
    if role == Role.BORDER_OFFICER:
        return redirect("review-queue")
    if role == Role.RESCUE_OFFICER:
        return redirect("rescue")
    if role == Role.ANALYST:
        return redirect("indicators")
    return redirect("route-list")


def application_list_page(request: HttpRequest) -> HttpResponse:
    access.access_operator(request.user)
    company = access.account_of(request.user).company
    context = {
        "company": company,
        "applications": selectors.applications_of_company(company),
        "routes": route_list(),
        "error": request.GET.get("error", ""),
    }
    return render(request, "web/application_list.html", context)


@require_POST
def application_create_view(request: HttpRequest) -> HttpResponse:
    access.access_application_create(request.user, today=today())
    try:
        route = route_get(code=request.POST.get("route", ""))
        application = services.application_create(
            actor=request.user,
            company=access.account_of(request.user).company,
            route=route,
            start_date=_date(request.POST.get("start_date")),
            end_date=_date(request.POST.get("end_date")),
            today=today(),
        )
    except (InvalidInput, NotFound) as error:
        context = {
            "company": access.account_of(request.user).company,
            "applications": selectors.applications_of_company(access.account_of(request.user).company),
            "routes": route_list(),
            "error": str(error),
        }
        return render(request, "web/application_list.html", context, status=400)
    return redirect("application-detail", reference=application.reference)


def application_page(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.application_get(reference=reference)
    access.access_application_read(request.user, application)
    return render(request, "web/application_detail.html", _panel_context(request, application))


def application_findings_panel(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.application_get(reference=reference)
    access.access_application_read(request.user, application)
    return render(request, "web/application_findings.html", {"findings": selectors.application_findings(application)})


@require_POST
def application_details_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _edit(request, reference, _save_details)


@require_POST
def itinerary_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _edit(request, reference, _save_itinerary)


@require_POST
def members_add_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _edit(request, reference, _add_members)


@require_POST
def member_remove_view(request: HttpRequest, reference: str, member_id: int) -> HttpResponse:
    return _edit(
        request,
        reference,
        lambda request, application: services.member_remove(
            actor=request.user,
            application=application,
            member_id=member_id,
            today=today(),
            reason=request.POST.get("reason", ""),
        ),
    )


@require_POST
def application_submit_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _edit(
        request,
        reference,
        lambda request, application: services.application_submit(
            actor=request.user, application=application, today=today()
        ),
    )


@require_POST
def application_withdraw_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _edit(
        request,
        reference,
        lambda request, application: services.application_withdraw(
            actor=request.user, application=application, reason=request.POST.get("reason", "")
        ),
    )


def review_queue_page(request: HttpRequest) -> HttpResponse:
    access.access_review_queue(request.user)
    authority = access.account_of(request.user).country
    return render(
        request, "web/review_queue.html", {"authority": authority, "queue": selectors.review_queue(authority=authority)}
    )


@require_POST
def decision_view(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.application_get(reference=reference)
    access.access_application_decide(request.user, application)
    try:
        decision_record(
            actor=request.user,
            application=application,
            authority=access.account_of(request.user).country,
            verdict=request.POST.get("verdict", ""),
            reason=request.POST.get("reason", ""),
        )
    except (InvalidInput, InvalidTransition) as error:
        return _panel(request, selectors.application_get(reference=reference), error=str(error), status=400)
    return _panel(request, selectors.application_get(reference=reference))


# --- helpers ---------------------------------------------------------------------------------------


def edit_and_answer(request: HttpRequest, reference: str, change) -> HttpResponse:
    """Run `change` on an application the user may edit; answer with the panel (errors shown in it)."""
    return _edit(request, reference, change)


def _edit(request: HttpRequest, reference: str, change) -> HttpResponse:
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    try:
        change(request, application)
    except (InvalidInput, InvalidTransition, NotFound) as error:
        return _panel(request, selectors.application_get(reference=reference), error=str(error), status=400)
    return _panel(request, selectors.application_get(reference=reference))


def _panel(request: HttpRequest, application: Application, *, error: str = "", status: int = 200) -> HttpResponse:
    if not _htmx(request) and not error:
        return redirect("application-detail", reference=application.reference)
    template = "web/application_panel.html" if _htmx(request) else "web/application_detail.html"
    return render(request, template, _panel_context(request, application, error=error), status=status)


def _panel_context(request: HttpRequest, application: Application, *, error: str = "") -> dict:
    role = access.role_of(request.user)
    reason = "officer review" if role == Role.BORDER_OFFICER else "operator view of own application"
    report = route_report(application.route)
    waypoints = route_waypoints(application.route)
    account = access.account_of(request.user)
    decisions = selectors.decisions_of(application)
    may_decide = _allowed(access.access_application_decide, request.user, application) and not any(
        decision.review_round == application.review_round and decision.authority == account.country
        for decision in decisions
    )
    return {
        "application": application,
        "viewer_country": account.country or (account.company.country if account.company else "KZ"),
        "error": error,
        "role": role,
        "is_operator": role == Role.OPERATOR,
        "may_decide": may_decide and application.state in ("submitted", "under_review"),
        "findings": selectors.application_findings(application),
        "documents": selectors.member_documents(application, actor=request.user, reason=reason),
        "nights": _nights(application),
        "passages": _passage_rows(application),
        "route_places": [waypoint.place for waypoint in waypoints],
        "checkpoints": Checkpoint.objects.filter(place__in=[w.place_id for w in waypoints]).order_by("code"),
        "authorities": report["required_authorities"],
        "reasons": report.get("jurisdiction_reasons", []),
        "decisions": decisions,
        "permits": list(permits_of_application(application)),
        "guides": selectors.guides_of_company(application.company) if role == Role.OPERATOR else [],
        "member_roles": Member.Role.choices,
        # Once approved: planned against actual passages, positions, alerts, the descent notice (checkpoints).
        "presence": presence_context(request, application) if application.first_approved_at else None,
        "hold": hold_view(application, now=timezone.now()),
        "waitlist_position": waitlist_position(application),
    }


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _allowed(rule, user, application) -> bool:
    try:
        rule(user, application)
    except access.AccessDenied:
        return False
    return True


def _nights(application: Application) -> list[tuple[date, object]]:
    """Every night of the trip with its sleeping place, or None where none is chosen yet."""
    chosen = {night.date: night.sleeping_place for night in selectors.itinerary_of(application)}
    days = [application.start_date + timedelta(days=n) for n in range(application.nights)]
    return [(day, chosen.get(day)) for day in days]


def _passage_rows(application: Application) -> list[dict]:
    rows = [
        {"date": p.date, "checkpoint": p.checkpoint.code, "direction": p.direction}
        for p in selectors.passages_of(application)
    ]
    return rows + [{"date": None, "checkpoint": "", "direction": ""}] * max(0, PASSAGE_ROWS - len(rows))


def _save_details(request: HttpRequest, application: Application) -> None:
    post = request.POST
    services.application_update(
        actor=request.user,
        application=application,
        today=today(),
        start_date=_date(post.get("start_date")) if post.get("start_date") else None,
        end_date=_date(post.get("end_date")) if post.get("end_date") else None,
        emergency_contact_name=post.get("emergency_contact_name"),
        emergency_contact_phone=post.get("emergency_contact_phone"),
        insurance_policy=post.get("insurance_policy"),
    )


def _save_itinerary(request: HttpRequest, application: Application) -> None:
    post = request.POST
    nights = {
        _date(key.removeprefix("night-")): str(value)
        for key, value in post.items()
        if key.startswith("night-") and value
    }
    passages = []
    for row in range(min(_int(post.get("passage_rows", "0")), MAX_PASSAGES)):
        checkpoint = post.get(f"passage-{row}-checkpoint", "")
        if checkpoint:
            day = _date(post.get(f"passage-{row}-date"))
            passages.append((day, checkpoint, post.get(f"passage-{row}-direction", "")))
    services.itinerary_set(actor=request.user, application=application, nights=nights, passages=passages, today=today())


def _add_members(request: HttpRequest, application: Application) -> None:
    post = request.POST
    guide = None
    if post.get("guide"):
        guide = selectors.guides_of_company(application.company).filter(pk=_int(post["guide"])).first()
        if guide is None:
            raise InvalidInput("unknown guide")
    services.members_add(
        actor=request.user,
        application=application,
        mrz_text=post.get("mrz", ""),
        today=today(),
        role=post.get("role", Member.Role.MEMBER),
        guide=guide,
        typed_name=post.get("typed_name", ""),
        iin=post.get("iin", ""),
    )


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a number") from None
