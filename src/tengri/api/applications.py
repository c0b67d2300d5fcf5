"""Application endpoints: the same operations as the pages, over the same services.

Each handler: schema-validated input → one `access_*` rule → one service or selector → output schema.
Errors are mapped once in tengri.api.main. Every caller must be signed in (401 otherwise).
"""

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from tengri.api.security import SIGNED_IN
from tengri.approvals.services import decision_record
from tengri.core import access
from tengri.expeditions import selectors, services
from tengri.expeditions.models import Application
from tengri.registry.selectors import route_get

router = Router(tags=["applications"], auth=SIGNED_IN)


class Error(Schema):
    detail: str


ERRORS: dict[int, type] = {status: Error for status in (400, 401, 403, 404, 409, 422)}


class ApplicationIn(Schema):
    route: str = Field(max_length=20)
    start_date: date
    end_date: date


class ApplicationPatch(Schema):
    start_date: date | None = None
    end_date: date | None = None
    emergency_contact_name: str | None = Field(None, max_length=200)
    emergency_contact_phone: str | None = Field(None, max_length=40)
    insurance_policy: str | None = Field(None, max_length=80)


class NightIn(Schema):
    date: date
    place: str = Field(max_length=40)


class PassageIn(Schema):
    date: date
    checkpoint: str = Field(max_length=12)
    direction: str = Field(pattern="^(in|out)$")


class ItineraryIn(Schema):
    nights: list[NightIn] = Field(max_length=61)
    passages: list[PassageIn] = Field(max_length=60)


class MembersIn(Schema):
    mrz: str = Field(max_length=8000, description="two TD3 lines per passport; one or many passports")
    role: str = Field("member", pattern="^(leader|guide|member)$")
    guide_id: int | None = None
    typed_name: str = Field("", max_length=200)
    iin: str = Field("", max_length=12)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(Schema):
    verdict: str = Field(pattern="^(approve|reject|request_changes)$")
    reason: str = Field("", max_length=2000)


class FindingOut(Schema):
    code: str
    severity: str
    message: str


class DecisionOut(Schema):
    review_round: int
    authority: str
    verdict: str
    reason: str
    decided_at: str


class ApplicationOut(Schema):
    reference: str
    route: str
    company: str
    start_date: date
    end_date: date
    state: str
    review_round: int
    required_authorities: list[str]
    findings: list[FindingOut]
    decisions: list[DecisionOut]
    members: int
    nights: list[NightIn]
    passages: list[PassageIn]


class MemberOut(Schema):
    id: int
    role: str
    surname: str
    given_names: str
    nationality: str
    sex: str
    birth_date: date | None
    document_number: str
    document_expiry: date


def _today() -> date:
    return timezone.now().date()


def _out(application: Application) -> dict:
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "start_date": application.start_date,
        "end_date": application.end_date,
        "state": application.state,
        "review_round": application.review_round,
        "required_authorities": application.required_authorities,
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message}
            for f in selectors.application_findings(application)
        ],
        "decisions": [
            {
                "review_round": d.review_round,
                "authority": d.authority,
                "verdict": d.verdict,
                "reason": d.reason,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in selectors.decisions_of(application)
        ],
        "members": len(selectors.members_active(application)),
        "nights": [{"date": n.date, "place": n.sleeping_place.code} for n in selectors.itinerary_of(application)],
        "passages": [
            {"date": p.date, "checkpoint": p.checkpoint.code, "direction": p.direction}
            for p in selectors.passages_of(application)
        ],
    }


def _fresh(reference: str) -> dict:
    return _out(selectors.application_get(reference=reference))


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS})
def application_list(request: HttpRequest):
    """An operator's company's applications, or a border officer's review queue."""
    if access.role_of(request.user) == "border_officer":
        access.access_review_queue(request.user)
        return [_out(a) for a in selectors.review_queue(authority=access.account_of(request.user).country)]
    access.access_operator(request.user)
    return [_out(a) for a in selectors.applications_of_company(access.account_of(request.user).company)]


@router.post("/applications", response={201: ApplicationOut, **ERRORS})
def application_create(request: HttpRequest, payload: ApplicationIn):
    access.access_application_create(request.user, today=_today())
    application = services.application_create(
        actor=request.user,
        company=access.account_of(request.user).company,
        route=route_get(code=payload.route),
        start_date=payload.start_date,
        end_date=payload.end_date,
        today=_today(),
    )
    return Status(201, _fresh(application.reference))


