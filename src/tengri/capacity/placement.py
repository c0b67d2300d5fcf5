"""Placing a hold: the one place where capacity is taken, used by every service that books (a save,
submission, an amendment, approval, the sweep, the waitlist). Runs inside its caller's transaction.

Locks, always in this order, so that no two bookings can deadlock:
  1. the application row (`application_locked`), when the write is about one application;
  2. its hold row (`hold_locked`);
  3. every resource-day of the new demand: all at once, sorted, in one statement
     (`locking.resource_days_lock`), as late as possible;
  4. the audit chain (`audit_record`, last).
Inside those locks what is left is recounted from the live hold lines (`selectors.day_limits`);
nothing trusts a stored counter. A request that changes nothing takes no resource lock and writes
nothing. Capacity freed is offered to the waitlist after commit.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from tengri.capacity.demand import Demand, application_demand, application_people
from tengri.capacity.locking import Key, resource_days_find, resource_days_lock
from tengri.capacity.models import Hold, HoldLine, WaitlistEntry
from tengri.capacity.selectors import Shortfall, capacities, day_limits, registry_resources, taken
from tengri.core.audit import audit_record
from tengri.core.errors import Busy
from tengri.expeditions.models import Application, Member

log = logging.getLogger(__name__)
State = Hold.State
# Holds that edits never give back: only a rejection or a withdrawal does.
KEPT = (State.SUBMITTED, State.CONFIRMED)
AppState = Application.State


@dataclass
class HoldResult:
    """What a request for capacity came to: the hold as it is now and, if it did not fit, why."""

    hold: Hold
    shortfalls: list[Shortfall] = field(default_factory=list)
    held: Demand = field(default_factory=dict)  # what it holds now, when the request fitted

    @property
    def fits(self) -> bool:
        return not self.shortfalls

    @property
    def message(self) -> str:
        return "; ".join(shortfall.message for shortfall in self.shortfalls)


def place(actor, application: Application, hold: Hold, demand: Demand, now: datetime, *, promote=None, people=None):
    """Make `hold` hold `demand`. `promote`: the state a fitting hold takes (and a kept one keeps when
    the new demand does not fit). A held hold keeps the expiry of its first placement: saving again
    extends nothing, and one that expired is placed afresh (recounted, with a new 30 minutes)."""
    people = application_people(application) if people is None else people
    live = _live_lines(hold, now)
    held = {key: line.people for key, line in live.items()}
    # Only kept lines (submitted, reserved: no expiry) stand without a recount: a held line may expire
    # while this request waits for its locks, and another booking may already have counted it out.
    kept = {key: line.people for key, line in live.items() if line.expires_at is None}
    increases = sorted(key for key, count in demand.items() if count > kept.get(key, 0))
    if not increases and _unchanged(hold, demand, held, promote, people):
        # A kept hold asked again for what it holds (a save that did not touch the itinerary, the
        # approval of an amendment whose reservation already moved): no lock, no write. Marked as seen
        # for the sweep's catch-up.
        Hold.objects.filter(pk=hold.pk).update(updated_at=timezone.now())
        return HoldResult(hold, held=demand)
    was_short = bool(hold.shortfalls)  # only a hold that was short can have joined the waitlist
    # Every day of the new demand is locked, not only the increases: rewriting the hold's lines checks
    # their foreign keys at COMMIT (a KEY SHARE lock on each day), which must not wait for a day another
    # booking holds while this one holds the audit chain's lock: that would be a deadlock.
    resources = registry_resources(list(demand))  # before the lock: the registry's capacities need none
    left = day_limits(resource_days_lock(sorted(demand)), now=now, excluding=hold, resources=resources)
    short = [key for key in increases if demand[key] > left[key].left]
    if short:
        shortfalls = [left[key].shortfall(demand[key]) for key in short]
        keep = bool(live) and (hold.state in KEPT or promote is not None)
        return _short(actor, application, hold, shortfalls, now, keep=keep, promote=promote)
    ids = {**{key: line.resource_day_id for key, line in live.items()}, **{k: day.pk for k, day in left.items()}}
    # An edit never turns a kept hold (submitted, reserved) back into an expiring one.
    state = promote or (hold.state if hold.state in KEPT and _is_live(hold, now) else _state_for(application))
    freed = [ids[key] for key, count in held.items() if demand.get(key, 0) < count]
    _hold_write(hold, demand, ids, state, now, people=people)
    audit_record(
        actor=actor,
        action="capacity.hold",
        subject=hold,
        data={
            "application": application.reference,
            "state": state,
            "people": hold.people,
            "resource_days": len(demand),
            "freed": len(freed),
        },
    )
    if was_short:
        application.waitlist_entries.filter(state=WaitlistEntry.State.WAITING).update(
            state=WaitlistEntry.State.SERVED, ended_at=now
        )
    if freed:
        offer_after_commit()
    return HoldResult(hold, held=demand)


def _unchanged(hold: Hold, demand: Demand, held: Demand, promote, people: int) -> bool:
    return (
        hold.pk is not None
        and hold.state in KEPT
        and demand == held
        and (promote or hold.state) == hold.state
        and not hold.shortfalls
        and hold.people == people
    )


def _hold_write(hold: Hold, demand: Demand, ids: dict[Key, int], state: str, now: datetime, *, people: int) -> None:
    expires, placed = None, now
    if state == State.HELD and hold.state == State.HELD and _is_live(hold, now):
        # Counted from the first placement: otherwise a script saving every few minutes would keep
        # capacity from everyone else for ever.
        expires, placed = hold.expires_at, hold.placed_at or now
    elif state == State.HELD:
        expires = now + timedelta(minutes=settings.TENGRI_HOLD_MINUTES)
    _drop_lines(hold)
    hold.state, hold.expires_at, hold.people, hold.shortfalls, hold.placed_at = state, expires, people, [], placed
    _save(hold, ["state", "expires_at", "people", "shortfalls", "placed_at"])
    HoldLine.objects.bulk_create(
        [
            HoldLine(hold=hold, resource_day_id=ids[key], people=count, expires_at=expires)
            for key, count in demand.items()
        ]
    )


def _short(actor, application, hold: Hold, shortfalls: list[Shortfall], now: datetime, *, keep: bool, promote):
    """Record why the request does not fit. A kept hold keeps what it held; any other gives it back."""
    rows = [shortfall.as_json() for shortfall in shortfalls]
    if keep and hold.shortfalls == rows and (promote or hold.state) == hold.state:
        return HoldResult(hold, shortfalls)  # the same shortfall again (the sweep retrying): no write
    if keep:
        hold.shortfalls = rows
        hold.state = promote or hold.state
        _save(hold, ["shortfalls", "state"])
    elif hold.state == State.SHORT and hold.shortfalls == rows:
        return HoldResult(hold, shortfalls)  # nothing changed: nothing to write or audit
    else:
        freed = bool(_live_lines(hold, now))
        _drop_lines(hold)
        hold.state, hold.expires_at, hold.shortfalls = State.SHORT, None, rows
        _save(hold, ["state", "expires_at", "shortfalls"])
        if freed:
            offer_after_commit()
    audit_record(
        actor=actor,
        action="capacity.hold_short",
        subject=hold,
        data={"application": application.reference, "state": hold.state, "short": len(rows), "kept": keep},
    )
    return HoldResult(hold, shortfalls)


def _save(hold: Hold, fields: list[str]) -> None:
    """A hold is first written when its first request is decided (one INSERT), then updated."""
    if hold.pk is None:
        hold.save()
    else:
        hold.save(update_fields=[*fields, "updated_at"])


def _drop_lines(hold: Hold) -> None:
    # Lines exist only while held, kept, or expired and not yet swept.
    if hold.pk is not None and hold.state in (State.HELD, *KEPT):
        hold.lines.all().delete()


def give_back(actor, hold: Hold, state: str, now: datetime, *, reason: str) -> None:
    """Release or expire: the lines go, no resource lock (freeing only makes others' recount smaller)."""
    hold.lines.all().delete()
    hold.state, hold.expires_at, hold.shortfalls = state, None, []
    hold.save(update_fields=["state", "expires_at", "shortfalls", "updated_at"])
    audit_record(
        actor=actor,
        action=f"capacity.hold_{'expire' if state == State.EXPIRED else 'release'}",
        subject=hold,
        reason=reason,
        data={"application_id": hold.application_id},
    )
    offer_after_commit()


def leave_waitlist(application: Application, now: datetime) -> None:
    application.waitlist_entries.filter(state=WaitlistEntry.State.WAITING).update(
        state=WaitlistEntry.State.LEFT, ended_at=now
    )


def _live_lines(hold: Hold, now: datetime) -> dict[Key, HoldLine]:
    """The lines that take capacity now (none when the hold expired, even before the sweep)."""
    if not _is_live(hold, now):
        return {}
    lines = hold.lines.select_related("resource_day")
    return {(line.resource_day.resource_id, line.resource_day.day): line for line in lines}


def _is_live(hold: Hold, now: datetime) -> bool:
    if hold.pk is None:
        return False  # not saved yet
    return hold.state in KEPT or (hold.state == State.HELD and hold.expires_at is not None and hold.expires_at > now)


def _state_for(application: Application) -> str:
    if application.state == AppState.APPROVED:
        return State.CONFIRMED
    if application.state in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
        return State.SUBMITTED
    return State.HELD


def application_locked(application: Application) -> Application:
    """The application, its row locked, with how many people it has now (`people_now`: counted by the
    same statement, as every booking needs it)."""
    members = Member.objects.filter(application=OuterRef("pk"), removed_at__isnull=True).order_by()
    people = members.values("application").annotate(count=Count("pk")).values("count")
    # Only the application's own row: FOR UPDATE would also lock the joined route and company rows, and
    # every booking of one company (or one route) would then wait for the others.
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("route", "company")
        .annotate(people_now=Coalesce(Subquery(people), 0))
        .get(pk=application.pk)
    )


