"""Reads of capacity: what a resource-day offers and what is taken, the calendar, usage, why a
request does not fit. Counts always come from the live hold lines, never from a stored counter."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tengri.capacity.models import CapacityOverride, Hold, HoldLine, Resource, ResourceDay, WaitlistEntry
from tengri.core.errors import InvalidInput
from tengri.expeditions.models import Application
from tengri.registry.models import Status

Key = tuple[int, date]
MAX_CALENDAR_DAYS = 62


@dataclass(frozen=True)
class DayCapacity:
    """A resource's capacity on a day and, when it is reduced or closed, why."""

    capacity: int
    closed_reason: str = ""  # an administrator's or the registry's reason
    season: str = ""  # "07-01–09-10" when the day is out of season

    @property
    def reason(self) -> str:
        if self.season:
            return _("out of season: open %(season)s") % {"season": self.season}
        return self.closed_reason


@dataclass(frozen=True)
class Shortfall:
    """Why a request does not fit one resource-day: what it needs and what is left."""

    resource: str
    day: date
    needed: int
    left: int
    closed_reason: str = ""
    season: str = ""

    def as_json(self) -> dict:
        return {
            "resource": self.resource,
            "day": self.day.isoformat(),
            "needed": self.needed,
            "left": self.left,
            "closed_reason": self.closed_reason,
            "season": self.season,
        }

    @classmethod
    def from_json(cls, row: dict) -> "Shortfall":
        return cls(
            row["resource"],
            date.fromisoformat(row["day"]),
            row["needed"],
            row["left"],
            row.get("closed_reason", ""),
            row.get("season", ""),
        )

    @property
    def label(self) -> str:
        return self.resource.split(":", 1)[-1].replace(">", " → ")

    @property
    def message(self) -> str:
        """In the reader's language: which resource, which day, how many left, and why if closed."""
        text = _("%(resource)s on %(day)s: %(left)d left, the group needs %(needed)d") % {
            "resource": self.label,
            "day": self.day.isoformat(),
            "left": max(self.left, 0),
            "needed": self.needed,
        }
        reason = DayCapacity(self.left, self.closed_reason, self.season).reason
        return f"{text} ({reason})" if reason else text


def capacities(keys: list[Key]) -> dict[Key, DayCapacity]:
    """Each resource-day's capacity: the administrator's override for the day, else the registry's."""
    if not keys:
        return {}
    resources = Resource.objects.select_related("checkpoint", "base_camp", "helicopter_leg").in_bulk(
        {resource for resource, _day in keys}
    )
    overrides = {
        (row.resource_id, row.day): row
        for row in CapacityOverride.objects.filter(
            resource_id__in=resources, day__gte=min(day for _r, day in keys), day__lte=max(day for _r, day in keys)
        )
    }
    found = {}
    for resource_id, day in keys:
        override = overrides.get((resource_id, day))
        if override is not None:
            found[(resource_id, day)] = DayCapacity(override.capacity, override.reason)
        else:
            found[(resource_id, day)] = registry_capacity(resources[resource_id], day)
    return found


def registry_capacity(resource: Resource, day: date) -> DayCapacity:
    if resource.checkpoint is not None:
        checkpoint = resource.checkpoint
        if checkpoint.status != Status.OPEN:
            return DayCapacity(0, checkpoint.closed_reason or "closed")
        if not checkpoint.in_season(day):
            return DayCapacity(0, season=f"{checkpoint.season_opens}–{checkpoint.season_closes}")
        return DayCapacity(checkpoint.daily_capacity)
    if resource.base_camp is not None:
        camp = resource.base_camp
        if not camp.in_season(day):
            return DayCapacity(0, season=f"{camp.season_opens}–{camp.season_closes}")
        return DayCapacity(camp.beds)
    assert resource.helicopter_leg is not None  # a database constraint: one of the three
    return DayCapacity(resource.helicopter_leg.seats_per_day)


@dataclass(frozen=True)
class DayLimit:
    """One locked resource-day as a booking sees it: its capacity, and what others' live holds left."""

    pk: int
    resource: Resource
    day: date
    limit: DayCapacity
    left: int

    def shortfall(self, needed: int) -> Shortfall:
        return Shortfall(
            self.resource.code, self.day, needed, max(self.left, 0), self.limit.closed_reason, self.limit.season
        )


