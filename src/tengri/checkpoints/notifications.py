"""Mail about overdue groups and descent notices, sent after commit (services call these from
`transaction.on_commit`). A failing mail server must not undo an alert: failures are logged, not raised.

Who is told at each stage (the leader has no e-mail in Tengri, and the emergency contact only a name
and a phone, so people are asked to call them):
1. the operator company (its operators and its address): call the leader;
2. the operator and the rescue service of the alert's state (the route's access state): call the
   emergency contact, whose name and phone the mail gives;
3. the rescue service of the state where the group was last known, and the operator for information.
"""

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from tengri.checkpoints.models import DescentNotice, OverdueAlert
from tengri.checkpoints.tracks import GroupTrack, group_track, local_zone
from tengri.core.roles import Role
from tengri.expeditions.models import Member

log = logging.getLogger(__name__)
Stage = OverdueAlert.Stage


def recipients_label(alert: OverdueAlert) -> str:
    """Who the alert's mail goes to, in words (for the audit entry of what it discloses)."""
    if alert.stage == Stage.REMINDER:
        return "the operator"
    if alert.stage == Stage.EMERGENCY_CONTACT:
        return f"the operator and the {alert.country} rescue service"
    return f"the {alert.country} rescue service and the operator"


def alert_raised(alert: OverdueAlert) -> None:
    application = alert.application
    track = group_track(application)
    facts = _facts(alert, track)
    if alert.stage == Stage.REMINDER:
        recipients = _operators(application.company)
        todo = _(
            "The leader has no e-mail in Tengri: call the leader, %(leader)s, and ask them to file the descent "
            "notice, or file it yourself once the group is down."
        ) % {"leader": facts["leader"]}
    elif alert.stage == Stage.EMERGENCY_CONTACT:
        recipients = _operators(application.company) + _rescue(alert.country)
        todo = _("Call the group's emergency contact, %(name)s, on %(phone)s: have they heard from the group?") % {
            "name": application.emergency_contact_name or "-",
            "phone": application.emergency_contact_phone or "-",
        }
    else:
        recipients = _rescue(alert.country) + _operators(application.company)
        todo = _(
            "The %(country)s rescue service is alerted: the group was last known in %(country)s. Emergency "
            "contact: %(name)s, %(phone)s. Operator: %(company)s."
        ) % {
            "country": alert.country,
            "name": application.emergency_contact_name or "-",
            "phone": application.emergency_contact_phone or "-",
            "company": application.company.name,
        }
    subject = _("[Tengri] %(reference)s overdue: stage %(stage)s, %(label)s") % {
        "reference": application.reference,
        "stage": alert.stage,
        "label": alert.get_stage_display(),
    }
    body = "\n\n".join([_overdue_text(facts), todo, _act_text()])
    _send(subject=subject, body=body, recipients=recipients)


def descent_filed(notice: DescentNotice, *, open_alerts: list[OverdueAlert]) -> None:
    """Tell the operator when the leader filed it; tell whoever holds an open alert of the group."""
    if not (notice.filed_by_leader or open_alerts):
        return  # the operator filed it and nobody holds an alert: there is nobody else to tell
    application = notice.application
    recipients = _operators(application.company)
    for alert in open_alerts:
        recipients += _rescue(alert.country) if alert.stage > Stage.REMINDER else []
    filed = {"reference": application.reference, "at": _local(notice.filed_at, application.route.access_country)}
    if notice.filed_by_leader:
        body = _("The leader filed the descent notice of %(reference)s at %(at)s: the group is down.") % filed
    else:
        body = _("The operator filed the descent notice of %(reference)s at %(at)s: the group is down.") % filed
    if notice.note:
        body += "\n" + _("Note: %(note)s") % {"note": notice.note}
    if open_alerts:
        stages = ", ".join(str(alert.stage) for alert in sorted(open_alerts, key=lambda alert: alert.stage))
        body += "\n\n" + _("Alerts still open for this group (stage %(stages)s): close them in Tengri with a note.") % {
            "stages": stages
        }
    subject = _("[Tengri] %(reference)s: descent notice filed") % {"reference": application.reference}
    _send(subject=subject, body=body, recipients=recipients)


def _facts(alert: OverdueAlert, track: GroupTrack) -> dict[str, str]:
    application = alert.application
    access_country = application.route.access_country
    known = track.last_known()
    counts = track.counts()
    leader = next((member for member in track.members if member.role == Member.Role.LEADER), None)
    position = track.position
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "planned_exit": _local(track.planned_exit, access_country),
        "deadline": _local(alert.due_at, access_country),
        "members": str(len(track.members)),
        "inside": str(counts["inside"]),
        "out": str(counts["out"]),
        "never": str(counts["never_scanned"]),
        "known": _("%(country)s at %(at)s (%(source)s)")
        % {"country": known.country or "?", "at": _local(known.at, access_country), "source": known.source}
        if known.at
        else _("nothing yet: no scan, no position report"),
        "position": f"{position.lat:.5f}, {position.lon:.5f} ({_local(position.reported_at, access_country)})"
        if position
        else "-",
        "leader": leader.name if leader else "-",
    }


def _overdue_text(facts: dict[str, str]) -> str:
    return (
        _(
            "Group %(reference)s (%(route)s, %(company)s) was due out by %(planned_exit)s and has neither come out "
            "nor filed its descent notice by %(deadline)s.\n"
            "Members: %(members)s (inside %(inside)s, out %(out)s, never scanned %(never)s). Leader: %(leader)s.\n"
            "Last known: %(known)s. Latest position report: %(position)s."
        )
        % facts
    )


def _act_text() -> str:
    return _("Acknowledge, escalate or close this alert in Tengri, with a note saying what was done.")


def _local(moment: datetime | None, country: str) -> str:
    if moment is None:
        return "-"
    zone = local_zone(country)
    offset = int(zone.utcoffset(None).total_seconds() // 3600)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} (UTC+{offset})"


def _operators(company) -> list[str]:
    users = get_user_model().objects.filter(is_active=True, account__company=company).exclude(email="")
    recipients = [user.email for user in users]
    if company.email:
        recipients.append(company.email)
    return recipients


def _rescue(country: str) -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, account__role=Role.RESCUE_OFFICER, account__country=country)
        .exclude(email="")
    )
    return [user.email for user in users]


def _send(*, subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        log.warning("mail %r has no recipient", subject)
        return
    try:
        send_mail(subject, body, None, sorted(set(recipients)))
    except OSError:
        log.exception("mail %r to %s could not be sent", subject, recipients)
