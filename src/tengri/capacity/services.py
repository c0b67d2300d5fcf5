"""Every write to capacity: holds (place, follow an edit, keep for submission, confirm, release,
expire), the waitlist, and an administrator's capacity for a day.

Locks, always in this order, so that no two of these can deadlock:
  1. the application row (`select_for_update`), when the write is about one application;
  2. its hold row;
  3. the resource-days it makes less available: all at once, sorted, in one statement
     (`locking.resource_days_lock`), as late as possible;
  4. the audit chain (`audit_record`, last).
Inside those locks what is left is recounted from the live hold lines (`selectors.taken`); nothing
trusts a stored counter. Freeing capacity (release, expiry, a hold that shrinks) takes no resource
lock: it can only make the others' recount smaller. Freed capacity is offered to the waitlist after
commit. Each public service is one durable transaction (`capacity_transaction`) unless it says it
runs inside its caller's.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tengri.capacity import notifications
from tengri.capacity.demand import Demand, application_demand, application_people, itinerary_complete
from tengri.capacity.locking import Key, capacity_transaction, resource_days_find, resource_days_lock
from tengri.capacity.models import CapacityOverride, Hold, HoldLine, Resource, ResourceDay, WaitlistEntry
from tengri.capacity.selectors import Shortfall, capacities, day_limits, taken
from tengri.core.audit import audit_record
from tengri.core.errors import Busy, InvalidInput, InvalidTransition
from tengri.expeditions.models import FINAL_STATES, Application

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


# --- Holds -----------------------------------------------------------------------------------------


@capacity_transaction
def hold_place(*, actor, application: Application, now: datetime | None = None, demand: Demand | None = None):
    """Place or adjust the application's hold for what its itinerary needs (or for `demand`, when a
    test or tool states it). A request that does not fit is not an error: the result and the hold carry
    the shortfalls (which resource, which day, how many left).

    Locks: the application row, its hold row, the resource-days it needs more of (sorted, one
    statement). Raises InvalidTransition (application finished, itinerary incomplete), Busy (lock
    timeout). After commit: capacity it gave back is offered to the waitlist."""
    now = now or timezone.now()
    application = _application_locked(application)
    if application.state in FINAL_STATES:
        raise InvalidTransition(f"{application.reference} is {application.get_state_display()}: it holds nothing")
    people = application_people(application)
    if demand is None:
        if not itinerary_complete(application, people=people):
            raise InvalidTransition(
                "complete the itinerary first: a sleeping place for every night, a way in and out, and the group"
            )
        demand = application_demand(application, people=people)
    return _place(actor, application, _hold_locked(application), demand, now, people=people)


@capacity_transaction
def hold_follow(*, application: Application, now: datetime | None = None) -> HoldResult | None:
    """After an edit of the application committed: hold what the itinerary as saved needs. An
    itinerary that became incomplete gives back an expiring hold; a kept one (submitted, reserved)
    stays until decided. Locks: as `hold_place`. Raises Busy (lock timeout)."""
    now = now or timezone.now()
    application = _application_locked(application)
    if application.state in FINAL_STATES:
        return None
    hold = Hold.objects.select_for_update().filter(application=application).first()
    people = application_people(application)
    if not itinerary_complete(application, people=people):
        if hold is not None and hold.state == State.HELD:
            _give_back(None, hold, State.RELEASED, now, reason="the itinerary is no longer complete")
        return None
    demand = application_demand(application, people=people)
    return _place(None, application, hold or _hold_locked(application), demand, now, people=people)


def hold_for_submission(*, application: Application, now: datetime | None = None) -> Hold:
    """The group must hold what its itinerary needs to be submitted; the hold is then kept until the
    authorities decide. Runs inside the submitting transaction, whose caller locked the application row.

    Locks: the hold row, the resource-days it needs more of. Raises InvalidTransition naming every
    resource-day that does not fit (the submission is refused and nothing is kept), Busy."""
    now = now or timezone.now()
    hold = _hold_locked(application)
    keep_as = State.CONFIRMED if hold.state == State.CONFIRMED else State.SUBMITTED
    result = _place(None, application, hold, application_demand(application), now, promote=keep_as)
    if not result.fits:
        raise InvalidTransition(f"there is no room for the group: {result.message}")
    return result.hold


@capacity_transaction
def hold_confirm(*, application: Application, now: datetime | None = None) -> HoldResult:
    """Approval: the hold becomes a reservation. If the itinerary was amended since it was held, the
    reservation follows it when that fits; otherwise it keeps what it held and records why.
    Locks: as `hold_place`. Raises Busy."""
    now = now or timezone.now()
    application = _application_locked(application)
    hold = _hold_locked(application)
    result = _place(None, application, hold, application_demand(application), now, promote=State.CONFIRMED)
    if not result.fits:
        log.warning("%s approved, but its amended itinerary does not fit: %s", application.reference, result.message)
    return result


@capacity_transaction
def hold_release(*, actor, application: Application, reason: str, now: datetime | None = None) -> Hold | None:
    """Give back everything the application holds and take it off the waitlist (rejected, withdrawn).
    Locks: the hold row only (freeing needs no resource lock). After commit: offers to the waitlist."""
    now = now or timezone.now()
    hold = Hold.objects.select_for_update().filter(application=application).first()
    _leave_waitlist(application, now)
    if hold is None or hold.state in (State.RELEASED, State.EXPIRED):
        return hold
    _give_back(actor, hold, State.RELEASED, now, reason=reason)
    return hold


@capacity_transaction
def holds_expire(*, now: datetime | None = None) -> list[Hold]:
    """Give back every held hold whose time ran out. Locks those hold rows, skipping any a request is
    changing this moment (the next sweep takes it; meanwhile it takes nothing: the recount ignores
    expired lines). After commit: offers to the waitlist."""
    now = now or timezone.now()
    due = list(
        Hold.objects.select_for_update(skip_locked=True, of=("self",)).filter(state=State.HELD, expires_at__lte=now)
    )
    for hold in due:
        _give_back(None, hold, State.EXPIRED, now, reason="not submitted in time")
    return due


def holds_reconcile(*, now: datetime | None = None) -> int:
    """Catch up with what a missed signal would have done (a crash between a commit and its receiver):
    reserve for approved applications, give back for rejected and withdrawn ones. Returns how many."""
    now = now or timezone.now()
    done = 0
    # An approved group whose hold is short waits like everyone else (the waitlist), not here.
    unconfirmed = Hold.objects.filter(application__state=AppState.APPROVED).exclude(
        state__in=[State.CONFIRMED, State.SHORT]
    )
    for hold in unconfirmed.select_related("application"):
        hold_confirm(application=hold.application, now=now)
        done += 1
    ended = Hold.objects.filter(application__state__in=[AppState.REJECTED, AppState.WITHDRAWN]).exclude(
        state__in=[State.RELEASED, State.EXPIRED, State.SHORT]
    )
    for hold in ended.select_related("application"):
        hold_release(actor=None, application=hold.application, reason=f"application {hold.application.state}", now=now)
        done += 1
    return done


# --- The waitlist ----------------------------------------------------------------------------------


@capacity_transaction
def waitlist_join(*, actor, application: Application, now: datetime | None = None) -> list[WaitlistEntry]:
    """Wait for the resource-days the application's last request did not fit, in the order of joining.
    Locks: the application row. Raises InvalidTransition when nothing is short or it is finished."""
    now = now or timezone.now()
    application = _application_locked(application)
    hold = Hold.objects.filter(application=application).first()
    if application.state in FINAL_STATES or hold is None or not hold.shortfalls:
        raise InvalidTransition(f"{application.reference} is short of nothing: there is nothing to wait for")
    shortfalls = [Shortfall.from_json(row) for row in hold.shortfalls]
    resources = dict(Resource.objects.filter(code__in={s.resource for s in shortfalls}).values_list("code", "pk"))
    wanted = [((resources[s.resource], s.day), s) for s in shortfalls if s.resource in resources]
    keys = [key for key, _shortfall in wanted]
    ResourceDay.objects.bulk_create([ResourceDay(resource_id=r, day=d) for r, d in keys], ignore_conflicts=True)
    days = resource_days_find(keys)
    entries = []
    for key, shortfall in wanted:
        entry, _created = WaitlistEntry.objects.get_or_create(
            application=application,
            resource_day_id=days[key],
            state=WaitlistEntry.State.WAITING,
            defaults={"people": shortfall.needed, "joined_at": now},
        )
        entries.append(entry)
    audit_record(
        actor=actor,
        action="capacity.waitlist_join",
        subject=hold,
        data={"application": application.reference, "resource_days": len(keys)},
    )
    return entries


def waitlist_offer(*, now: datetime | None = None) -> list[HoldResult]:
    """Offer free capacity to the waitlist in the order applications joined: each waiting application
    whose whole request fits now gets a hold (its own transaction, locks as `hold_place`) and a mail.
    One that still does not fit keeps its place and a later, smaller one may be served before it.
    Applications that plainly still do not fit are skipped without a lock or a write."""
    now = now or timezone.now()
    waiting = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).order_by("joined_at", "id")
    served = []
    for application_id in dict.fromkeys(waiting.values_list("application_id", flat=True)):
        application = Application.objects.select_related("route", "company").get(pk=application_id)
        if application.state in FINAL_STATES or not itinerary_complete(application):
            continue
        if not _might_fit(application, now):
            continue
        result = _offer(application, now)
        if result is not None and result.fits:
            served.append(result)
    return served


@capacity_transaction
def _offer(application: Application, now: datetime) -> HoldResult | None:
    application = _application_locked(application)
    if not application.waitlist_entries.filter(state=WaitlistEntry.State.WAITING).exists():
        return None  # served or gone since the list was read
    result = _place(None, application, _hold_locked(application), application_demand(application), now)
    if result.fits:
        hold = result.hold
        transaction.on_commit(lambda: notifications.waitlist_hold_placed(application, hold))
    return result


# --- Capacity per day (administrators) ------------------------------------------------------------


@transaction.atomic
def capacity_override_set(*, actor, resource: Resource, day: date, capacity: int, reason: str) -> CapacityOverride:
    """One day's capacity of a resource instead of the registry's; 0 closes it. Runs in the caller's
    transaction (the admin's). Locks that resource-day: a lower capacity makes it less available, so it
    waits for bookings in flight. Reservations above the new capacity stay (the calendar shows them
    over); raises InvalidInput without a reason. After commit: more capacity goes to the waitlist."""
    if not reason.strip():
        raise InvalidInput("say why the capacity of that day is changed (operators are shown it)")
    if capacity < 0:
        raise InvalidInput("a capacity is 0 or more")
    resource_days_lock([(resource.pk, day)])
    override, _created = CapacityOverride.objects.update_or_create(
        resource=resource,
        day=day,
        defaults={"capacity": capacity, "reason": reason.strip(), "created_by": actor if _is_user(actor) else None},
    )
    audit_record(
        actor=actor,
        action="capacity.override",
        subject=override,
        reason=reason,
        data={"resource": resource.code, "day": day.isoformat(), "capacity": capacity},
    )
    _offer_after_commit()
    return override


@transaction.atomic
def capacity_override_remove(*, actor, override: CapacityOverride) -> None:
    """Back to the registry's capacity for that day (which may be lower): locks the resource-day."""
    resource_days_lock([(override.resource_id, override.day)])
    audit_record(
        actor=actor,
        action="capacity.override_remove",
        subject=override,
        data={"resource": override.resource.code, "day": override.day.isoformat()},
    )
    override.delete()
    _offer_after_commit()


# --- helpers ---------------------------------------------------------------------------------------


def _place(actor, application: Application, hold: Hold, demand: Demand, now: datetime, *, promote=None, people=None):
    """Make `hold` hold `demand`, locking only the resource-days it needs more of. `promote`: the state
    a fitting hold takes (and a kept one keeps when the new demand does not fit)."""
    live = _live_lines(hold, now)
    held = {key: line.people for key, line in live.items()}
    # Only kept lines (submitted, reserved: no expiry) stand without a recount: a held line may expire
    # while this request waits for its locks, and another booking may already have counted it out.
    kept = {key: line.people for key, line in live.items() if line.expires_at is None}
    was_short = bool(hold.shortfalls)  # only a hold that was short can have joined the waitlist
    increases = sorted(key for key, count in demand.items() if count > kept.get(key, 0))
    # Every day of the new demand is locked, not only the increases: rewriting the hold's lines checks
    # their foreign keys at COMMIT (a KEY SHARE lock on each day), which must not wait for a day another
    # booking holds while this one holds the audit chain's lock: that would be a deadlock.
    left = day_limits(resource_days_lock(sorted(demand)), now=now, excluding=hold)
    short = [key for key in increases if demand[key] > left[key].left]
    if short:
        shortfalls = [left[key].shortfall(demand[key]) for key in short]
        keep = bool(live) and (hold.state in KEPT or promote is not None)
        return _short(actor, application, hold, shortfalls, now, keep=keep, promote=promote)
    ids = {**{key: line.resource_day_id for key, line in live.items()}, **{k: day.pk for k, day in left.items()}}
    # An edit never turns a kept hold (submitted, reserved) back into an expiring one.
    state = promote or (hold.state if hold.state in KEPT and _is_live(hold, now) else _state_for(application))
    freed = [ids[key] for key, count in held.items() if demand.get(key, 0) < count]
    _hold_write(hold, demand, ids, state, now, people=application_people(application) if people is None else people)
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
        _offer_after_commit()
    return HoldResult(hold, held=demand)


def _hold_write(hold: Hold, demand: Demand, ids: dict[Key, int], state: str, now: datetime, *, people: int) -> None:
    expires = now + timedelta(minutes=settings.TENGRI_HOLD_MINUTES) if state == State.HELD else None
    _drop_lines(hold)
    hold.state, hold.expires_at, hold.people, hold.shortfalls, hold.placed_at = state, expires, people, [], now
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
            _offer_after_commit()
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


def _give_back(actor, hold: Hold, state: str, now: datetime, *, reason: str) -> None:
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
    _offer_after_commit()


def _leave_waitlist(application: Application, now: datetime) -> None:
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


def _application_locked(application: Application) -> Application:
    # Only the application's own row: FOR UPDATE would also lock the joined route and company rows, and
    # every booking of one company (or one route) would then wait for the others.
    return Application.objects.select_for_update(of=("self",)).select_related("route", "company").get(pk=application.pk)


def _hold_locked(application: Application) -> Hold:
    """The application's hold, locked; a new one (not saved yet) when it has none. Holds are made only
    under the application's row lock, so two requests never make one each."""
    hold = Hold.objects.select_for_update().filter(application=application).first()
    return hold if hold is not None else Hold(application=application, state=State.SHORT)


def _might_fit(application: Application, now: datetime) -> bool:
    """An estimate without locks, to spare a locked attempt that would plainly fail."""
    demand = application_demand(application)
    hold = Hold.objects.filter(application=application).first()
    ids = resource_days_find(demand)
    used = taken(list(ids.values()), now=now, excluding=hold)
    limits = capacities(list(demand))
    return all(people <= limits[key].capacity - used.get(ids.get(key, 0), 0) for key, people in demand.items())


def _offer_after_commit() -> None:
    """After commit, when anyone waits: offer what was freed now, not at the next sweep. Runs in the
    request that freed it (a busy moment is left to the sweep, which runs every minute)."""

    def offer() -> None:
        if not WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).exists():
            return
        try:
            waitlist_offer()
        except Busy:
            log.info("waitlist offers left to the next sweep: capacity is busy")

    transaction.on_commit(offer)


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
