"""Reads of applications. Opening members' personal data goes through `member_documents`, which
writes an audit entry for every read (who, which application, which fields, why)."""

from datetime import date

from django.db.models import QuerySet

from tengri.core.audit import audit_personal_data_read
from tengri.core.errors import NotFound
from tengri.documents.crypto import unseal
from tengri.expeditions.models import Application, Guide, Member
from tengri.expeditions.prescreen import Finding, findings_from_json

State = Application.State
AWAITING_DECISION = (State.SUBMITTED, State.UNDER_REVIEW)
PERSONAL_FIELDS = ["document_number", "birth_date", "iin"]


def application_get(*, reference: str) -> Application:
    application = (
        Application.objects.select_related("route", "company").filter(reference=reference.strip().upper()).first()
    )
    if application is None:
        raise NotFound(f"no application {reference!r}")
    return application


def applications_of_company(company) -> QuerySet[Application]:
    return Application.objects.filter(company=company).select_related("route")


def review_queue(*, authority: str) -> list[Application]:
    """Applications awaiting `authority`'s decision in their current round, oldest submission first."""
    candidates = (
        Application.objects.filter(state__in=AWAITING_DECISION)
        .select_related("route", "company")
        .prefetch_related("decisions")
        .order_by("submitted_at")
    )
    return [
        application
        for application in candidates
        if authority in application.required_authorities and not _decided(application, authority)
    ]


def _decided(application: Application, authority: str) -> bool:
    return any(
        decision.authority == authority and decision.review_round == application.review_round
        for decision in application.decisions.all()
    )


def application_findings(application: Application) -> list[Finding]:
    return findings_from_json(application.findings)


def members_active(application: Application) -> list[Member]:
    return list(application.members.filter(removed_at__isnull=True).select_related("guide"))


def member_documents(application: Application, *, actor, reason: str) -> list[dict]:
    """Members with their document numbers, birth dates and IINs decrypted. Audited."""
    members = members_active(application)
    audit_personal_data_read(actor=actor, subject=application, fields=PERSONAL_FIELDS, reason=reason)
    return [
        {
            "member": member,
            "document_number": unseal(member.document_number_sealed),
            "birth_date": date.fromisoformat(unseal(member.birth_date_sealed)) if member.birth_date_sealed else None,
            "iin": unseal(member.iin_sealed),
        }
        for member in members
    ]


def guides_of_company(company) -> QuerySet[Guide]:
    return Guide.objects.filter(company=company, active=True)


def itinerary_of(application: Application) -> list:
    return list(application.itinerary.select_related("sleeping_place"))


def passages_of(application: Application) -> list:
    return list(application.passages.select_related("checkpoint"))


def decisions_of(application: Application) -> list:
    return list(application.decisions.select_related("officer").order_by("review_round", "decided_at"))
