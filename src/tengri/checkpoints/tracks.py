"""What the centre knows of each group on its trip: its members' latest accepted crossings, its latest
placed position, its descent notice and its planned exit (docs/offline-sync.md, "Presence and overdue").
Read in bulk (`group_tracks`); the presence pages (`presence.py`) and the overdue sweep (`overdue.py`)
build on these.

- A member is **inside** when their latest accepted (VALID) crossing event, by `occurred_at`, is `in`.
  A descent notice closes the group's presence: events up to the moment it was filed no longer count
  as inside (a member scanned in again afterwards is inside again).
- A member is **at a base camp** when inside and their latest accepted event at a base-camp helipad is `in`.
- A member's **country** is the later of: the country of the checkpoint of their latest accepted event,
  and the country of the group's latest position report that the border data placed.
- A group is **on the trip** once approved (`first_approved_at`), also while an amendment is reviewed (its
  members still hold the earlier round's permits); not once withdrawn, rejected or closed.
- A group is **overdue** once past its planned exit (the end of the local day of its last planned passage
  out) plus `TENGRI_OVERDUE_GRACE_HOURS` without having come out.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet

from tengri.checkpoints.models import CrossingEvent, DescentNotice, Direction, PositionReport
from tengri.expeditions.models import Application, Member
from tengri.permits.checking import UTC_OFFSET_HOURS, checkpoint_country
from tengri.registry.models import Checkpoint

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


class LastKnown(NamedTuple):
    """Where the group was last known to be: `country` ("" when unknown), when, and from what
    (`scan` — an accepted crossing event, `position` — a position report, "" — nothing yet)."""

    country: str
    at: datetime | None
    source: str


# --- Countries and local time ----------------------------------------------------------------------


def country_of_checkpoint_code(code: str) -> str:
    """The state a checkpoint lies in: the country of its place, else its first border service ("" if unknown)."""
    checkpoint = Checkpoint.objects.select_related("place").prefetch_related("authorities").filter(code=code).first()
    return checkpoint_country(checkpoint) if checkpoint else ""


def _checkpoint_countries() -> dict[int, str]:
    """Every checkpoint's state by id: a dozen rows, read once per request instead of once per event."""
    checkpoints = Checkpoint.objects.select_related("place").prefetch_related("authorities")
    return {checkpoint.pk: checkpoint_country(checkpoint) for checkpoint in checkpoints}


def local_zone(country: str, *, fallback: str = "KZ") -> timezone:
    """Kazakhstan UTC+5, Kyrgyzstan UTC+6 (fixed offsets: neither state keeps summer time)."""
    return timezone(timedelta(hours=UTC_OFFSET_HOURS.get(country, UTC_OFFSET_HOURS.get(fallback, 5))))


# --- Planned exit --------------------------------------------------------------------------------------


def planned_exit(application: Application) -> datetime:
    """The end (UTC) of the local day of the group's last planned `out` passage, else of its end date.
    Local: the exit checkpoint's state, else the route's access state."""
    return _planned_exit(application, _checkpoint_countries())


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
        """The planned exit plus `TENGRI_OVERDUE_GRACE_HOURS`: after it, the group is overdue."""
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


def with_plan(applications: QuerySet[Application]) -> QuerySet[Application]:
    """With what a track reads of each application: its route, company and planned passages."""
    return applications.select_related("route", "company").prefetch_related("passages__checkpoint")


def group_track(application: Application) -> GroupTrack:
    return group_tracks(with_plan(Application.objects.filter(pk=application.pk)))[0]


def group_tracks_of(application_ids: Iterable[int]) -> list[GroupTrack]:
    """Tracks of the applications with these ids (route, company and plan loaded), in reference order."""
    applications = Application.objects.filter(pk__in=list(application_ids)).order_by("reference")
    return group_tracks(with_plan(applications))


def last_known(application: Application) -> LastKnown:
    """Where the group was last known to be: the later of its latest accepted scan (the checkpoint's
    state) and its latest position report placed in a country."""
    return group_track(application).last_known()
