"""Writes about groups in the mountains: position reports, summit and descent notices, and what people do
with overdue alerts. Raising alerts is the sweep's (`overdue.py`). Every write is audited.

Access rules are the callers' (pages, API, commands): these take the acting user as given.
"""

import math
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tengri.checkpoints import notifications
from tengri.checkpoints.models import AlertAction, DescentNotice, OverdueAlert, PositionReport, SummitNotice
from tengri.checkpoints.overdue import raise_stage
from tengri.checkpoints.tracks import group_track, is_on_trip, local_zone
from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.expeditions.models import Application, Member
from tengri.permits.checking import country_at

# A messenger's clock and the server's may disagree a little; a position further ahead is a typing error.
FUTURE_SLACK = timedelta(minutes=5)
Kind = AlertAction.Kind
DEFAULT_PEAK = "Khan Tengri"
# A summit reported a day outside the trip's dates is a late start or a slow way out; further is a typo.
SUMMIT_DAYS_SLACK = timedelta(days=1)


def position_report(
    *,
    actor,
    application: Application,
    lat: float,
    lon: float,
    reported_at: datetime,
    source: str = PositionReport.Source.MESSENGER,
    note: str = "",
    now: datetime | None = None,
) -> PositionReport:
    """Record where the group was at `reported_at` and the state the point lies in.

    Raises InvalidInput (coordinates out of range, a time more than 5 minutes ahead, an unknown source, a
    note over 300 characters), InvalidTransition (the group is not on an approved trip)."""
    now = now or timezone.now()
    lat, lon = _coordinates(lat, lon)
    moment = _instant(reported_at, "the position's time")
    if moment > now + FUTURE_SLACK:
        raise InvalidInput(f"the position's time {moment.isoformat()} is in the future")
    if source not in PositionReport.Source.values:
        raise InvalidInput(f"source must be one of {', '.join(PositionReport.Source.values)}")
    note = _text(note, 300, "the note")
    # Outside the transaction: the first lookup loads the border polygons, which takes seconds.
    country = country_at(lat, lon)
    return _position_save(actor, application, lat, lon, moment, source, note, country)


@transaction.atomic(durable=True)
def _position_save(actor, application, lat, lon, moment, source, note, country) -> PositionReport:
    application = Application.objects.get(pk=application.pk)
    _check_on_trip(application, "report a position")
    report = PositionReport.objects.create(
        application=application,
        lat=lat,
        lon=lon,
        country=country,
        reported_at=moment,
        source=source,
        note=note,
        reported_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action="position.report",
        subject=report,
        data={"application": application.reference, "country": country, "source": source},
    )
    return report


@transaction.atomic(durable=True)
def descent_notice_file(
    *, actor, application: Application, note: str = "", by_leader: bool = False, now: datetime | None = None
) -> DescentNotice:
    """The group is down: closes its presence and stops further overdue stages (open alerts stay open
    until a person closes them). Once per group.

    Locks the application row. Raises InvalidTransition (not on an approved trip, filed already),
    InvalidInput (a note over 500 characters). After commit: mail to the operator when the leader filed
    it, and to whoever holds an open alert of the group."""
    now = now or timezone.now()
    note = _text(note, 500, "the note")
    application = Application.objects.select_for_update().select_related("route", "company").get(pk=application.pk)
    _check_on_trip(application, "file a descent notice")
    filed = DescentNotice.objects.filter(application=application).first()
    if filed is not None:
        raise InvalidTransition(f"the descent notice of {application.reference} was filed at {filed.filed_at}")
    notice = DescentNotice.objects.create(
        application=application, filed_at=now, filed_by=_user(actor), filed_by_leader=by_leader, note=note
    )
    audit_record(
        actor=actor, action="descent_notice.file", subject=application, reason=note, data={"by_leader": by_leader}
    )
    open_alerts = list(application.overdue_alerts.exclude(state=OverdueAlert.State.CLOSED))
    transaction.on_commit(lambda: notifications.descent_filed(notice, open_alerts=open_alerts))
    return notice


def summit_notice_file(
    application: Application,
    *,
    actor,
    reached_at: datetime,
    persons: int,
    peak: str = DEFAULT_PEAK,
    note: str = "",
    by_leader: bool = False,
    now: datetime | None = None,
) -> SummitNotice:
    """Some of the group stood on `peak` at `reached_at`: `persons` of them. Once per peak and group (a
    group climbing two peaks files two notices); it does not close presence, the descent notice does.

    Locks the application row. Raises InvalidInput (no peak or one over 100 characters, a time in the
    future or more than a day outside the trip's dates, persons not a whole number from 1 to the group's
    current size, a note over 500 characters), InvalidTransition (not on an approved trip, that peak's
    notice filed already)."""
    now = now or timezone.now()
    peak = _text(peak, 100, "the peak")
    if not peak:
        raise InvalidInput("name the peak")
    note = _text(note, 500, "the note")
    moment = _instant(reached_at, "the summit time")
    if moment > now + FUTURE_SLACK:
        raise InvalidInput(f"the summit time {moment.isoformat()} is in the future")
    persons = _whole_number(persons, "the number of persons on top")
    return _summit_save(application, actor, moment, persons, peak, note, by_leader, now)


