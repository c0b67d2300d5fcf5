"""Decisions of the border authorities. An application is approved only when every required
authority approved in the current review round; one rejection rejects it; a request for changes
sends it back to the operator.

`decision_record` locks the application row, so two officers deciding at the same moment are
serialised: the second sees the first's decision and the outcome is the same in either order.
"""

from django.db import transaction
from django.utils import timezone

from tengri.approvals.models import Decision
from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.expeditions import notifications, signals
from tengri.expeditions.models import Application

State = Application.State
Verdict = Decision.Verdict
DECIDABLE = (State.SUBMITTED, State.UNDER_REVIEW)


@transaction.atomic(durable=True)
def decision_record(*, actor, application: Application, authority: str, verdict: str, reason: str = "") -> Decision:
    """Record `authority`'s verdict for the current round and move the application on.

    Locks: the application row. Raises InvalidInput (unknown verdict, missing reason),
    InvalidTransition (not under review, authority not required, already decided this round).
    After commit: mail to the operator; on final approval the `application_approved` signal."""
    if verdict not in Verdict.values:
        raise InvalidInput(f"verdict must be one of {', '.join(Verdict.values)}")
    if verdict != Verdict.APPROVE and not reason.strip():
        raise InvalidInput("a reason is required to reject or to ask for changes")
    application = Application.objects.select_for_update().select_related("route", "company").get(pk=application.pk)
    _check_decidable(application, authority)
    decision = Decision.objects.create(
        application=application,
        review_round=application.review_round,
        authority=authority,
        verdict=verdict,
        reason=reason.strip(),
        officer=actor,
        decided_at=timezone.now(),
    )
    _advance(application, verdict)
    audit_record(
        actor=actor,
        action=f"application.decision.{verdict}",
        subject=application,
        reason=reason,
        data={"authority": authority, "round": application.review_round, "state": application.state},
    )
    _after_commit(application, decision)
    return decision


def _check_decidable(application: Application, authority: str) -> None:
    if application.state not in DECIDABLE:
        raise InvalidTransition(f"{application.reference} is {application.get_state_display()}: nothing to decide")
    if authority not in application.required_authorities:
        raise InvalidTransition(f"the {authority} authority does not decide on {application.reference}")
    if application.decisions.filter(review_round=application.review_round, authority=authority).exists():
        raise InvalidTransition(f"the {authority} authority has already decided on round {application.review_round}")


def _advance(application: Application, verdict: str) -> None:
    now = timezone.now()
    fields = ["state", "updated_at"]
    if verdict == Verdict.REJECT:
        application.state, application.decided_at, application.closed_at = State.REJECTED, now, now
        fields += ["decided_at", "closed_at"]
    elif verdict == Verdict.REQUEST_CHANGES:
        application.state, application.decided_at = State.CHANGES_REQUESTED, now
        fields.append("decided_at")
    elif _approved_by_all(application):
        application.state, application.decided_at = State.APPROVED, now
        fields.append("decided_at")
        if application.first_approved_at is None:
            application.first_approved_at = now
            fields.append("first_approved_at")
    else:
        application.state = State.UNDER_REVIEW
    application.save(update_fields=fields)


def _approved_by_all(application: Application) -> bool:
    approved = set(
        application.decisions.filter(review_round=application.review_round, verdict=Verdict.APPROVE).values_list(
            "authority", flat=True
        )
    )
    return set(application.required_authorities) <= approved


def _after_commit(application: Application, decision: Decision) -> None:
    def notify() -> None:
        notifications.operator_decision(
            application, authority=decision.authority, verdict=decision.get_verdict_display(), reason=decision.reason
        )
        if application.state == State.APPROVED:
            signals.application_approved.send(Application, application=application)
        elif application.state == State.REJECTED:
            signals.application_finished.send(Application, application=application)

    transaction.on_commit(notify)
