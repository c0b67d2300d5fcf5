"""How permits follow the applications: issue on approval, revoke on removal, withdrawal, rejection.

The signals arrive after the application's transaction committed. A failure to issue (no active key)
is logged and shown on the application page; it never undoes the approval.
"""

import logging

from django.dispatch import receiver

from tengri.expeditions import signals
from tengri.permits import services

log = logging.getLogger(__name__)


@receiver(signals.application_approved)
def issue_on_approval(sender, application, **kwargs) -> None:
    try:
        services.permits_issue(application=application)
    except services.NoActiveKey as error:
        log.error("permits for %s not issued: %s", application.reference, error)


@receiver(signals.member_removed)
def revoke_removed_member(sender, application, member, **kwargs) -> None:
    services.permits_revoke_for_member(actor=None, member=member, reason="member removed from the group")


@receiver(signals.application_finished)
def revoke_finished_application(sender, application, **kwargs) -> None:
    if application.state != "closed":  # a closed trip's permits simply expire
        services.permits_revoke_for_application(
            actor=None, application=application, reason=f"application {application.state}"
        )
