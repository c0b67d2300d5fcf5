"""Mail about capacity, sent after commit. A failing mail server is logged and undoes nothing."""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail

log = logging.getLogger(__name__)


def waitlist_hold_placed(application, hold) -> None:
    """The operator's group was waiting and now fits: a hold is placed for it until it expires."""
    operators = get_user_model().objects.filter(is_active=True, account__company=application.company).exclude(email="")
    recipients = {operator.email for operator in operators}
    if application.company.email:
        recipients.add(application.company.email)
    if not recipients:
        return
    until = (
        f" until {hold.expires_at:%Y-%m-%d %H:%M} UTC; submit the application before then" if hold.expires_at else ""
    )
    try:
        send_mail(
            f"[Tengri] {application.reference}: room for your group",
            (
                f"Capacity the group of {application.reference} was waiting for has become free. "
                f"Tengri placed a hold for the whole itinerary{until}."
            ),
            None,
            sorted(recipients),
        )
    except OSError:
        log.exception("mail about the hold of %s could not be sent", application.reference)
