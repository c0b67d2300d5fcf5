"""`tengri overdue sweep|list`, `tengri presence`, `tengri position add`, `tengri summit`, `tengri descent`:
presence and overdue escalation at the centre (docs/offline-sync.md). Commands act as the system (no user)."""

import argparse
from datetime import UTC, date, datetime
from typing import Any

from tengri.core.commandline import EXIT_OK, print_json
from tengri.core.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    overdue = commands.add_parser("overdue", help="overdue groups and their escalation").add_subparsers(
        title="overdue commands"
    )
    sweep = overdue.add_parser("sweep", help="raise the overdue stages that are due (the periodic task does too)")
    sweep.add_argument("--at", help="sweep as of this ISO time (default: now)")
    sweep.add_argument("--json", action="store_true")
    sweep.set_defaults(handler=_overdue_sweep)
    listing = overdue.add_parser("list", help="groups past planned exit + grace that have not come out")
    listing.add_argument("--at", help="as of this ISO time (default: now)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_overdue_list)

    presence = commands.add_parser("presence", help="who is in the border zone now; one group with --group")
    presence.add_argument("--group", metavar="REF", help="one group's planned and actual passages")
    presence.add_argument("--at", help="as of this ISO time (default: now)")
    presence.add_argument("--json", action="store_true")
    presence.set_defaults(handler=_presence)

    position = commands.add_parser("position", help="position reports").add_subparsers(title="position commands")
    add = position.add_parser("add", help="record a group's position (from a satellite messenger, a call)")
    add.add_argument("reference")
    add.add_argument("--lat", type=float, required=True)
    add.add_argument("--lon", type=float, required=True)
    add.add_argument("--at", help="when the group was there, ISO time (default: now)")
    add.add_argument("--source", default="messenger", choices=["messenger", "radio", "other"])
    add.add_argument("--note", default="")
    add.set_defaults(handler=_position_add)

    summit = commands.add_parser("summit", help="file a group's summit notice (some of the group reached a peak)")
    summit.add_argument("reference")
    summit.add_argument("--peak", default="Khan Tengri")
    summit.add_argument("--at", required=True, help="the moment on top, ISO time (without a zone: UTC)")
    summit.add_argument("--persons", type=int, required=True, help="how many of the group reached it")
    summit.add_argument("--note", default="", help="who reported it, and how")
    summit.set_defaults(handler=_summit)

    descent = commands.add_parser("descent", help="file a group's descent notice (the group is down)")
    descent.add_argument("reference")
    descent.add_argument("--note", required=True, help="who reported the group down, and how")
    descent.set_defaults(handler=_descent)


def _overdue_sweep(args) -> int:
    from tengri.checkpoints.overdue import overdue_sweep

    raised = overdue_sweep(now=_instant(args.at))
    rows = [
        {
            "id": alert.pk,
            "reference": alert.application.reference,
            "stage": alert.stage,
            "country": alert.country,
            "due_at": alert.due_at.isoformat(),
        }
        for alert in raised
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        print(f"raised stage {row['stage']} for {row['reference']} ({row['country']}), alert {row['id']}")
    print(f"{len(rows)} alert(s) raised")
    return EXIT_OK


def _overdue_list(args) -> int:
    from tengri.checkpoints.overdue import overdue_groups

    rows = [
        {
            "reference": group.application.reference,
            "planned_exit": group.planned_exit.isoformat(),
            "deadline": group.deadline.isoformat(),
            "stages_due": list(group.stages_due),
            "last_known": _jsonable(group.last_known._asdict()),
        }
        for group in overdue_groups(now=_instant(args.at))
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        known = row["last_known"]
        where = f"{known['country'] or '?'} at {known['at'][:16]} ({known['source']})" if known["at"] else "unknown"
        print(f"{row['reference']}  deadline {row['deadline'][:16]}  stages due {row['stages_due']}  last {where}")
    return EXIT_OK


def _presence(args) -> int:
    from tengri.checkpoints.presence import group_presence, presence_now
    from tengri.expeditions.selectors import application_get

    now = _instant(args.at)
    if args.group:
        group = group_presence(application_get(reference=args.group), now=now)
        if args.json:
            print_json(_jsonable(group))
        else:
            _print_group(group)
        return EXIT_OK
    presence = presence_now(now=now)
    if args.json:
        print_json(_jsonable(presence))
        return EXIT_OK
    print(f"inside now: {presence['inside']}")
    for key, rows in (("route", presence["by_route"]), ("place", presence["by_base_camp"])):
        for row in rows:
            print(f"  {row[key]:<20} {row['inside']}")
    for row in presence["by_country"]:
        print(f"  {row['country'] or '?':<20} {row['inside']}")
    for group in presence["groups"]:
        late = "  OVERDUE" if group["overdue"] else ("  past planned exit" if group["past_planned_exit"] else "")
        print(
            f"{group['reference']}  {group['route']:<10} inside {group['inside']} out {group['out']} "
            f"never scanned {group['never_scanned']}{late}"
        )
    return EXIT_OK


def _print_group(group: dict) -> None:
    print(f"{group['reference']} {group['route']}: planned exit {group['planned_exit']:%Y-%m-%d %H:%M}Z")
    for passage in group["passages"]:
        print(
            f"  {passage['date']} {passage['checkpoint']:<10} {passage['direction']:<3} "
            f"done {passage['done']}/{len(passage['members'])}, on plan {passage['on_plan']}"
        )
    for member in group["members"]:
        print(f"  {member['name']:<30} {member['state']:<14} {member['country']}")
    for summit in group["summits"]:
        print(f"  summit {summit['peak']}: {summit['persons']} on top at {summit['reached_at']:%Y-%m-%d %H:%M}Z")


def _position_add(args) -> int:
    from tengri.checkpoints.services import position_report
    from tengri.expeditions.selectors import application_get

    report = position_report(
        actor=None,
        application=application_get(reference=args.reference),
        lat=args.lat,
        lon=args.lon,
        reported_at=_instant(args.at),
        source=args.source,
        note=args.note,
    )
    print(f"position {report.pk} of {args.reference}: {report.country or 'outside KZ, KG and CN'}")
    return EXIT_OK


def _summit(args) -> int:
    from tengri.checkpoints.services import summit_notice_file
    from tengri.expeditions.selectors import application_get

    notice = summit_notice_file(
        application_get(reference=args.reference),
        actor=None,
        reached_at=_instant(args.at),
        persons=args.persons,
        peak=args.peak,
        note=args.note,
    )
    print(f"summit notice of {args.reference}: {notice.persons} on {notice.peak} at {notice.reached_at.isoformat()}")
    return EXIT_OK


def _descent(args) -> int:
    from tengri.checkpoints.services import descent_notice_file
    from tengri.expeditions.selectors import application_get

    notice = descent_notice_file(actor=None, application=application_get(reference=args.reference), note=args.note)
    print(f"descent notice of {args.reference} filed at {notice.filed_at.isoformat()}")
    return EXIT_OK


def _instant(text: str | None) -> datetime:
    if text is None:
        from django.utils import timezone

        return timezone.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--at {text!r} is not an ISO time like 2027-07-28T08:00:00+05:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
