"""`tengri checkpoint ...`: the checkpoint node on its laptop (docs/offline-sync.md, "The node").

    tengri checkpoint init --checkpoint KRK-HB-KZ --server https://tengri.example --token TOKEN
    tengri checkpoint pull [--days 3]
    tengri checkpoint scan (--qr TEXT | --image FILE | --passport NUMBER) --direction in|out [--officer NAME]
    tengri checkpoint push
    tengri checkpoint status

Each works on a node home (`--home DIR`, else $TENGRI_NODE_HOME, else var/node). Exit codes: 0 ok or a
valid permit, 1 a refused permit or a failed sync, 2 usage. The node never touches the centre's database:
the `tengri` command sets Django up, but nothing here reads a model.
"""

import argparse
import getpass
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput

DIRECTION_WORDS = {"in": "entry", "out": "exit"}


def register(commands: argparse._SubParsersAction) -> None:
    checkpoint = commands.add_parser("checkpoint", help="the checkpoint node: enrol, pull, scan, push, status")
    subcommands = checkpoint.add_subparsers(title="checkpoint commands")

    init = subcommands.add_parser("init", help="enrol this laptop as a checkpoint's device (one-time token)")
    init.add_argument("--checkpoint", required=True, help="the checkpoint's code, e.g. KRK-HB-KZ")
    init.add_argument("--server", required=True, help="the centre's address, e.g. https://tengri.example")
    init.add_argument("--token", required=True, help="the one-time enrolment token from the administrator")
    init.add_argument("--force", action="store_true", help="replace a node already in this home")
    add_home_argument(init)
    init.set_defaults(handler=_init)

    pull = subcommands.add_parser("pull", help="fetch the trust list, revocations and the permit manifest")
    pull.add_argument("--days", type=int, default=3, help="manifest days from today (default 3)")
    pull.add_argument("--json", action="store_true")
    add_home_argument(pull)
    pull.set_defaults(handler=_pull)

    scan = subcommands.add_parser("scan", help="verify a permit offline and record the crossing (exit 0 valid)")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--qr", help="the scanned QR text (TGP1:...)")
    source.add_argument("--image", type=Path, help="a photo or scan of the QR code (PNG or JPEG)")
    source.add_argument("--passport", help="the holder's passport number (looks the permit up)")
    scan.add_argument("--direction", required=True, choices=["in", "out"], help="in: entering; out: leaving")
    scan.add_argument("--officer", help="who scans (default: this computer's user)")
    scan.add_argument(
        "--at", help="when it happened, for crossings kept on paper while the laptop was down (ISO time; default now)"
    )
    scan.add_argument("--json", action="store_true")
    add_home_argument(scan)
    scan.set_defaults(handler=_scan)

    push = subcommands.add_parser("push", help="send the recorded crossings to the centre")
    push.add_argument("--batch", type=int, default=200, help="events per request (1 to 500, default 200)")
    push.add_argument("--json", action="store_true")
    add_home_argument(push)
    push.set_defaults(handler=_push)

    status = subcommands.add_parser("status", help="the node: checkpoint, events pending, age of the trust data")
    status.add_argument("--json", action="store_true")
    add_home_argument(status)
    status.set_defaults(handler=_status)

    serve = subcommands.add_parser("serve", help="the officer's page on this computer (127.0.0.1 only)")
    serve.add_argument("--port", type=int, default=8765)
    add_home_argument(serve)
    serve.set_defaults(handler=_serve)


def add_home_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, help="the node's directory (default: $TENGRI_NODE_HOME, else var/node)")


def open_node(args: argparse.Namespace):
    """The node of `--home` (for this module's handlers and the extensions')."""
    from tengri.checkpoints.node.node import Node

    _quiet_http()
    return Node.open(args.home)


# --- handlers --------------------------------------------------------------------------------------------------


def _init(args) -> int:
    from tengri.checkpoints.node.node import Node

    _quiet_http()
    node = Node.init(args.home, checkpoint=args.checkpoint, server=args.server, token=args.token, force=args.force)
    with node:
        config = node.config
        print(f"enrolled device {config.device_id} at {config.checkpoint} ({config.checkpoint_name})")
        print(f"home {node.home}; next: tengri checkpoint pull")
    return EXIT_OK


def _pull(args) -> int:
    with open_node(args) as node:
        report = node.pull(days=args.days)
    if args.json:
        print_json(report.as_json())
    else:
        for part in report.parts:
            print(f"{part.part}: {'ok' if part.ok else 'FAILED'} ({part.detail})")
    return EXIT_OK if report.ok else EXIT_FAILED


