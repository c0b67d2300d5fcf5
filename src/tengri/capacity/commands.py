"""`tengri capacity ...`: the calendar, the sweep (expire, catch up, offer to the waitlist), the
oversell check, a day's capacity, and making resources from the registry."""

import argparse
from datetime import date
from typing import Any

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput, NotFound


def register(commands: argparse._SubParsersAction) -> None:
    capacity = commands.add_parser("capacity", help="capacity per day, holds, waitlist").add_subparsers(
        title="capacity commands"
    )
    calendar = capacity.add_parser("calendar", help="what is left of each resource per day")
    calendar.add_argument("--from", dest="first", type=_date, default=None, help="first day (default today)")
    calendar.add_argument("--days", type=int, default=7)
    calendar.add_argument("--kind", choices=["checkpoint", "helicopter", "base_camp"], default="")
    calendar.add_argument("--json", action="store_true")
    calendar.set_defaults(handler=_calendar)
    sweep = capacity.add_parser("sweep", help="expire holds, catch up with missed signals, serve the waitlist")
    sweep.set_defaults(handler=_sweep)
    check = capacity.add_parser(
        "check", help="exit 1 if a resource-day holds more than its capacity, or a reservation less than it needs"
    )
    check.set_defaults(handler=_check)
    override = capacity.add_parser("set", help="one day's capacity of a resource (0 closes it)")
    override.add_argument("resource", help="resource code, e.g. checkpoint:KRK (see `tengri capacity calendar`)")
    override.add_argument("day", type=_date)
    override.add_argument("capacity", type=int)
    override.add_argument("--reason", required=True, help="shown to operators")
    override.set_defaults(handler=_set)
    sync = capacity.add_parser("sync", help="make the resources of every checkpoint, base camp and helicopter leg")
    sync.set_defaults(handler=_sync)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _calendar(args) -> int:
    from django.utils import timezone

    from tengri.capacity.selectors import calendar

    first = args.first or timezone.now().date()
    rows = calendar(first=first, days=args.days, kind=args.kind, now=timezone.now())
    data: list[dict[str, Any]] = [
        {
            "resource": row.resource.code,
            "days": [
                {"day": c.day.isoformat(), "capacity": c.capacity, "taken": c.taken, "reason": c.reason}
                for c in row.cells
            ],
        }
        for row in rows
    ]
    if args.json:
        print_json(data)
        return EXIT_OK
    days = [cell["day"][5:] for cell in data[0]["days"]] if data else []
    print(f"{'resource (left/capacity)':<45}" + "".join(f"{day:>9}" for day in days))
    for row in data:
        cells = "".join(f"{str(c['capacity'] - c['taken']) + '/' + str(c['capacity']):>9}" for c in row["days"])
        print(f"{row['resource']:<45}{cells}")
    return EXIT_OK


def _sweep(args) -> int:
    from tengri.capacity.services import holds_expire, holds_reconcile, waitlist_offer

    expired, reconciled, served = holds_expire(), holds_reconcile(), waitlist_offer()
    print(f"{len(expired)} expired, {reconciled} caught up, {len(served)} served from the waitlist")
    return EXIT_OK


def _check(args) -> int:
    from django.utils import timezone

    from tengri.capacity.selectors import oversold, reservations_behind

    over = oversold(now=timezone.now())
    for resource, day, taken, capacity in over:
        print(f"{resource} {day}: {taken} held, capacity {capacity}")
    print(f"{len(over)} resource-day(s) over capacity")
    behind = reservations_behind()
    for reference, shortfalls in behind:
        print(f"{reference} reserves less than its itinerary needs: {'; '.join(s.message for s in shortfalls)}")
    if behind:
        print(f"{len(behind)} application(s) reserve less than their itinerary needs")
    return EXIT_FAILED if over or behind else EXIT_OK


def _set(args) -> int:
    from tengri.capacity.models import Resource
    from tengri.capacity.services import capacity_override_set

    resource = Resource.objects.filter(code=args.resource).first()
    if resource is None:
        raise NotFound(f"no resource {args.resource!r}; run `tengri capacity sync` after changing the registry")
    if args.capacity < 0:
        raise InvalidInput("a capacity is 0 or more")
    override = capacity_override_set(
        actor=None, resource=resource, day=args.day, capacity=args.capacity, reason=args.reason
    )
    print(f"{override.resource.code} {override.day}: {override.capacity} ({override.reason})")
    return EXIT_OK


def _sync(args) -> int:
    from tengri.capacity.demand import resources_sync

    print(f"{resources_sync()} resource(s) added")
    return EXIT_OK
