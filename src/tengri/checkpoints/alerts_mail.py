"""Mail to the border service about attempted crossings with a refused permit, sent after the events'
commit (tengri.checkpoints.ingest). A failing mail server must not undo stored events: failures are
logged, not raised."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from tengri.checkpoints.models import CrossingEvent
from tengri.checkpoints.selectors import checkpoint_summary
from tengri.core.roles import Role
from tengri.registry.models import Checkpoint

log = logging.getLogger(__name__)


def refused_scans(checkpoint: Checkpoint, events: list[CrossingEvent]) -> None:
    """One mail to the active border officers of the checkpoint's state, listing each refused scan: the
    verdict, who the permit claimed to be, and when (the checkpoint's local time)."""
    summary = checkpoint_summary(checkpoint)
    officers = (
        get_user_model()
        .objects.filter(is_active=True, account__role=Role.BORDER_OFFICER, account__country=summary["country"])
        .exclude(email="")
    )
    recipients = sorted({officer.email for officer in officers})
    if not recipients or not events:
        return
    subject = _("[Tengri] attempted crossing with a refused permit at %(code)s") % {"code": checkpoint.code}
    lines = [
        _("%(count)d scan(s) at %(code)s %(name)s were refused:")
        % {"count": len(events), "code": checkpoint.code, "name": summary["name"]},
        "",
    ]
    lines += [_scan(event, summary["utc_offset_hours"]) for event in events]
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except OSError:
        log.exception("mail %r to %s could not be sent", subject, recipients)


def _scan(event: CrossingEvent, offset_hours: int) -> str:
    try:
        local = (event.occurred_at + timedelta(hours=offset_hours)).strftime("%Y-%m-%d %H:%M")
    except OverflowError:  # a device clock at the end of the calendar: say the time as it is, in UTC
        local, offset_hours = event.occurred_at.strftime("%Y-%m-%d %H:%M"), 0
    holder = event.holder_name or _("holder unknown (the permit did not decode)")
    claimed = ", ".join(part for part in (holder, event.nationality, event.reference, event.route_code) if part)
    skew = (
        _(" (device clock off by %(seconds)d s)") % {"seconds": round(event.clock_skew_s)} if event.skew_flagged else ""
    )
    return _(
        "- %(verdict)s: %(detail)s\n  holder as claimed: %(claimed)s\n  %(time)s (UTC%(offset)+d)%(skew)s, "
        "direction %(direction)s, officer %(officer)s, event %(id)s"
    ) % {
        "verdict": event.verdict,
        "detail": event.detail,
        "claimed": claimed,
        "time": local,
        "offset": offset_hours,
        "skew": skew,
        "direction": event.direction,
        "officer": event.officer or "-",
        "id": event.id,
    }
