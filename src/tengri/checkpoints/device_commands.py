"""`tengri device ...`: register a checkpoint device (its one-time enrolment token), list, revoke.

Run by the administrator on the centre's server; the actor recorded in the audit log is the system."""

import argparse
from typing import Any

from tengri.core.commandline import EXIT_OK, print_json


def register(commands: argparse._SubParsersAction) -> None:
    device = commands.add_parser("device", help="checkpoint devices").add_subparsers(title="device commands")
    add = device.add_parser("register", help="register a device; prints its one-time enrolment token once")
    add.add_argument("--checkpoint", required=True, help="checkpoint code, e.g. KRK")
    add.add_argument("--label", required=True, help="e.g. 'KRK laptop 1'")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_register)
    listing = device.add_parser("list", help="every device with its checkpoint and state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    revoke = device.add_parser("revoke", help="revoke a device: refused from its next request")
    revoke.add_argument("device_id")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(handler=_revoke)


def _register(args) -> int:
    from tengri.checkpoints.devices import device_register

    device, token = device_register(actor=None, checkpoint_code=args.checkpoint, label=args.label)
    row = {
        "id": str(device.pk),
        "checkpoint": device.checkpoint.code,
        "label": device.label,
        "token": token,
        "token_expires": device.enrolment_expires_at.isoformat() if device.enrolment_expires_at else None,
    }
    if args.json:
        print_json(row)
        return EXIT_OK
    print(f"device {row['id']} ({row['label']}, {row['checkpoint']})")
    print(f"enrolment token (shown only now, valid until {row['token_expires']}):")
    print(token)
    print(f"on the node: tengri checkpoint init --checkpoint {row['checkpoint']} --server URL --token TOKEN")
    return EXIT_OK


def _list(args) -> int:
    from tengri.checkpoints.selectors import devices_list

    rows = [_row(device) for device in devices_list()]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        seen = f"seen {row['last_seen'][:16]}" if row["last_seen"] else "never seen"
        print(f"{row['id']}  {row['checkpoint']:<10} {row['state']:<9} {seen:<22} {row['label']}")
    return EXIT_OK


def _revoke(args) -> int:
    from tengri.checkpoints.devices import device_revoke

    device = device_revoke(actor=None, device_id=args.device_id, reason=args.reason)
    print(f"revoked {device.pk} ({device.label}, {device.checkpoint.code})")
    return EXIT_OK


def _row(device) -> dict[str, Any]:
    state = "revoked" if device.revoked_at else "enrolled" if device.enrolled_at else "waiting"
    return {
        "id": str(device.pk),
        "checkpoint": device.checkpoint.code,
        "label": device.label,
        "state": state,
        "registered": device.registered_at.isoformat(),
        "enrolled": device.enrolled_at.isoformat() if device.enrolled_at else None,
        "revoked": device.revoked_at.isoformat() if device.revoked_at else None,
        "revoke_reason": device.revoke_reason,
        "last_seen": device.last_seen_at.isoformat() if device.last_seen_at else None,
        "last_clock_skew_s": device.last_clock_skew_s,
    }