@transaction.atomic(durable=True)
def _summit_save(application, actor, moment, persons, peak, note, by_leader, now) -> SummitNotice:
    application = Application.objects.select_for_update().select_related("route").get(pk=application.pk)
    _check_on_trip(application, "file a summit notice")
    _check_within_trip(application, moment)
    size = Member.objects.filter(application=application, removed_at__isnull=True).count()
    if not 1 <= persons <= size:
        raise InvalidInput(f"persons on top must be from 1 to {size}, the group's members and guides; not {persons}")
    filed = summit_filed(application, peak)
    if filed is not None:
        raise InvalidTransition(
            f"the {filed.peak} summit notice of {application.reference} was filed at {filed.filed_at}"
        )
    try:
        with transaction.atomic():  # a savepoint: the unique constraint is the last word on a double filing
            notice = SummitNotice.objects.create(
                application=application,
                peak=peak,
                reached_at=moment,
                persons=persons,
                filed_at=now,
                filed_by=_user(actor),
                filed_by_leader=by_leader,
                note=note,
            )
    except IntegrityError:
        raise InvalidTransition(f"the {peak} summit notice of {application.reference} was filed already") from None
    audit_record(
        actor=actor,
        action="summit_notice.file",
        subject=application,
        reason=note,
        data={"peak": peak, "reached_at": moment.isoformat(), "persons": persons, "by_leader": by_leader},
    )
    return notice


@transaction.atomic(durable=True)
def alert_act(*, actor, alert: OverdueAlert, kind: str, note: str, now: datetime | None = None) -> OverdueAlert:
    """A person acknowledges, escalates or closes an alert, saying what was done (the note).

    Escalating raises the next stage now, if it was not raised yet (stage 3 goes to the rescue service of
    the state where the group was last known); the rescue stage is the last. Acknowledging or escalating
    an open alert marks it acknowledged. A closed alert takes nothing more.

    Locks the application row, then the alert's (the sweep's order). Raises InvalidInput (unknown kind,
    no note), InvalidTransition (closed already, escalating the last stage)."""
    now = now or timezone.now()
    if kind not in Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Kind.values)}")
    note = _text(note, 500, "the note")
    if not note:
        raise InvalidInput("say what was done: a note is required")
    application = (
        Application.objects.select_for_update().select_related("route", "company").get(pk=alert.application_id)
    )
    alert = OverdueAlert.objects.select_for_update().select_related("application").get(pk=alert.pk)
    if alert.state == OverdueAlert.State.CLOSED:
        raise InvalidTransition(f"stage {alert.stage} alert of {application.reference} is closed")
    raised = _escalate(actor, alert, now) if kind == Kind.ESCALATE else None
    if kind == Kind.CLOSE:
        alert.state, alert.closed_at = OverdueAlert.State.CLOSED, now
    elif alert.state == OverdueAlert.State.OPEN:
        alert.state = OverdueAlert.State.ACKNOWLEDGED
    alert.save(update_fields=["state", "closed_at"])
    AlertAction.objects.create(alert=alert, kind=kind, note=note, actor=_user(actor), at=now)
    audit_record(
        actor=actor,
        action=f"overdue_alert.{kind}",
        subject=alert,
        reason=note,
        data={"application": application.reference, "stage": alert.stage, "raised": raised.stage if raised else None},
    )
    return alert


def _escalate(actor, alert: OverdueAlert, now: datetime) -> OverdueAlert | None:
    if alert.stage >= OverdueAlert.Stage.RESCUE:
        raise InvalidTransition("the rescue stage is the last one: acknowledge or close it")
    next_stage = alert.stage + 1
    if alert.application.overdue_alerts.filter(stage=next_stage).exists():
        return None
    return raise_stage(group_track(alert.application), next_stage, now=now, due_at=alert.due_at, raised_by=actor)


# --- helpers ---------------------------------------------------------------------------------------


def _check_on_trip(application: Application, what: str) -> None:
    if not is_on_trip(application):
        raise InvalidTransition(
            f"{application.reference} is {application.get_state_display()}: only an approved group may {what}"
        )


def summit_filed(application: Application, peak: str) -> SummitNotice | None:
    """The group's notice for `peak`, however its name was capitalised."""
    return SummitNotice.objects.filter(application=application, peak__iexact=peak).first()


def _check_within_trip(application: Application, moment: datetime) -> None:
    """The summit's local day (the route's access state) lies within the trip's dates, give or take a day."""
    day = moment.astimezone(local_zone(application.route.access_country)).date()
    first, last = application.start_date - SUMMIT_DAYS_SLACK, application.end_date + SUMMIT_DAYS_SLACK
    if not first <= day <= last:
        raise InvalidInput(
            f"the summit time {moment.isoformat()} (local day {day}) is outside the trip's dates "
            f"{application.start_date} to {application.end_date}, give or take a day"
        )


def _whole_number(value, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{what} must be a whole number, not {value!r}") from None
    if number != value and not isinstance(value, str):
        raise InvalidInput(f"{what} must be a whole number, not {value!r}")
    return number


def _user(actor):
    """The user to store as who acted: none for the system (commands, tasks) or an anonymous leader."""
    return actor if actor is not None and actor.is_authenticated else None


def _coordinates(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidInput("latitude and longitude must be numbers") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidInput(f"latitude {lat} is not between -90 and 90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidInput(f"longitude {lon} is not between -180 and 180")
    return lat, lon


def _instant(moment: datetime, what: str) -> datetime:
    """An aware UTC time (a time without a zone is read as UTC), in years 2000 to 9000."""
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (AttributeError, OverflowError):
        raise InvalidInput(f"{what} is not a time in range") from None
    if not 2000 <= moment.year <= 9000:
        raise InvalidInput(f"{what} {moment.isoformat()} is out of range (years 2000 to 9000)")
    return moment


def _text(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text
