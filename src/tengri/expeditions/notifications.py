"""Mail about applications, sent after commit (services call these from `transaction.on_commit`).

A failing mail server must not undo a decision that has been taken: failures are logged, not raised.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from tengri.core.roles import Role

log = logging.getLogger(__name__)


def officers_new_work(application) -> None:
    officers = (
        get_user_model()
        .objects.filter(
            is_active=True,
            account__role=Role.BORDER_OFFICER,
            account__country__in=application.required_authorities,
        )
        .exclude(email="")
    )
    _send(
        subject=f"[Tengri] {application.reference} awaits your decision",
        body=(
            f"Application {application.reference} ({application.route.code}, {application.start_date} to "
            f"{application.end_date}, {application.company.name}) was submitted for review round "
            f"{application.review_round}. Open your review queue in Tengri to decide."
        ),
        recipients=[officer.email for officer in officers],
    )


def operator_decision(application, *, authority: str, verdict: str, reason: str) -> None:
    operators = get_user_model().objects.filter(is_active=True, account__company=application.company).exclude(email="")
    recipients = [operator.email for operator in operators]
    if application.company.email:
        recipients.append(application.company.email)
    because = f"\nReason: {reason}" if reason else ""
    _send(
        subject=f"[Tengri] {application.reference}: {authority} {verdict}",
        body=(
            f"The {authority} border authority decided on {application.reference}: {verdict}.{because}\n"
            f"The application is now {application.get_state_display()}."
        ),
        recipients=recipients,
    )


def _send(*, subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return
    try:
        send_mail(subject, body, None, sorted(set(recipients)))
    except OSError:
        log.exception("mail %r to %s could not be sent", subject, recipients)