def day_limits(
    locked: dict[Key, int],
    *,
    now: datetime,
    excluding: Hold | None = None,
    resources: dict[int, Resource] | None = None,
) -> dict[Key, DayLimit]:
    """Recount each locked resource-day in one statement: others' live hold lines and the day's override
    (the registry's capacity comes from `resources`, read before the lock: a registry edit does not take
    the lock anyway, and every booking waits for the bookings in front of it for as short a time as
    possible). Must run after the lock is taken (a fresh statement sees every commit the lock waited
    for; the locking statement's own snapshot would not)."""
    if resources is None:
        resources = registry_resources(list(locked))
    lines = live_lines(now).filter(resource_day=OuterRef("pk"))
    if excluding is not None and excluding.pk is not None:
        lines = lines.exclude(hold=excluding)
    override = CapacityOverride.objects.filter(resource=OuterRef("resource"), day=OuterRef("day")).order_by()
    taken_here = lines.order_by().values("resource_day_id").annotate(sum=Sum("people")).values("sum")
    rows = (
        ResourceDay.objects.filter(pk__in=locked.values())
        .order_by()
        .annotate(
            taken=Coalesce(Subquery(taken_here), 0),
            override_capacity=Subquery(override.values("capacity")[:1]),
            override_reason=Subquery(override.values("reason")[:1]),
        )
        .values_list("pk", "resource_id", "day", "taken", "override_capacity", "override_reason")
    )
    found = {}
    for pk, resource_id, day, taken_there, override_capacity, override_reason in rows:
        resource = resources[resource_id]
        if override_capacity is not None:
            limit = DayCapacity(override_capacity, override_reason)
        else:
            limit = registry_capacity(resource, day)
        found[(resource_id, day)] = DayLimit(pk, resource, day, limit, limit.capacity - taken_there)
    return found


def registry_resources(keys: list[Key]) -> dict[int, Resource]:
    """The resources of `keys` with the registry rows their capacity comes from, by id."""
    return (
        Resource.objects.select_related("checkpoint", "base_camp", "helicopter_leg")
        .defer("checkpoint__source", "base_camp__source", "helicopter_leg__source")
        .in_bulk({resource for resource, _day in keys})
    )


def live_lines(now: datetime) -> QuerySet[HoldLine]:
    """Lines that take capacity now: their hold is submitted or confirmed, or held and not expired."""
    return HoldLine.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by()


def taken(resource_day_ids: list[int], *, now: datetime, excluding: Hold | None = None) -> dict[int, int]:
    """People taken on each resource-day by live holds (other than `excluding`), from the lines."""
    lines = live_lines(now).filter(resource_day_id__in=resource_day_ids)
    if excluding is not None:
        lines = lines.exclude(hold=excluding)
    rows = lines.values("resource_day_id").annotate(people=Sum("people")).values_list("resource_day_id", "people")
    return dict(rows)


# --- The calendar and usage ---------------------------------------------------------------------------


@dataclass
class CalendarCell:
    day: date
    capacity: int
    taken: int
    reason: str = ""

    @property
    def left(self) -> int:
        return self.capacity - self.taken


@dataclass
class CalendarRow:
    resource: Resource
    cells: list[CalendarCell] = field(default_factory=list)


def calendar(*, first: date, days: int, kind: str = "", now: datetime) -> list[CalendarRow]:
    """Availability of every resource (or those of one kind) on `days` days from `first`."""
    _check_period(first, days)
    if kind and kind not in Resource.Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Resource.Kind.values)}")
    _ensure_resources()
    resources = list(Resource.objects.select_related("checkpoint", "base_camp", "helicopter_leg").order_by("code"))
    resources = [resource for resource in resources if not kind or resource.kind == kind]
    dates = [first + timedelta(days=offset) for offset in range(days)]
    keys = [(resource.pk, day) for resource in resources for day in dates]
    day_capacity = capacities(keys)
    used = _taken_between(first, dates[-1], now)
    return [
        CalendarRow(
            resource,
            [
                CalendarCell(
                    day,
                    day_capacity[(resource.pk, day)].capacity,
                    used.get((resource.pk, day), 0),
                    day_capacity[(resource.pk, day)].reason,
                )
                for day in dates
            ],
        )
        for resource in resources
    ]


def _check_period(first: date, days: int) -> None:
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise InvalidInput(f"a period is 1 to {MAX_CALENDAR_DAYS} days")
    margin = timedelta(days=2 * MAX_CALENDAR_DAYS)  # room for the pages' earlier and later links
    if not date.min + margin <= first <= date.max - margin:
        raise InvalidInput(f"{first} is out of the calendar's range")


def _taken_between(first: date, last: date, now: datetime) -> dict[Key, int]:
    rows = (
        live_lines(now)
        .filter(resource_day__day__gte=first, resource_day__day__lte=last)
        .values("resource_day__resource_id", "resource_day__day")
        .annotate(people=Sum("people"))
        .values_list("resource_day__resource_id", "resource_day__day", "people")
    )
    return {(resource, day): people for resource, day, people in rows}


@dataclass(frozen=True)
class UsageLine:
    resource: str
    day: date
    reference: str
    hold_state: str
    people: int


def usage(*, first: date, days: int, now: datetime) -> list[UsageLine]:
    """Who holds what, per resource-day (administrators): application references and head counts only."""
    _check_period(first, days)
    last = first + timedelta(days=days - 1)
    rows = (
        live_lines(now)
        .filter(resource_day__day__gte=first, resource_day__day__lte=last)
        .select_related("resource_day__resource", "hold__application")
        .order_by("resource_day__resource__code", "resource_day__day", "hold__application__reference")
    )
    return [
        UsageLine(
            line.resource_day.resource.code,
            line.resource_day.day,
            line.hold.application.reference,
            line.hold.state,
            line.people,
        )
        for line in rows
    ]


