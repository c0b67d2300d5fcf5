"""The waitlist: a group whose request did not fit waits for the resource-days it was short of, and
capacity given back is offered in the order groups joined. Offers place holds with the same locks as
a booking (`placement.place`). Importable from `tengri.capacity.services` as well.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tengri.capacity import notifications
from tengri.capacity.demand import application_demand, itinerary_complete
from tengri.capacity.locking import capacity_transaction, resource_days_find
from tengri.capacity.models import Hold, Resource, ResourceDay, WaitlistEntry
from tengri.capacity.placement import HoldResult, application_locked, hold_locked, leave_waitlist, might_fit, place
from tengri.capacity.selectors import Shortfall
from tengri.core.audit import audit_record
from tengri.core.errors import InvalidTransition
from tengri.expeditions.models import FINAL_STATES, Application


@capacity_transaction
def waitlist_join(*, actor, application: Application, now: datetime | None = None) -> list[WaitlistEntry]:
    """Wait for the resource-days the application's last request did not fit, in the order of joining.
    Locks: the application row. Raises InvalidTransition when nothing is short or it is finished."""
    now = now or timezone.now()
    application = application_locked(application)
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
    whose whole request fits now gets a hold (its own transaction, locks as a booking) and a mail.
    One that still does not fit keeps its place and a later, smaller one may be served before it.
    Applications that plainly still do not fit are skipped without a lock or a write."""
    now = now or timezone.now()
    waiting = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).order_by("joined_at", "id")
    served = []
    for application_id in dict.fromkeys(waiting.values_list("application_id", flat=True)):
        application = Application.objects.select_related("route", "company").get(pk=application_id)
        if application.state in FINAL_STATES or not itinerary_complete(application):
            continue
        if not might_fit(application, now):
            continue
        result = _offer(application, now)
        if result is not None and result.fits:
            served.append(result)
    return served


@capacity_transaction
def _offer(application: Application, now: datetime) -> HoldResult | None:
    application = application_locked(application)
    if application.state in FINAL_STATES:
        # Withdrawn or rejected since the list was read (its release may not have run yet): it is owed
        # nothing, and keeps no place in line.
        leave_waitlist(application, now)
        return None
    if not application.waitlist_entries.filter(state=WaitlistEntry.State.WAITING).exists():
        return None  # served or gone since the list was read
    result = place(None, application, hold_locked(application), application_demand(application), now)
    if result.fits:
        hold = result.hold
        transaction.on_commit(lambda: notifications.waitlist_hold_placed(application, hold))
    return result
