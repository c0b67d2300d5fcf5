"""Permit endpoints: the trust list and revocations (public: what any checkpoint needs offline),
verification (officers), and an application's permits (who may read the application)."""

from datetime import UTC, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tengri.api.applications import ERRORS
from tengri.api.security import SIGNED_IN
from tengri.core import access
from tengri.expeditions.selectors import application_get
from tengri.permits.checking import verify_for_command
from tengri.permits.selectors import permit_get, permits_of_application, revocation_list, trust_list_jwks
from tengri.permits.services import permit_replace

router = Router(tags=["permits"])


class Jwk(Schema):
    kty: str
    crv: str
    alg: str
    use: str
    x: str
    kid: str
    country: str
    nbf: int
    exp: int


class TrustListOut(Schema):
    keys: list[Jwk]


class RevocationsOut(Schema):
    generated: int
    revoked: list[str]


class VerifyIn(Schema):
    qr: str = Field(max_length=12_000, description="the scanned text, TGP1:…")
    checkpoint: str | None = Field(None, max_length=12)
    at: datetime | None = None


class VerdictOut(Schema):
    verdict: str
    ok: bool
    detail: str
    holder: str | None = None
    nationality: str | None = None
    document: str | None = None
    birth_date: str | None = None
    role: str | None = None
    route: str | None = None
    reference: str | None = None
    permit_id: str | None = None
    checkpoints: list[dict] | None = None


class PermitOut(Schema):
    id: str
    holder: str
    role: str
    review_round: int
    not_before: datetime
    expires: datetime
    revoked_at: datetime | None
    revoke_reason: str


@router.get("/trust-list", response=TrustListOut, auth=None)
def trust_list(request: HttpRequest):
    """The JWK Set of every key whose signatures are still in use (spec: permit-v1, Trust list)."""
    access.access_registry_read(request.user)
    return trust_list_jwks(now=datetime.now(UTC))


@router.get("/revocations", response={200: RevocationsOut, 400: ERRORS[400]}, auth=None)
def revocations(request: HttpRequest, since: int | None = Query(None, ge=0, le=253_402_300_799)):
    """Revoked, unexpired permit ids (base64url cti); with `since`, only those revoked after it."""
    access.access_registry_read(request.user)
    moment = datetime.fromtimestamp(since, UTC) if since is not None else None
    return revocation_list(since=moment)


@router.post("/permits/verify", response={200: VerdictOut, **ERRORS}, auth=SIGNED_IN)
def permit_verify(request: HttpRequest, payload: VerifyIn):
    """Verify with this server's trust list and revocations; every verdict is a 200 with its code."""
    access.access_permit_verify(request.user)
    return verify_for_command(
        qr=payload.qr, image=None, trust=None, revocations=None, at=payload.at, checkpoint=payload.checkpoint
    )


@router.get("/applications/{reference}/permits", response={200: list[PermitOut], **ERRORS}, auth=SIGNED_IN)
def application_permits(request: HttpRequest, reference: str):
    application = application_get(reference=reference)
    access.access_application_read(request.user, application)
    return [
        {
            "id": str(permit.id),
            "holder": permit.member.name,
            "role": permit.member.role,
            "review_round": permit.review_round,
            "not_before": permit.not_before,
            "expires": permit.expires,
            "revoked_at": permit.revoked_at,
            "revoke_reason": permit.revoke_reason,
        }
        for permit in permits_of_application(application)
    ]


class ReplaceIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class ReplaceOut(Schema):
    revoked: str
    issued: str | None


@router.post("/permits/{permit_id}/replace", response={200: ReplaceOut, **ERRORS}, auth=SIGNED_IN)
def permit_replace_endpoint(request: HttpRequest, permit_id: str, payload: ReplaceIn):
    """Revoke a lost or damaged permit and issue the holder a new one (a new id)."""
    permit = permit_get(permit_id=permit_id)
    access.access_permit_revoke(request.user, permit)
    replacement = permit_replace(actor=request.user, permit=permit, reason=payload.reason)
    return {"revoked": str(permit.id), "issued": str(replacement.id) if replacement else None}
