"""Every write to capacity: holds (place, follow an edit, keep for submission or an amendment, confirm,
release, expire, catch up), and an administrator's capacity for a day. The waitlist's services live in
`waitlist.py` and are importable from here; how a hold is placed, and the lock order every booking
follows, in `placement.py`.

Each public service is one durable transaction (`capacity_transaction`) unless it says it runs inside
its caller's. Freeing capacity takes no resource lock; freed capacity is offered to the waitlist after
commit.
"""

import logging
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tengri.capacity.demand import application_demand, application_people, itinerary_complete
from tengri.capacity.locking import capacity_transaction, resource_days_lock
from tengri.capacity.models import CapacityOverride, Hold, Resource
from tengri.capacity.placement import (
    KEPT,
    AppState,
    HoldResult,
    State,
    application_locked,
    give_back,
    hold_locked,
    leave_waitlist,
    might_fit,
    offer_after_commit,
    place,
)
from tengri.capacity.waitlist import waitlist_join, waitlist_offer
from tengri.core.audit import audit_record
from tengri.core.errors import Busy, InvalidInput, InvalidTransition
from tengri.expeditions.models import FINAL_STATES, Application

__all__ = [
    "HoldResult",
    "capacity_override_remove",
    "capacity_override_set",
    "hold_confirm",
    "hold_follow",
    "hold_for_amendment",
    "hold_for_submission",
    "hold_place",
    "hold_release",
    "holds_expire",
    "holds_reconcile",
    "waitlist_join",
    "waitlist_offer",
]
log = logging.getLogger(__name__)


# --- Holds -----------------------------------------------------------------------------------------


@capacity_transaction
def hold_place(*, actor, application: Application, now: datetime | None = None, demand=None) -> HoldResult:
    """Place or adjust the application's hold for what its itinerary needs (or for `demand`, when a
    test or tool states it). A request that does not fit is not an error: the result and the hold carry
    the shortfalls (which resource, which day, how many left). A held hold keeps its first expiry.

    Locks: the application row, its hold row, the resource-days of the demand (sorted, one statement).
    Raises InvalidTransition (application finished, itinerary incomplete), Busy (lock timeout). After
    commit: capacity it gave back is offered to the waitlist."""
    now = now or timezone.now()
    application = application_locked(application)
    if application.state in FINAL_STATES:
        raise InvalidTransition(f"{application.reference} is {application.get_state_display()}: it holds nothing")
    people = application_people(application)
    if demand is None:
        if not itinerary_complete(application, people=people):
            raise InvalidTransition(
                "complete the itinerary first: a sleeping place for every night, a way in and out, and the group"
            )
        demand = application_demand(application, people=people)
    return place(actor, application, hold_locked(application), demand, now, people=people)


@capacity_transaction
def hold_follow(*, application: Application, now: datetime | None = None) -> HoldResult | None:
    """After an edit of the application committed: hold what the itinerary as saved needs. An
    itinerary that became incomplete gives back an expiring hold; a kept one (submitted, reserved)
    stays until decided, and one that no longer fits keeps what it holds and records why.
    Locks: as `hold_place`. Raises Busy (lock timeout)."""
    now = now or timezone.now()
    application = application_locked(application)
    if application.state in FINAL_STATES:
        return None
    hold = hold_locked(application)
    people = application_people(application)
    if not itinerary_complete(application, people=people):
        if hold.state == State.HELD:
            give_back(None, hold, State.RELEASED, now, reason="the itinerary is no longer complete")
        return None
    return place(None, application, hold, application_demand(application, people=people), now, people=people)


def hold_for_submission(*, application: Application, now: datetime | None = None) -> Hold:
    """The group must hold what its itinerary needs to be submitted; the hold is then kept until the
    authorities decide. Runs inside the submitting transaction, whose caller locked the application row.

    Locks: the hold row, the resource-days of the demand. Raises InvalidTransition naming every
    resource-day that does not fit (the submission is refused and nothing is kept), Busy."""
    return _keep_or_refuse(application, now or timezone.now()).hold


def hold_for_amendment(*, application: Application, now: datetime | None = None) -> HoldResult | None:
    """An edit of an approved application (an amendment) must fit, as a submission must: the
    reservation moves to the amended itinerary, a smaller group gives back what it no longer needs, and
    one that needs more than is left is refused, naming the resource, the day and how many are left.
    Runs inside the amending transaction, whose caller locked the application row; the refusal rolls
    the amendment back. An itinerary left incomplete keeps what was reserved until it is resubmitted.
    Locks: as `hold_for_submission`. Raises InvalidTransition, Busy."""
    people = application_people(application)
    if not itinerary_complete(application, people=people):
        return None
    return _keep_or_refuse(application, now or timezone.now(), people=people)


