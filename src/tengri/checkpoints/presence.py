"""Who is in the border zone now, and where each group stands against its plan (docs/offline-sync.md,
"Presence and overdue"). Reads only: position reports, descent notices and alert acts are in
`services.py`, raising alerts in `overdue.py`.

- A member is **inside** when their latest accepted (VALID) crossing event, by `occurred_at`, is `in`.
  A descent notice closes the group's presence: events up to the moment it was filed no longer count
  as inside (a member scanned in again afterwards is inside again).
- A member is **at a base camp** when inside and their latest accepted event at a base-camp helipad is `in`.
- A member's **country** is the later of: the country of the checkpoint of their latest accepted event,
  and the country of the group's latest position report that the border data placed.
- A group is **on the trip** once approved (`first_approved_at`), also while an amendment is reviewed (its
  members still hold the earlier round's permits); not once withdrawn, rejected or closed.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet

from tengri.checkpoints.models import CrossingEvent, DescentNotice, Direction, OverdueAlert, PositionReport
from tengri.core import access
from tengri.core.audit import audit_personal_data_read
from tengri.core.errors import NotFound
from tengri.core.roles import Role
from tengri.expeditions.models import Application, Member
from tengri.permits.checking import UTC_OFFSET_HOURS
from tengri.permits.checking import checkpoint_country as _checkpoint_country
from tengri.registry.models import BaseCamp, Checkpoint

State = Application.State
# Approved, or approved once and now amended: the group may be on the mountain with its permits.
ON_TRIP_STATES = (State.APPROVED, State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED)
INSIDE, OUT, NEVER_SCANNED = "inside", "out", "never_scanned"
ACCEPTED = "VALID"
# Refusals that come after the signatures verified (spec permit-v1, checks 6-8): the permit is ours and
# authentic, only its time or place is wrong. Someone leaving with such a permit has left: a late group's
# permits have expired, an amended group's old ones are revoked, and nobody is kept on the mountain, or
# escalated to rescue, for that. An entry counts only when VALID (a refused entry was turned back).
AUTHENTIC_REFUSALS = ("NOT_YET_VALID", "EXPIRED", "REVOKED", "WRONG_CHECKPOINT", "OUTSIDE_WINDOW")
EMERGENCY_CONTACT_FIELDS = ["emergency_contact_name", "emergency_contact_phone"]


class LastKnown(NamedTuple):
    """Where the group was last known to be: `country` ("" when unknown), when, and from what
    (`scan` — an accepted crossing event, `position` — a position report, "" — nothing yet)."""

    country: str
    at: datetime | None
    source: str


# --- Countries and local time ----------------------------------------------------------------------


def checkpoint_country(code: str) -> str:
    """The state a checkpoint lies in: the country of its place, else its first border service ("" if unknown)."""
    checkpoint = Checkpoint.objects.select_related("place").prefetch_related("authorities").filter(code=code).first()
    return _checkpoint_country(checkpoint) if checkpoint else ""


def _checkpoint_countries() -> dict[int, str]:
    """Every checkpoint's state by id: a dozen rows, read once per request instead of once per event."""
    checkpoints = Checkpoint.objects.select_related("place").prefetch_related("authorities")
    return {checkpoint.pk: _checkpoint_country(checkpoint) for checkpoint in checkpoints}


def local_zone(country: str, *, fallback: str = "KZ") -> timezone:
    """Kazakhstan UTC+5, Kyrgyzstan UTC+6 (fixed offsets: neither state keeps summer time)."""
    return timezone(timedelta(hours=UTC_OFFSET_HOURS.get(country, UTC_OFFSET_HOURS.get(fallback, 5))))


# --- Planned exit --------------------------------------------------------------------------------------


def planned_exit(application: Application) -> datetime:
    """The end (UTC) of the local day of the group's last planned `out` passage, else of its end date.
    Local: the exit checkpoint's state, else the route's access state."""
    return _planned_exit(application, _checkpoint_countries())


def overdue_deadline(application: Application) -> datetime:
    """The planned exit plus `TENGRI_OVERDUE_GRACE_HOURS`: after it, the group is overdue."""
    return planned_exit(application) + _grace()


def _grace() -> timedelta:
    return timedelta(hours=settings.TENGRI_OVERDUE_GRACE_HOURS)


def _planned_exit(application: Application, countries: dict[int, str]) -> datetime:
    access_country = application.route.access_country
    outs = [passage for passage in application.passages.all() if passage.direction == Direction.OUT]
    if outs:
        last = max(outs, key=lambda passage: (passage.date, passage.pk))
        day, country = last.date, countries.get(last.checkpoint_id, "")
    else:
        day, country = application.end_date, access_country
    zone = local_zone(country, fallback=access_country)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)


# --- One group's tracks ---------------------------------------------------------------------------------


