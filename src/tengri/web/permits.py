"""The permit for people: a page with the QR code for a phone, and the PDF to print. Reached by whoever
may read the application, or by the holder through the private link (`?t=`). Every view is audited."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tengri.core import access
from tengri.core.audit import audit_personal_data_read
from tengri.permits.codec import qr_svg
from tengri.permits.document import masked, permit_pdf
from tengri.permits.links import permit_link_token, permit_link_valid
from tengri.permits.presentation import permit_sheet
from tengri.permits.selectors import permit_get
from tengri.permits.services import permit_replace

PERSONAL_FIELDS = ["name", "document_number", "birth_date"]


def permit_page(request: HttpRequest, permit_id: str) -> HttpResponse:
    permit, token = _permit(request, permit_id, why="permit page")
    sheet = permit_sheet(permit)
    context = {
        "permit": permit,
        "sheet": sheet,
        "qr": qr_svg(sheet.qr_text, scale=5),
        "masked_number": masked(sheet.document_number),
        "token": token,
        "share_link": request.build_absolute_uri(f"?t={permit_link_token(str(permit.id))}"),
    }
    return render(request, "web/permit.html", context)


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
def permit_replace_view(request: HttpRequest, permit_id: str) -> HttpResponse:
    permit = permit_get(permit_id=permit_id)
    access.access_permit_revoke(request.user, permit)
    permit_replace(actor=request.user, permit=permit, reason=request.POST.get("reason", ""))
    return redirect("application-detail", reference=permit.application.reference)
