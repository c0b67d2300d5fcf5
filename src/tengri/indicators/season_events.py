"""The generated season's scans, notices and alerts (`season_generator` says what a season holds)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from tengri.checkpoints.models import AlertAction, CrossingEvent, DescentNotice, Direction, OverdueAlert, SummitNotice
from tengri.expeditions.demo import PROGRAMMES
from tengri.expeditions.models import Member

if TYPE_CHECKING:
    from tengri.indicators.season_generator import _Plan, _World

BATCH = 5000
REFUSED_ENTRY = "NOT_YET_VALID"  # arrived a day early: turned back, scanned again the next morning
LATE_EXIT = "EXPIRED"  # came out after the permit ended: refused for time, still an exit


def utc_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


# --- Crossing events ------------------------------------------------------------------------------------------


def events_create(rng: random.Random, world: _World, plans: list[_Plan]) -> int:
    """The approved groups' scans at their planned checkpoints, inserted in batches. Only inserts: the
    table is append-only."""
    batch: list[CrossingEvent] = []
    stored = 0
    for plan in plans:
        if plan.outcome != "approved":
            continue
        for event in _group_events(rng, world, plan):
            batch.append(event)
            if len(batch) == BATCH:
                stored += len(CrossingEvent.objects.bulk_create(batch))
                batch = []
    if batch:
        stored += len(CrossingEvent.objects.bulk_create(batch))
    return stored


def _group_events(rng: random.Random, world: _World, plan: _Plan):
    application = plan.application
    _nights, passages = PROGRAMMES[application.route.code]
    early = rng.random() < 0.04  # the group came a day early once and was turned back
    for step, (offset, code, way) in enumerate(passages):
        day = application.start_date + timedelta(days=offset)
        if way == Direction.OUT and plan.late:
            day += timedelta(days=2)
        moment = utc_at(day, 4 if way == Direction.IN else 8, rng.randrange(60)) + timedelta(hours=step % 2)
        verdict = LATE_EXIT if way == Direction.OUT and plan.late else "VALID"
        for index, member in enumerate(plan.members):
            at = moment + timedelta(seconds=40 * index + rng.randrange(30))
            if early and step == 0:
                yield _event(rng, world, plan, member, code, way, at - timedelta(days=1), REFUSED_ENTRY)
            yield _event(rng, world, plan, member, code, way, at, verdict)
    if rng.random() < 0.03:  # someone's permit that is not ours (a forgery or a damaged code), as the group passes
        offset, code, _way = passages[0]
        at = utc_at(application.start_date + timedelta(days=offset), 6)
        yield _event(rng, world, plan, None, code, Direction.IN, at, "BAD_SIGNATURE")


def _event(rng, world: _World, plan: _Plan, member: Member | None, code: str, way: str, at: datetime, verdict: str):
    skew = rng.uniform(-20.0, 20.0)
    application = plan.application
    return CrossingEvent(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        device=world.devices[code],
        checkpoint=world.checkpoints[code],
        direction=way,
        verdict=verdict,
        detail="generated scan" if verdict == "VALID" else f"generated refusal: {verdict}",
        method=CrossingEvent.Method.QR,
        officer="generated officer",
        application=application if member else None,
        member=member,
        holder_name=member.name if member else "",
        nationality=member.nationality if member else "",
        reference=application.reference if member else "",
        route_code=application.route.code if member else "",
        device_time=at - timedelta(seconds=skew),
        received_at=at + timedelta(hours=rng.randrange(1, 30)),
        clock_skew_s=skew,
        occurred_at=at,
    )


# --- Notices and alerts -------------------------------------------------------------------------------------


def notices_and_alerts_create(rng: random.Random, world: _World, plans: list[_Plan]) -> tuple[int, int, int]:
    summits: list[SummitNotice] = []
    descents: list[DescentNotice] = []
    alerts: list[OverdueAlert] = []
    actions: list[AlertAction] = []
    for plan in plans:
        if plan.outcome != "approved":
            continue
        application = plan.application
        exit_day = application.end_date + timedelta(days=2 if plan.late else 0)
        if application.route.code.startswith("KT-") and rng.random() < 0.6:
            reached = utc_at(application.start_date + timedelta(days=len(PROGRAMMES[application.route.code][0]) - 4), 6)
            summits.append(
                SummitNotice(
                    application=application,
                    reached_at=reached,
                    persons=rng.randint(1, len(plan.members)),
                    filed_at=reached + timedelta(hours=rng.randrange(2, 30)),
                    filed_by_leader=rng.random() < 0.7,
                    note="generated",
                )
            )
        if plan.late or rng.random() < 0.7:
            descents.append(
                DescentNotice(
                    application=application,
                    filed_at=utc_at(exit_day, 14),
                    filed_by_leader=rng.random() < 0.6,
                    note="generated: the group is down",
                )
            )
        if plan.late:
            alerts.extend(_alerts(rng, plan, exit_day, actions))
    SummitNotice.objects.bulk_create(summits, batch_size=BATCH)
    DescentNotice.objects.bulk_create(descents, batch_size=BATCH)
    OverdueAlert.objects.bulk_create(alerts, batch_size=BATCH)
    AlertAction.objects.bulk_create(actions, batch_size=BATCH)
    return len(summits), len(descents), len(alerts)


def _alerts(rng: random.Random, plan: _Plan, exit_day: date, actions: list[AlertAction]) -> list[OverdueAlert]:
    """A late group: the reminder, sometimes the emergency contact, now and then the rescue service; each
    stage but the last escalated, and every one closed when the group came out."""
    application = plan.application
    due = utc_at(application.end_date + timedelta(days=1), 0) - timedelta(hours=5)
    stages = rng.choices([1, 2, 3], weights=[50, 30, 20])[0]
    came_out = utc_at(exit_day, 10)
    made = []
    for stage in range(1, stages + 1):
        raised = due + timedelta(hours=6 * stage)
        alert = OverdueAlert(
            application=application,
            stage=stage,
            country=application.route.access_country,
            due_at=due,
            raised_at=raised,
            state=OverdueAlert.State.CLOSED,
            closed_at=came_out,
        )
        made.append(alert)
        if stage < stages:
            note = "generated: no answer from the leader, escalated"
            actions.append(
                AlertAction(alert=alert, kind=AlertAction.Kind.ESCALATE, note=note, at=raised + timedelta(hours=1))
            )
        actions.append(
            AlertAction(alert=alert, kind=AlertAction.Kind.CLOSE, note="generated: the group came out", at=came_out)
        )
    return made
