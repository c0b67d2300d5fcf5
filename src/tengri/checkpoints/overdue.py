"""Overdue escalation (docs/offline-sync.md, "Presence and overdue").

A group on its trip that has neither come out (every member's latest accepted passage `out`) nor filed
its descent notice by its planned exit plus `TENGRI_OVERDUE_GRACE_HOURS` is overdue. Each stage is raised
`TENGRI_OVERDUE_STAGE_HOURS[stage]` after that deadline: 1 a reminder to the leader and the operator,
2 the emergency contact, 3 the rescue service of the state where the group was last known.

The sweep only raises, one alert per stage, and stops raising once the group has come out or filed its
notice; it never closes an alert (people do, with a note: `services.alert_act`). Two sweeps at once raise
each stage once: each group is swept in its own transaction holding the application's row lock, and
the unique (application, stage) constraint refuses what a sweep without the lock would double.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from tengri.checkpoints import notifications
from tengri.checkpoints.alerts import EMERGENCY_CONTACT_FIELDS
from tengri.checkpoints.models import OverdueAlert
from tengri.checkpoints.tracks import (
    GroupTrack,
    LastKnown,
    group_track,
    group_tracks,
    is_on_trip,
    on_trip_applications,
)
from tengri.core.audit import audit_personal_data_read, audit_record
from tengri.expeditions.models import Application
from tengri.registry.models import Country

log = logging.getLogger(__name__)
Stage = OverdueAlert.Stage


@dataclass(frozen=True)
class OverdueGroup:
    """A group past its deadline that has not come out: which stages are due by now."""

    application: Application
    planned_exit: datetime
    deadline: datetime
    stages_due: tuple[int, ...]
    last_known: LastKnown


def stage_time(deadline: datetime, stage: int) -> datetime:
    """When `stage` is raised: its `TENGRI_OVERDUE_STAGE_HOURS` after the deadline."""
    return deadline + timedelta(hours=settings.TENGRI_OVERDUE_STAGE_HOURS[stage])


def stages_due(deadline: datetime, now: datetime) -> tuple[int, ...]:
    return tuple(stage for stage in Stage.values if now >= stage_time(deadline, stage))


def overdue_groups(*, now: datetime) -> list[OverdueGroup]:
    """Groups on their trip, past planned exit + grace, neither out nor with a descent notice; by deadline."""
    tracks = group_tracks(
        on_trip_applications().select_related("route", "company").prefetch_related("passages__checkpoint")
    )
    groups = [
        OverdueGroup(
            application=track.application,
            planned_exit=track.planned_exit,
            deadline=track.deadline,
            stages_due=stages_due(track.deadline, now),
            last_known=track.last_known(),
        )
        for track in tracks
        if _overdue(track, now)
    ]
    return sorted(groups, key=lambda group: (group.deadline, group.application.reference))


def _overdue(track: GroupTrack, now: datetime) -> bool:
    return is_on_trip(track.application) and not track.come_out and now >= track.deadline


def overdue_sweep(*, now: datetime) -> list[OverdueAlert]:
    """Raise every stage that is due and not yet raised; returns the alerts raised by this run.

    Each group in its own transaction: one group's failure is logged and does not hold up the others'
    escalation. Idempotent: a second run at the same moment raises nothing."""
    raised: list[OverdueAlert] = []
    for group in overdue_groups(now=now):
        try:
            raised += _sweep_group(group.application, now)
        except Exception:  # every other group must still be escalated
            log.exception("overdue sweep: group %s could not be escalated", group.application.reference)
    return raised


@transaction.atomic(durable=True)
def _sweep_group(application: Application, now: datetime) -> list[OverdueAlert]:
    Application.objects.select_for_update().get(pk=application.pk)
    # Read again under the lock: the group may have come out, or another sweep raised, meanwhile.
    track = group_track(application)
    if not _overdue(track, now):
        return []
    existing = raised_stages(track.application)
    raised = [
        raise_stage(track, stage, now=now, due_at=track.deadline, raised_by=None)
        for stage in stages_due(track.deadline, now)
        if stage not in existing
    ]
    return [alert for alert in raised if alert is not None]


def raised_stages(application: Application) -> set[int]:
    return set(application.overdue_alerts.values_list("stage", flat=True))


def raise_stage(track: GroupTrack, stage: int, *, now: datetime, due_at: datetime, raised_by) -> OverdueAlert | None:
    """Create the alert of `stage` for the group, audit it and mail it after commit; None when that stage
    was raised already (by a concurrent sweep). Call inside a transaction holding the application's lock."""
    application = track.application
    country = stage_country(track, stage)
    try:
        with transaction.atomic():  # a savepoint: a refused insert must not spoil the caller's transaction
            alert = OverdueAlert.objects.create(
                application=application,
                stage=stage,
                country=country,
                due_at=due_at,
                raised_at=now,
                raised_by=raised_by if raised_by is not None and raised_by.is_authenticated else None,
            )
    except IntegrityError:
        return None
    audit_record(
        actor=raised_by,
        action="overdue_alert.raise",
        subject=alert,
        data={"application": application.reference, "stage": stage, "country": country, "due_at": due_at.isoformat()},
    )
    if stage >= Stage.EMERGENCY_CONTACT:
        # The mail carries the emergency contact's name and phone: a disclosure of personal data.
        audit_personal_data_read(
            actor=raised_by,
            subject=application,
            fields=EMERGENCY_CONTACT_FIELDS,
            reason=f"overdue alert stage {stage} mailed to {notifications.recipients_label(alert)}",
        )
    transaction.on_commit(lambda: notifications.alert_raised(alert))
    return alert


def stage_country(track: GroupTrack, stage: int) -> str:
    """Stages 1 and 2 concern the route's access state (its rescue duty calls the emergency contact);
    stage 3 the state where the group was last known, else the access state."""
    access_country = track.application.route.access_country
    if stage < Stage.RESCUE:
        return access_country
    known = track.last_known().country
    return known if known in Country.values else access_country