def hold_locked(application: Application) -> Hold:
    """The application's hold, locked; a new one (not saved yet) when it has none. Holds are made only
    under the application's row lock, so two requests never make one each."""
    hold = Hold.objects.select_for_update().filter(application=application).first()
    return hold if hold is not None else Hold(application=application, state=State.SHORT)


def might_fit(application: Application, now: datetime) -> bool:
    """An estimate without locks, to spare a locked attempt that would plainly fail."""
    demand = application_demand(application)
    hold = Hold.objects.filter(application=application).first()
    ids = resource_days_find(demand)
    used = taken(list(ids.values()), now=now, excluding=hold)
    limits = capacities(list(demand))
    return all(people <= limits[key].capacity - used.get(ids.get(key, 0), 0) for key, people in demand.items())


def offer_after_commit() -> None:
    """After commit, when anyone waits: offer what was freed now, not at the next sweep. Runs in the
    request that freed it (a busy moment is left to the sweep, which runs every minute)."""

    def offer() -> None:
        # Imported here: the waitlist places holds with this module, which must not import it back.
        from tengri.capacity.waitlist import waitlist_offer

        if not WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).exists():
            return
        try:
            waitlist_offer()
        except Busy:
            log.info("waitlist offers left to the next sweep: capacity is busy")

    transaction.on_commit(offer)