@dataclass
class GroupTrack:
    """What the centre knows of one group: its members' latest accepted events, its latest placed
    position, its descent notice and its planned exit. Built in bulk by `group_tracks`."""

    application: Application
    members: list[Member]
    planned_exit: datetime
    notice: DescentNotice | None = None
    position: PositionReport | None = None  # the latest one the border data placed in a country
    latest: dict[int, CrossingEvent] = field(default_factory=dict)  # member id → latest accepted event
    latest_base_camp: dict[int, CrossingEvent] = field(default_factory=dict)
    countries: dict[int, str] = field(default_factory=dict)  # checkpoint id → state

    @property
    def deadline(self) -> datetime:
        return self.planned_exit + _grace()

    def state_of(self, member: Member) -> str:
        event = self.latest.get(member.pk)
        if event is None:
            return NEVER_SCANNED
        if self.notice is not None and event.occurred_at <= self.notice.filed_at:
            return OUT
        return INSIDE if event.direction == Direction.IN else OUT

    def counts(self) -> dict[str, int]:
        states = Counter(self.state_of(member) for member in self.members)
        return {state: states.get(state, 0) for state in (INSIDE, OUT, NEVER_SCANNED)}

    @property
    def come_out(self) -> bool:
        """Out of the mountains: the descent notice was filed, or every member's latest passage is out."""
        if self.notice is not None:
            return not any(self.state_of(member) == INSIDE for member in self.members)
        return all(self.state_of(member) == OUT for member in self.members)

    def last_known(self) -> LastKnown:
        scan = max(self.latest.values(), key=lambda event: (event.occurred_at, str(event.id)), default=None)
        known = LastKnown("", None, "")
        if scan is not None:
            known = LastKnown(self.countries.get(scan.checkpoint_id, ""), scan.occurred_at, "scan")
        if self.position is not None and (known.at is None or self.position.reported_at > known.at):
            known = LastKnown(self.position.country, self.position.reported_at, "position")
        return known

    def country_of(self, member: Member) -> str:
        """The member's state: their latest scan's checkpoint, unless the group reported a later position."""
        event = self.latest.get(member.pk)
        country, at = ("", None) if event is None else (self.countries.get(event.checkpoint_id, ""), event.occurred_at)
        if self.position is not None and (at is None or self.position.reported_at > at):
            return self.position.country
        return country

    def at_base_camp(self, member: Member) -> CrossingEvent | None:
        """The member's arrival at a base-camp helipad, when that is where they are."""
        event = self.latest_base_camp.get(member.pk)
        if event is None or event.direction != Direction.IN or self.state_of(member) != INSIDE:
            return None
        return event


def on_trip_applications() -> QuerySet[Application]:
    """Approved groups (an amendment under review included), and any group once approved that was
    scanned at a checkpoint, whatever its state now: withdrawing or rejecting an application while its
    group is on the mountain must not make the group disappear from presence and overdue."""
    scanned = CrossingEvent.objects.filter(application__isnull=False).values("application_id")
    return Application.objects.filter(Q(state__in=ON_TRIP_STATES) | Q(pk__in=scanned), first_approved_at__isnull=False)


def is_on_trip(application: Application) -> bool:
    if application.first_approved_at is None:
        return False
    return application.state in ON_TRIP_STATES or CrossingEvent.objects.filter(application=application).exists()


def group_tracks(applications: Iterable[Application]) -> list[GroupTrack]:
    """Tracks of the given applications, in a fixed number of queries however many groups there are."""
    applications = list(applications)
    ids = [application.pk for application in applications]
    countries = _checkpoint_countries()
    members: dict[int, list[Member]] = {pk: [] for pk in ids}
    for member in Member.objects.filter(application_id__in=ids, removed_at__isnull=True).order_by("id"):
        members[member.application_id].append(member)
    notices = {notice.application_id: notice for notice in DescentNotice.objects.filter(application_id__in=ids)}
    positions: dict[int, PositionReport] = {}
    for position in PositionReport.objects.filter(application_id__in=ids).exclude(country="").order_by("reported_at"):
        positions[position.application_id] = position
    tracks = {
        application.pk: GroupTrack(
            application=application,
            members=members[application.pk],
            planned_exit=_planned_exit(application, countries),
            notice=notices.get(application.pk),
            position=positions.get(application.pk),
            countries=countries,
        )
        for application in applications
    }
    for event in _accepted_events(ids):
        if event.application_id is None or event.member_id is None:
            continue  # the query excludes these; the check tells the type checker
        track = tracks[event.application_id]
        track.latest[event.member_id] = event
        if event.checkpoint.kind == Checkpoint.Kind.BASE_CAMP_HELIPAD:
            track.latest_base_camp[event.member_id] = event
    return list(tracks.values())


