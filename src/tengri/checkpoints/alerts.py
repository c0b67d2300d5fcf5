"""Reads of overdue alerts (who works on which, one group's, many groups' at once) and of a group's emergency
contact. Raising alerts is the sweep's (`overdue.py`); acting on them, `services.alert_act`."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from tengri.checkpoints.models import OverdueAlert
from tengri.core import access
from tengri.core.audit import audit_personal_data_read
from tengri.core.errors import NotFound
from tengri.core.roles import Role
from tengri.expeditions.models import Application

EMERGENCY_CONTACT_FIELDS = ["emergency_contact_name", "emergency_contact_phone"]


def alerts_of(application: Application) -> QuerySet[OverdueAlert]:
    return (
        application.overdue_alerts.select_related("application", "raised_by")
        .prefetch_related("actions__actor")
        .order_by("stage")
    )


def alerts_by_group(application_ids: Iterable[int]) -> dict[int, list[OverdueAlert]]:
    """`alerts_of` for many groups at once: application id → its alerts by stage (groups without, absent)."""
    alerts: dict[int, list[OverdueAlert]] = {}
    found = (
        OverdueAlert.objects.filter(application_id__in=list(application_ids))
        .select_related("application", "raised_by")
        .prefetch_related("actions__actor")
        .order_by("application_id", "stage")
    )
    for alert in found:
        alerts.setdefault(alert.application_id, []).append(alert)
    return alerts


def _alerts() -> QuerySet[OverdueAlert]:
    return OverdueAlert.objects.select_related("application__route", "application__company", "raised_by")


def alert_get(alert_id: int) -> OverdueAlert:
    alert = _alerts().filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def alerts_visible(user, *, include_closed: bool = False) -> list[OverdueAlert]:
    """The alerts `user` works on, newest first: administrators all; rescue officers those of their state
    and every alert of a group whose route enters their state; operators their company's stages 1–2."""
    alerts = _alerts().prefetch_related("actions__actor").order_by("-raised_at", "-stage")
    if not include_closed:
        alerts = alerts.exclude(state=OverdueAlert.State.CLOSED)
    if access.is_administrator(user):
        return list(alerts)
    account = access.account_of(user)
    if account.role == Role.OPERATOR:
        return list(alerts.filter(application__company_id=account.company_id, stage__lt=OverdueAlert.Stage.RESCUE))
    if account.role == Role.RESCUE_OFFICER:
        # required_authorities is a JSON list: filtered here, since SQLite cannot search inside it.
        return [
            alert
            for alert in alerts
            if alert.country == account.country or account.country in alert.application.required_authorities
        ]
    return []


def alert_row(alert: OverdueAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "reference": alert.application.reference,
        "stage": alert.stage,
        "stage_label": str(alert.get_stage_display()),
        "country": alert.country,
        "state": alert.state,
        "due_at": alert.due_at,
        "raised_at": alert.raised_at,
        "raised_by": alert.raised_by.get_username() if alert.raised_by else "",
        "closed_at": alert.closed_at,
        "actions": [
            {
                "kind": action.kind,
                "note": action.note,
                "actor": action.actor.get_username() if action.actor else "system",
                "at": action.at,
            }
            for action in alert.actions.all()
        ],
    }


def emergency_contact_read(application: Application, *, actor, reason: str) -> dict[str, str]:
    """The group's emergency contact (name and phone: personal data). Audited with the reason given."""
    audit_personal_data_read(actor=actor, subject=application, fields=EMERGENCY_CONTACT_FIELDS, reason=reason)
    return {"name": application.emergency_contact_name, "phone": application.emergency_contact_phone}
