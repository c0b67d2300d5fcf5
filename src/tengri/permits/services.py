"""Issuing and revoking permits.

Issuing happens after an application's final approval (the `application_approved` signal, after
commit): one permit per active member, signed by the active key of every required authority.
Idempotent: a member who already holds a live permit of the current review round gets none.
Permits of earlier rounds are revoked when the new round's permits are issued (an amendment), and a
removed member's permit is revoked at once; a re-issued permit always has a new id.
"""

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.documents.crypto import seal, unseal
from tengri.expeditions.models import Application, Member
from tengri.permits.codec import CheckpointWindow, PermitClaims, qr_text, sign_permit
from tengri.permits.keys import active_signer
from tengri.permits.models import Permit

log = logging.getLogger(__name__)
# A passage may slip a day either way (weather, helicopter): the checkpoint window allows it.
PASSAGE_SLACK = timedelta(days=1)


class NoActiveKey(InvalidTransition):
    """An authority that must sign has no active key: its administrator must create and activate one."""


@transaction.atomic(durable=True)
def permits_issue(*, application: Application, now: datetime | None = None) -> list[Permit]:
    """Locks the application row. Raises NoActiveKey (nothing issued) when a required authority has
    no active key. Returns the permits issued now (empty when all were issued already)."""
    return _issue(application, now or timezone.now())


def _issue(application: Application, now: datetime) -> list[Permit]:
    application = Application.objects.select_for_update().select_related("route").get(pk=application.pk)
    if application.state != Application.State.APPROVED:
        return []
    signers = _signers(application.required_authorities, now)
    windows = _checkpoint_windows(application)
    holders = {p.member_id for p in application.permits.filter(review_round=application.review_round, revoked_at=None)}
    issued = [
        _permit_for(application, member, signers, windows, now)
        for member in application.members.filter(removed_at__isnull=True).exclude(pk__in=holders)
    ]
    superseded = application.permits.filter(revoked_at=None, review_round__lt=application.review_round)
    superseded.update(revoked_at=now, revoke_reason=f"superseded by review round {application.review_round}")
    if issued:
        audit_record(
            actor=None,
            action="permit.issue",
            subject=application,
            data={"count": len(issued), "round": application.review_round},
        )
    return issued


@transaction.atomic
def permit_revoke(*, actor, permit: Permit, reason: str) -> Permit:
    permit = Permit.objects.select_for_update().get(pk=permit.pk)
    if permit.revoked_at is None:
        permit.revoked_at, permit.revoke_reason = timezone.now(), reason[:200]
        permit.save(update_fields=["revoked_at", "revoke_reason"])
        audit_record(actor=actor, action="permit.revoke", subject=permit, reason=reason)
    return permit


def permits_revoke_for_member(*, actor, member: Member, reason: str) -> int:
    permits = list(Permit.objects.filter(member=member, revoked_at=None))
    for permit in permits:
        permit_revoke(actor=actor, permit=permit, reason=reason)
    return len(permits)


def permits_revoke_for_application(*, actor, application: Application, reason: str) -> int:
    permits = list(Permit.objects.filter(application=application, revoked_at=None))
    for permit in permits:
        permit_revoke(actor=actor, permit=permit, reason=reason)
    return len(permits)


def permit_qr_text(permit: Permit) -> str:
    return unseal(permit.qr_sealed)


def _signers(authorities: list[str], now: datetime) -> list:
    signers = []
    for authority in sorted(authorities):
        signer = active_signer(authority, now=now)
        if signer is None:
            raise NoActiveKey(
                f"the {authority} authority has no active signing key in its published window: "
                f"run `tengri keys create --authority {authority} --activate`, then `tengri permit issue`"
            )
        signers.append(signer)
    return signers


def _checkpoint_windows(application: Application) -> tuple[CheckpointWindow, ...]:
    """Per planned checkpoint: from its first planned passage to its last, a day of slack each side."""
    days: dict[str, list[date]] = {}
    for passage in application.passages.select_related("checkpoint"):
        days.setdefault(passage.checkpoint.code, []).append(passage.date)
    return tuple(
        CheckpointWindow(code=code, first_day=min(dates) - PASSAGE_SLACK, last_day=max(dates) + PASSAGE_SLACK)
        for code, dates in sorted(days.items())
    )


def _permit_for(application: Application, member: Member, signers, windows, now: datetime) -> Permit:
    not_before = datetime.combine(application.start_date - timedelta(days=1), time.min, tzinfo=UTC)
    expires = datetime.combine(
        application.end_date + timedelta(days=settings.TENGRI_PERMIT_GRACE_DAYS), time.max, tzinfo=UTC
    ).replace(microsecond=0)
    permit_id = uuid.uuid4()
    claims = PermitClaims(
        permit_id=permit_id,
        issued_at=now.replace(microsecond=0),
        not_before=not_before,
        expires=expires,
        reference=application.reference,
        route=application.route.code,
        role=member.role,
        surname=member.surname,
        given_names=member.given_names,
        birth_date=date.fromisoformat(unseal(member.birth_date_sealed)),
        nationality=member.nationality,
        document_number=unseal(member.document_number_sealed),
        authorities=tuple(sorted(application.required_authorities)),
        checkpoints=windows,
    )
    text = qr_text(sign_permit(claims, [(bytes.fromhex(key.kid), private) for key, private in signers]))
    permit = Permit.objects.create(
        id=permit_id,
        application=application,
        member=member,
        review_round=application.review_round,
        issued_at=claims.issued_at,
        not_before=not_before,
        expires=expires,
        qr_sealed=seal(text),
    )
    permit.signed_by.set([key for key, _ in signers])
    return permit


@transaction.atomic(durable=True)
def permit_replace(*, actor, permit: Permit, reason: str) -> Permit | None:
    """A lost or damaged permit: revoke it and issue the holder a new one (a new id) for the same round,
    in one transaction (no active key → nothing revoked either). Returns the new permit, or None when
    the application is no longer approved (nothing to re-issue)."""
    if not reason.strip():
        raise InvalidInput("say why the permit is revoked (lost, damaged, …)")
    permit_revoke(actor=actor, permit=permit, reason=reason.strip())
    issued = _issue(permit.application, timezone.now())
    return next((new for new in issued if new.member_id == permit.member_id), None)


def permits_issue_pending(*, now: datetime | None = None) -> dict[str, int | str]:
    """Issue what approval could not (a required authority had no active key then): for every approved
    application, each in its own transaction. Returns reference → permits issued, or the error."""
    outcome: dict[str, int | str] = {}
    for application in Application.objects.filter(state=Application.State.APPROVED).order_by("reference"):
        try:
            outcome[application.reference] = len(permits_issue(application=application, now=now))
        except NoActiveKey as error:
            outcome[application.reference] = str(error)
    return outcome