def _scan(args) -> int:
    image = None
    if args.image is not None:
        try:
            image = args.image.read_bytes()
        except OSError as error:
            raise InvalidInput(f"cannot read {args.image}: {error.strerror}") from None
    with open_node(args) as node:
        result = node.scan(
            qr=args.qr,
            image=image,
            passport=args.passport,
            direction=args.direction,
            officer=_officer(args),
            now=_moment(args.at),
            from_paper_log=args.at is not None,
        )
    if args.json:
        print_json(result.as_json())
    else:
        _print_verdict(result)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FAILED


def _push(args) -> int:
    if not 1 <= args.batch <= 500:
        raise InvalidInput("a batch holds 1 to 500 events")
    with open_node(args) as node:
        report = node.push(batch_size=args.batch)
    if args.json:
        print_json(report.as_json())
    else:
        print(
            f"sent {report.sent} events in {report.batches} batches: {report.stored} stored, "
            f"{report.duplicate} already there; {report.pending} still to send"
        )
    for event_id in report.conflicts:
        print(f"warning: the centre holds another event under id {event_id}; it kept its own", file=sys.stderr)
    for event_id, reason in report.refused.items():
        print(f"warning: the centre refused event {event_id}: {reason}", file=sys.stderr)
    if report.error:
        print(f"tengri: error: {report.error}", file=sys.stderr)
    return EXIT_OK if report.ok and not report.conflicts else EXIT_FAILED


def _status(args) -> int:
    with open_node(args) as node:
        status = node.status()
    if args.json:
        print_json(status)
    else:
        _print_status(status)
    for warning in status["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


# --- output ----------------------------------------------------------------------------------------------------


def _print_verdict(result) -> None:
    from tengri.checkpoints.node.scanning import age_words

    heading = "VALID" if result.ok else f"REFUSED ({result.verdict})"
    print(f"{heading}: {result.detail}")
    person = result.person
    if person is not None:
        print(f"  {person.name} ({person.nationality}), {person.role}: {person.reference}, route {person.route}")
        print(f"  passport {person.document_number}, born {person.birth_date}; valid until {person.expires[:10]}")
    event = result.event
    print(f"  recorded: {DIRECTION_WORDS[event.direction]} at {event.checkpoint}, event {event.id}")
    revocations = "never pulled" if result.revocations_age_s is None else f"{age_words(result.revocations_age_s)} old"
    print(f"  trust list {age_words(result.trust_age_s)} old, revocations {revocations}")


def _print_status(status: dict[str, Any]) -> None:
    from tengri.checkpoints.node.scanning import age_words

    checkpoint, events = status["checkpoint"], status["events"]
    where = f"{checkpoint['name']}, {checkpoint['country']}, UTC+{checkpoint['utc_offset_hours']}"
    print(f"checkpoint {checkpoint['code']} ({where})")
    print(f"device {status['device_id']} of {status['server']}; home {status['home']}")
    print(
        f"events: {events['recorded']} recorded, {events['pending']} to send, {events['acknowledged']} acknowledged"
        + (f" ({events['conflict']} in conflict)" if events["conflict"] else "")
    )
    for name, key in (("trust list", "trust_list"), ("revocations", "revocations"), ("manifest", "manifest")):
        part = status[key]
        print(f"{name}: " + (f"pulled {part['pulled_at'][:16]} UTC, {part['age']} ago" if part else "never pulled"))
    push, error = status["last_push"], status["last_error"]
    print("last push: " + (f"{push['at'][:16]} UTC ({push['stored']} stored)" if push else "never"))
    if error:
        print(f"last error: {error['at'][:16]} UTC, {error['action']}: {error['detail']}")
    skew = status["clock_skew_s"]
    if skew is not None:
        side = "behind" if skew > 0 else "ahead of"
        print(f"clock: {age_words(abs(skew))} {side} the centre's at the last push")


def _moment(at: str | None) -> datetime | None:
    """An ISO time; one without a zone is read as UTC (as `tengri permit verify --at` reads it)."""
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(f"--at {at!r} is not an ISO time such as 2027-07-13T08:00+05:00") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not 2000 <= moment.year <= 9000:
        raise InvalidInput(f"--at {at} is out of range (years 2000 to 9000)")
    return moment.astimezone(UTC)


def _officer(args) -> str:
    if args.officer:
        return args.officer
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise InvalidInput("say who is scanning: --officer NAME") from None


def _quiet_http() -> None:
    """httpx notes every request at INFO, which the centre's logging prints; the officer needs none of it."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _serve(args) -> int:
    from tengri.checkpoints.node.web import serve

    if not 1 <= args.port <= 65535:
        raise InvalidInput(f"no port {args.port}")
    with open_node(args) as node:
        serve(node, port=args.port)
    return EXIT_OK