def _keep_or_refuse(application: Application, now: datetime, *, people: int | None = None) -> HoldResult:
    hold = hold_locked(application)
    keep_as = State.CONFIRMED if hold.state == State.CONFIRMED else State.SUBMITTED
    demand = application_demand(application, people=people)
    result = place(None, application, hold, demand, now, promote=keep_as, people=people)
    if not result.fits:
        raise InvalidTransition(f"there is no room for the group: {result.message}")
    return result


@capacity_transaction
def hold_confirm(*, application: Application, now: datetime | None = None) -> HoldResult:
    """Approval: the hold becomes a reservation. If the itinerary changed since it was held, the
    reservation follows it when that fits; otherwise it keeps what it held and records why (listed by
    `tengri capacity check` for administrators). Locks: as `hold_place`. Raises Busy."""
    now = now or timezone.now()
    application = application_locked(application)
    hold = hold_locked(application)
    result = place(None, application, hold, application_demand(application), now, promote=State.CONFIRMED)
    if not result.fits:
        log.warning("%s approved, but its itinerary does not fit: %s", application.reference, result.message)
    return result


@capacity_transaction
def hold_release(*, actor, application: Application, reason: str, now: datetime | None = None) -> Hold | None:
    """Give back everything the application holds and take it off the waitlist (rejected, withdrawn).
    Locks: the hold row only (freeing needs no resource lock). After commit: offers to the waitlist."""
    now = now or timezone.now()
    hold = Hold.objects.select_for_update().filter(application=application).first()
    leave_waitlist(application, now)
    if hold is None or hold.state in (State.RELEASED, State.EXPIRED):
        return hold
    give_back(actor, hold, State.RELEASED, now, reason=reason)
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
        give_back(None, hold, State.EXPIRED, now, reason="not submitted in time")
    return due


def holds_reconcile(*, now: datetime | None = None) -> int:
    """Catch up with what a missed or failed signal would have done (a crash between a commit and its
    receiver, a busy moment, an error logged by a receiver): reserve for approved applications, give
    back for rejected and withdrawn ones, and follow edits a hold has not followed. A reservation that
    no longer fits its itinerary is recounted under the locks and, if it still does not fit, keeps what
    it holds and stays flagged (`tengri capacity check`). Each in its own transaction; one that is busy
    is left to the next sweep. Returns how many holds it changed or checked."""
    now = now or timezone.now()
    done = 0
    # An approved group whose hold is short waits like everyone else (the waitlist), not here.
    unconfirmed = Hold.objects.filter(application__state=AppState.APPROVED).exclude(
        state__in=[State.CONFIRMED, State.SHORT]
    )
    done += _each(unconfirmed, lambda hold: hold_confirm(application=hold.application, now=now))
    ended = Hold.objects.filter(application__state__in=[AppState.REJECTED, AppState.WITHDRAWN]).exclude(
        state__in=[State.RELEASED, State.EXPIRED, State.SHORT]
    )
    done += _each(
        ended,
        lambda hold: hold_release(
            actor=None, application=hold.application, reason=f"application {hold.application.state}", now=now
        ),
    )
    done += _each(_behind(now), lambda hold: _catch_up(hold, now))
    return done


def _behind(now: datetime):
    """Live holds of live applications edited after the hold was last written (a follow that failed or
    never ran), and kept holds that did not fit their itinerary (retried until there is room)."""
    live = Q(state__in=KEPT) | Q(state=State.HELD, expires_at__gt=now)
    edited_since = Q(application__updated_at__gt=F("updated_at"))
    kept_short = Q(state__in=KEPT) & ~Q(shortfalls=[])
    return Hold.objects.filter(live).filter(edited_since | kept_short).exclude(application__state__in=FINAL_STATES)


def _catch_up(hold: Hold, now: datetime) -> None:
    edited = hold.application.updated_at > hold.updated_at
    if not edited and not might_fit(hold.application, now):
        return  # a reservation still short, and plainly still without room: no lock until there is
    hold_follow(application=hold.application, now=now)


def _each(holds, action) -> int:
    done = 0
    for hold in holds.select_related("application"):
        try:
            action(hold)
        except Busy:
            log.info("catching up with %s left to the next sweep: capacity is busy", hold.application.reference)
            continue
        done += 1
    return done


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
    offer_after_commit()
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
    offer_after_commit()


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