def _accepted_events(application_ids: list[int]) -> QuerySet[CrossingEvent]:
    """Accepted events of known members, oldest first: folding them leaves each member's latest. An exit
    with an authentic permit counts even when refused for time or place (AUTHENTIC_REFUSALS)."""
    counted = Q(verdict=ACCEPTED) | Q(direction=Direction.OUT, verdict__in=AUTHENTIC_REFUSALS)
    return (
        CrossingEvent.objects.filter(counted, application_id__in=application_ids, member__isnull=False)
        .select_related("checkpoint__place", "member")
        .order_by("occurred_at", "id")
    )


def _with_plan(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related("route", "company").prefetch_related("passages__checkpoint")


def group_track(application: Application) -> GroupTrack:
    return group_tracks(_with_plan(Application.objects.filter(pk=application.pk)))[0]


def last_known(application: Application) -> LastKnown:
    """Where the group was last known to be: the later of its latest accepted scan (the checkpoint's
    state) and its latest position report placed in a country."""
    return group_track(application).last_known()


# --- Everyone now ------------------------------------------------------------------------------------------


def presence_now(*, now: datetime) -> dict[str, Any]:
    """Who is inside now, per route, base camp and country; the groups on the trip with their counts and
    last known whereabouts; the groups whose planned exit has passed. No names: counts and references."""
    tracks = group_tracks(_with_plan(on_trip_applications()).order_by("start_date", "reference"))
    open_alerts = Counter(
        OverdueAlert.objects.exclude(state=OverdueAlert.State.CLOSED)
        .filter(application_id__in=[track.application.pk for track in tracks])
        .values_list("application_id", flat=True)
    )
    groups = [
        _group_summary(track, now, open_alerts[track.application.pk]) for track in tracks if _on_mountain(track, now)
    ]
    inside = [(track, member) for track in tracks for member in track.members if track.state_of(member) == INSIDE]
    return {
        "at": now,
        "inside": len(inside),
        "by_route": _by_route(inside),
        "by_base_camp": _by_base_camp(inside),
        "by_country": _by_country(inside),
        "groups": groups,
        "past_planned_exit": [group for group in groups if group["past_planned_exit"]],
    }


def _on_mountain(track: GroupTrack, now: datetime) -> bool:
    """Someone is inside, or the trip has begun (local date) and the group has not come out."""
    if any(track.state_of(member) == INSIDE for member in track.members):
        return True
    today = now.astimezone(local_zone(track.application.route.access_country)).date()
    return track.application.start_date <= today and not track.come_out


def _group_summary(track: GroupTrack, now: datetime, open_alerts: int) -> dict[str, Any]:
    application = track.application
    known = track.last_known()
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "start_date": application.start_date,
        "end_date": application.end_date,
        "members": len(track.members),
        **track.counts(),
        "last_known": known._asdict(),
        "last_position": _point(track.position),
        "planned_exit": track.planned_exit,
        "deadline": track.deadline,
        "past_planned_exit": now >= track.planned_exit and not track.come_out,
        "overdue": now >= track.deadline and not track.come_out,
        "descent_notice_at": track.notice.filed_at if track.notice else None,
        "open_alerts": open_alerts,
    }


def _point(position: PositionReport | None) -> dict[str, Any] | None:
    """The group's latest position placed in a country, for a map."""
    if position is None:
        return None
    return {"lat": position.lat, "lon": position.lon, "country": position.country, "reported_at": position.reported_at}


