"""The permit for people: a page with the QR code for a phone, and the PDF to print. Reached by whoever
may read the application, or by the holder through the private link (`?t=`). Every view is audited.
The leader's private link also files the group's summit notices and its descent notice (the group is down)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tengri.checkpoints.models import DescentNotice, SummitNotice
from tengri.checkpoints.services import descent_notice_file, summit_notice_file
from tengri.checkpoints.tracks import is_on_trip
from tengri.core import access
from tengri.core.audit import audit_personal_data_read
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.expeditions.models import Member
from tengri.permits.codec import qr_svg
from tengri.permits.document import masked, permit_pdf
from tengri.permits.links import permit_link_token, permit_link_valid
from tengri.permits.presentation import permit_sheet
from tengri.permits.selectors import permit_get
from tengri.permits.services import permit_replace
from tengri.web.checkpoints import ZONES, local_input_value, summit_form_fields

PERSONAL_FIELDS = ["name", "document_number", "birth_date"]


def permit_page(request: HttpRequest, permit_id: str) -> HttpResponse:
    permit, token = _permit(request, permit_id, why="permit page")
    return render(request, "web/permit.html", _page_context(request, permit, token))


def _page_context(request: HttpRequest, permit, token: str, *, descent_error: str = "", summit_error: str = "") -> dict:
    sheet = permit_sheet(permit)
    application = permit.application
    leader_link = _leader_link(permit, token)
    notice = DescentNotice.objects.filter(application=application).first() if leader_link else None
    on_trip = leader_link and is_on_trip(application)
    summits = list(SummitNotice.objects.filter(application=application)) if leader_link else []
    return {
        "permit": permit,
        "sheet": sheet,
        "qr": qr_svg(sheet.qr_text, scale=5),
        "masked_number": masked(sheet.document_number),
        "token": token,
        "share_link": request.build_absolute_uri(
            reverse("permit-detail", args=[permit.id]) + f"?t={permit_link_token(str(permit.id))}"
        ),
        "leader_link": leader_link,
        "descent_notice": notice,
        "may_file_descent": on_trip and notice is None,
        "descent_error": descent_error,
        "summits": summits,
        "may_file_summit": on_trip,
        "summit_error": summit_error,
        "group_size": application.members.filter(removed_at__isnull=True).count() if on_trip else 0,
        "zones": ZONES,
        "local_now": local_input_value(timezone.now(), application.route.access_country),
        "local_country": application.route.access_country,
    }


def permit_pdf_download(request: HttpRequest, permit_id: str) -> HttpResponse:
    permit, _ = _permit(request, permit_id, why="permit PDF")
    response = HttpResponse(permit_pdf(permit_sheet(permit)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="permit-{permit.application.reference}-{permit.id}.pdf"'
    return response


def _permit(request: HttpRequest, permit_id: str, *, why: str):
    permit = permit_get(permit_id=permit_id)
    token = request.GET.get("t", "")
    access.access_permit_read(request.user, permit, link_valid=permit_link_valid(str(permit.id), token))
    audit_personal_data_read(actor=request.user, subject=permit, fields=PERSONAL_FIELDS, reason=why)
    return permit, token


@require_POST
def permit_descent_notice_view(request: HttpRequest, permit_id: str) -> HttpResponse:
    """The leader files the descent notice through their private link (the token travels in the form);
    without a leader's link only the filing company's operator may (the rule's other branch)."""
    permit = permit_get(permit_id=permit_id)
    token = request.POST.get("t", "")
    leader_link = _leader_link(permit, token)
    access.access_descent_notice(request.user, permit.application, link_valid=leader_link)
    try:
        descent_notice_file(
            actor=request.user,
            application=permit.application,
            note=request.POST.get("note", ""),
            by_leader=leader_link,
            now=timezone.now(),
        )
    except (InvalidInput, InvalidTransition) as error:
        audit_personal_data_read(actor=request.user, subject=permit, fields=PERSONAL_FIELDS, reason="permit page")
        context = _page_context(request, permit, token, descent_error=str(error))
        return render(request, "web/permit.html", context, status=400)
    return redirect(reverse("permit-detail", args=[permit.id]) + (f"?t={token}" if token else ""))


@require_POST
def permit_summit_notice_view(request: HttpRequest, permit_id: str) -> HttpResponse:
    """The leader files a summit notice through their private link, like the descent notice; without a
    leader's link only the filing company's operator may."""
    permit = permit_get(permit_id=permit_id)
    token = request.POST.get("t", "")
    leader_link = _leader_link(permit, token)
    access.access_descent_notice(request.user, permit.application, link_valid=leader_link)
    try:
        summit_notice_file(
            permit.application,
            actor=request.user,
            by_leader=leader_link,
            now=timezone.now(),
            **summit_form_fields(request.POST),
        )
    except (InvalidInput, InvalidTransition) as error:
        audit_personal_data_read(actor=request.user, subject=permit, fields=PERSONAL_FIELDS, reason="permit page")
        context = _page_context(request, permit, token, summit_error=str(error))
        return render(request, "web/permit.html", context, status=400)
    return redirect(reverse("permit-detail", args=[permit.id]) + (f"?t={token}" if token else ""))


def _leader_link(permit, token: str) -> bool:
    """The token is this permit's private link, and the permit is the group leader's, live."""
    member = permit.member
    return (
        permit_link_valid(str(permit.id), token)
        and not permit.revoked
        and member.role == Member.Role.LEADER
        and member.removed_at is None
    )


@require_POST
def permit_replace_view(request: HttpRequest, permit_id: str) -> HttpResponse:
    permit = permit_get(permit_id=permit_id)
    access.access_permit_revoke(request.user, permit)
    permit_replace(actor=request.user, permit=permit, reason=request.POST.get("reason", ""))
    return redirect("application-detail", reference=permit.application.reference)