def oversold(*, now: datetime) -> list[tuple[str, date, int, int]]:
    """Every resource-day where live holds take more than the capacity: (resource, day, taken, capacity).
    Holds never make it so; an administrator lowering a capacity below what is reserved can."""
    used: dict[Key, int] = defaultdict(int)
    for resource, day, people in (
        live_lines(now)
        .values("resource_day__resource_id", "resource_day__day")
        .annotate(people=Sum("people"))
        .values_list("resource_day__resource_id", "resource_day__day", "people")
    ):
        used[(resource, day)] += people
    limits = capacities(list(used))
    codes = dict(Resource.objects.values_list("pk", "code"))
    return sorted(
        (codes[resource], day, people, limits[(resource, day)].capacity)
        for (resource, day), people in used.items()
        if people > limits[(resource, day)].capacity
    )


def reservations_behind() -> list[tuple[str, list[Shortfall]]]:
    """Applications kept for review or reserved whose itinerary needs more than they hold, and there was
    no room for it (application reference, what does not fit). They keep what they hold (nothing is
    sold twice, and a reservation is not dropped behind an operator's back); the sweep retries, and an
    administrator decides (raise the capacity for the day, or talk to the operator)."""
    holds = (
        Hold.objects.filter(state__in=[Hold.State.SUBMITTED, Hold.State.CONFIRMED])
        .exclude(shortfalls=[])
        .exclude(application__state__in=[Application.State.REJECTED, Application.State.WITHDRAWN])
        .select_related("application")
        .order_by("application__reference")
    )
    return [(hold.application.reference, [Shortfall.from_json(row) for row in hold.shortfalls]) for hold in holds]


# --- One application -------------------------------------------------------------------------------


@dataclass
class HoldView:
    """An application's hold as pages and the API show it."""

    state: str
    state_label: str
    expires_at: datetime | None
    people: int
    lines: list[tuple[str, date, int]]
    shortfalls: list[Shortfall]
    waiting: list[tuple[str, date, int]]

    @property
    def fits(self) -> bool:
        return not self.shortfalls


def hold_view(application: Application, *, now: datetime) -> HoldView | None:
    """The application's hold, with what it holds and why the last request did not fit; None if it
    never asked for any."""
    hold = Hold.objects.filter(application=application).first()
    if hold is None:
        return None
    lines = [
        (line.resource_day.resource.code, line.resource_day.day, line.people)
        for line in live_lines(now)
        .filter(hold=hold)
        .select_related("resource_day__resource")
        .order_by("resource_day__day", "resource_day__resource__code")
    ]
    waiting = [
        (entry.resource_day.resource.code, entry.resource_day.day, entry.people)
        for entry in WaitlistEntry.objects.filter(application=application, state=WaitlistEntry.State.WAITING)
        .select_related("resource_day__resource")
        .order_by("resource_day__day")
    ]
    state = hold.state
    if state == Hold.State.HELD and hold.expires_at and hold.expires_at <= now:
        state = Hold.State.EXPIRED  # the sweep has not run yet; the hold takes nothing already
    return HoldView(
        state=state,
        state_label=str(Hold.State(state).label),
        expires_at=hold.expires_at if state == Hold.State.HELD else None,
        people=hold.people,
        lines=lines,
        shortfalls=[Shortfall.from_json(row) for row in hold.shortfalls],
        waiting=waiting,
    )


def waitlist_position(application: Application) -> int | None:
    """How many applications joined the waitlist before this one and still wait (None: not waiting)."""
    first = (
        WaitlistEntry.objects.filter(application=application, state=WaitlistEntry.State.WAITING)
        .order_by("joined_at", "id")
        .first()
    )
    if first is None:
        return None
    earlier = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING, resource_day__in=_days_of(application))
    earlier = earlier.filter(Q(joined_at__lt=first.joined_at) | Q(joined_at=first.joined_at, id__lt=first.pk))
    return earlier.exclude(application=application).values("application").distinct().count()


def _days_of(application: Application) -> QuerySet[ResourceDay]:
    return ResourceDay.objects.filter(waitlist__application=application, waitlist__state=WaitlistEntry.State.WAITING)


_codes: dict[int, str] = {}


def resource_code(pk: int) -> str:
    """A resource's code, remembered by the process: codes never change and ids are never reused."""
    if pk not in _codes:
        _codes.update(Resource.objects.values_list("pk", "code"))
    return _codes[pk]


def _ensure_resources() -> None:
    """Resources appear with the registry rows they stand for (receivers); a read adds them only when
    some are missing, as after a registry load whose signals were not committed."""
    from tengri.capacity.demand import registry_size, resources_sync

    if Resource.objects.count() < registry_size():
        resources_sync()