def _by_route(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    routes = {track.application.route.code: track.application.route for track, _ in inside}
    counts = Counter(track.application.route.code for track, _ in inside)
    return [{"route": code, "name": routes[code].name, "inside": counts[code]} for code in sorted(counts)]


def _by_base_camp(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    camps: dict[str, dict[str, Any]] = {}
    for track, member in inside:
        arrival = track.at_base_camp(member)
        if arrival is None:
            continue
        key, name, place = _camp_of(arrival.checkpoint)
        camp = camps.setdefault(key, {"place": key, "name": name, "beds": None, "inside": 0, "_place": place})
        camp["inside"] += 1
    beds = dict(
        BaseCamp.objects.filter(place_id__in=[c["_place"] for c in camps.values()]).values_list("place", "beds")
    )
    for camp in camps.values():
        camp["beds"] = beds.get(camp.pop("_place"))
    return [camps[key] for key in sorted(camps)]


def _camp_of(checkpoint: Checkpoint) -> tuple[str, str, int | None]:
    """A base camp is the place of its helipad (its BaseCamp's place); a helipad without a place, itself."""
    if checkpoint.place is None:
        return checkpoint.code, checkpoint.name, None
    return checkpoint.place.code, checkpoint.place.name, checkpoint.place.pk


def _by_country(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    counts = Counter(track.country_of(member) for track, member in inside)
    return [{"country": country, "inside": counts[country]} for country in sorted(counts)]


# --- One group -------------------------------------------------------------------------------------------------


def group_presence(application: Application, *, now: datetime) -> dict[str, Any]:
    """One group: planned passages against the accepted events (who passed where, on plan or on another
    day), each member's state, position reports, descent notice and alerts. Members' names, no documents."""
    track = group_track(application)
    application = track.application
    events = list(
        CrossingEvent.objects.filter(application=application)
        .select_related("checkpoint", "member")
        .order_by("occurred_at", "id")
    )
    accepted = [event for event in events if event.accepted and event.member_id is not None]
    passages = [_passage(track, passage, accepted) for passage in application.passages.all()]
    planned = {(passage.checkpoint_id, passage.direction) for passage in application.passages.all()}
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "state": application.state,
        "start_date": application.start_date,
        "end_date": application.end_date,
        "planned_exit": track.planned_exit,
        "deadline": track.deadline,
        "past_planned_exit": now >= track.planned_exit and not track.come_out,
        "overdue": now >= track.deadline and not track.come_out,
        "come_out": track.come_out,
        **track.counts(),
        "last_known": track.last_known()._asdict(),
        "passages": passages,
        "members": [_member_state(track, member) for member in track.members],
        "unplanned": [
            _event_row(track, event) for event in accepted if (event.checkpoint_id, event.direction) not in planned
        ],
        "refused": [_event_row(track, event) for event in events if not event.accepted],
        "positions": [position_row(position) for position in application.positions.select_related("reported_by")],
        "descent_notice": notice_row(track.notice),
        "alerts": [alert_row(alert) for alert in alerts_of(application)],
    }


def _local_date(track: GroupTrack, event: CrossingEvent) -> date:
    zone = local_zone(track.countries.get(event.checkpoint_id, ""), fallback=track.application.route.access_country)
    return event.occurred_at.astimezone(zone).date()


def _passage(track: GroupTrack, passage, accepted: list[CrossingEvent]) -> dict[str, Any]:
    """Who made this planned passage: per member the matching event nearest the planned date."""
    rows = []
    for member in track.members:
        matching = [
            event
            for event in accepted
            if event.member_id == member.pk
            and event.checkpoint_id == passage.checkpoint_id
            and event.direction == passage.direction
        ]
        nearest = min(matching, key=lambda event: abs((_local_date(track, event) - passage.date).days), default=None)
        local = _local_date(track, nearest) if nearest else None
        rows.append(
            {
                "member_id": member.pk,
                "name": member.name,
                "at": nearest.occurred_at if nearest else None,
                "local_date": local,
                "on_plan": local == passage.date,
            }
        )
    return {
        "date": passage.date,
        "checkpoint": passage.checkpoint.code,
        "checkpoint_name": passage.checkpoint.name,
        "direction": passage.direction,
        "done": sum(1 for row in rows if row["at"] is not None),
        "on_plan": sum(1 for row in rows if row["on_plan"]),
        "members": rows,
    }


def _member_state(track: GroupTrack, member: Member) -> dict[str, Any]:
    event = track.latest.get(member.pk)
    camp = track.at_base_camp(member)
    return {
        "id": member.pk,
        "name": member.name,
        "role": member.role,
        "state": track.state_of(member),
        "country": track.country_of(member) if track.state_of(member) == INSIDE else "",
        "base_camp": _camp_of(camp.checkpoint)[0] if camp else "",
        "last_event": _event_row(track, event) if event else None,
    }


def _event_row(track: GroupTrack, event: CrossingEvent) -> dict[str, Any]:
    return {
        "checkpoint": event.checkpoint.code,
        "country": track.countries.get(event.checkpoint_id, ""),
        "direction": event.direction,
        "verdict": event.verdict,
        "at": event.occurred_at,
        "name": event.member.name if event.member_id and event.member else event.holder_name,
        "skew_flagged": event.skew_flagged,
    }


def position_row(position: PositionReport) -> dict[str, Any]:
    return {
        "id": position.pk,
        "lat": position.lat,
        "lon": position.lon,
        "country": position.country,
        "reported_at": position.reported_at,
        "received_at": position.received_at,
        "source": position.source,
        "note": position.note,
        "reported_by": position.reported_by.get_username() if position.reported_by else "",
    }


def notice_row(notice: DescentNotice | None) -> dict[str, Any] | None:
    if notice is None:
        return None
    return {
        "filed_at": notice.filed_at,
        "by_leader": notice.filed_by_leader,
        "filed_by": notice.filed_by.get_username() if notice.filed_by else "",
        "note": notice.note,
    }


# --- Alerts and emergency contacts -------------------------------------------------------------------------------


def alerts_of(application: Application) -> QuerySet[OverdueAlert]:
    return (
        application.overdue_alerts.select_related("application", "raised_by")
        .prefetch_related("actions__actor")
        .order_by("stage")
    )


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