@router.get("/applications/{reference}", response={200: ApplicationOut, **ERRORS})
def application_detail(request: HttpRequest, reference: str):
    application = selectors.application_get(reference=reference)
    access.access_application_read(request.user, application)
    return _out(application)


@router.patch("/applications/{reference}", response={200: ApplicationOut, **ERRORS})
def application_update(request: HttpRequest, reference: str, payload: ApplicationPatch):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.application_update(actor=request.user, application=application, today=_today(), **payload.model_dump())
    return _fresh(reference)


@router.put("/applications/{reference}/itinerary", response={200: ApplicationOut, **ERRORS})
def itinerary_set(request: HttpRequest, reference: str, payload: ItineraryIn):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.itinerary_set(
        actor=request.user,
        application=application,
        nights={night.date: night.place for night in payload.nights},
        passages=[(p.date, p.checkpoint, p.direction) for p in payload.passages],
        today=_today(),
    )
    return _fresh(reference)


@router.get("/applications/{reference}/members", response={200: list[MemberOut], **ERRORS})
def members_list(request: HttpRequest, reference: str, reason: str):
    """Members with their personal data. Every call is audited with the reason given."""
    application = selectors.application_get(reference=reference)
    access.access_application_read(request.user, application)
    rows = selectors.member_documents(application, actor=request.user, reason=reason)
    return [_member_out(row) for row in rows]


@router.post("/applications/{reference}/members", response={201: list[MemberOut], **ERRORS})
def members_add(request: HttpRequest, reference: str, payload: MembersIn):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    guide = None
    if payload.guide_id is not None:
        guide = get_object_or_404(selectors.guides_of_company(application.company), pk=payload.guide_id)
    members = services.members_add(
        actor=request.user,
        application=application,
        mrz_text=payload.mrz,
        today=_today(),
        role=payload.role,
        guide=guide,
        typed_name=payload.typed_name,
        iin=payload.iin,
    )
    added = {member.pk for member in members}
    rows = selectors.member_documents(application, actor=request.user, reason="operator added members")
    return Status(201, [_member_out(row) for row in rows if row["member"].pk in added])


@router.delete("/applications/{reference}/members/{member_id}", response={200: ApplicationOut, **ERRORS})
def member_remove(request: HttpRequest, reference: str, member_id: int, reason: str = ""):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.member_remove(
        actor=request.user, application=application, member_id=member_id, today=_today(), reason=reason
    )
    return _fresh(reference)


@router.post("/applications/{reference}/submit", response={200: ApplicationOut, **ERRORS})
def application_submit(request: HttpRequest, reference: str):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.application_submit(actor=request.user, application=application, today=_today())
    return _fresh(reference)


@router.post("/applications/{reference}/withdraw", response={200: ApplicationOut, **ERRORS})
def application_withdraw(request: HttpRequest, reference: str, payload: ReasonIn):
    application = selectors.application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.application_withdraw(actor=request.user, application=application, reason=payload.reason)
    return _fresh(reference)


@router.post("/applications/{reference}/decisions", response={201: DecisionOut, **ERRORS})
def decision_create(request: HttpRequest, reference: str, payload: DecisionIn):
    """The calling officer decides for their own state's authority."""
    application = selectors.application_get(reference=reference)
    access.access_application_decide(request.user, application)
    decision = decision_record(
        actor=request.user,
        application=application,
        authority=access.account_of(request.user).country,
        verdict=payload.verdict,
        reason=payload.reason,
    )
    return Status(
        201,
        {
            "review_round": decision.review_round,
            "authority": decision.authority,
            "verdict": decision.verdict,
            "reason": decision.reason,
            "decided_at": decision.decided_at.isoformat(),
        },
    )


def _member_out(row: dict) -> dict:
    member = row["member"]
    return {
        "id": member.pk,
        "role": member.role,
        "surname": member.surname,
        "given_names": member.given_names,
        "nationality": member.nationality,
        "sex": member.sex,
        "birth_date": row["birth_date"],
        "document_number": row["document_number"],
        "document_expiry": member.document_expiry,
    }
