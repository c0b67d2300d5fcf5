"""`tengri keys ...` (authorities' signing keys) and `tengri permit ...` (list, QR, revocations, verify)."""

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="signing keys of the authorities").add_subparsers(title="keys commands")
    create = keys.add_parser("create", help="create a key for an authority (add --activate to use it now)")
    create.add_argument("--authority", required=True, choices=["KZ", "KG"])
    create.add_argument("--activate", action="store_true", help="activate it at once (the old key retires)")
    create.set_defaults(handler=_keys_create)
    listing = keys.add_parser("list", help="every key with its state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_keys_list)
    for name, helptext in (("activate", "activate a created key"), ("retire", "retire a key: it signs no more")):
        command = keys.add_parser(name, help=helptext)
        command.add_argument("kid", help="key id (hex), see `tengri keys list`")
        command.set_defaults(handler=_keys_change, change=name)
    export = keys.add_parser("export-trust-list", help="print the trust list (JWK Set) checkpoints verify with")
    export.add_argument("--out", type=Path, help="write to this file instead of standard output")
    export.set_defaults(handler=_keys_export)

    permit = commands.add_parser("permit", help="e-permits").add_subparsers(title="permit commands")
    plist = permit.add_parser("list", help="permits, newest first")
    plist.add_argument("--application", help="only this application's (reference)")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(handler=_permit_list)
    qr = permit.add_parser("qr", help="print the QR text a checkpoint would scan")
    qr.add_argument("permit_id")
    qr.add_argument("--png", type=Path, help="also write the QR code as a PNG image")
    qr.set_defaults(handler=_permit_qr)
    revocations = permit.add_parser("revocations", help="print the revocation list")
    revocations.add_argument("--since", type=int, help="only revoked after this NumericDate (UTC seconds)")
    revocations.set_defaults(handler=_permit_revocations)
    issue = permit.add_parser("issue", help="issue permits approval could not (no active key then)")
    issue.set_defaults(handler=_permit_issue)
    revoke = permit.add_parser("revoke", help="revoke a permit (lost, damaged) and issue the holder a new one")
    revoke.add_argument("permit_id")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(handler=_permit_revoke)
    verify = permit.add_parser("verify", help="verify a permit offline: exit 0 valid, 1 invalid, 2 usage error")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--qr", help="the scanned QR text (TGP1:...)")
    source.add_argument("--image", type=Path, help="a photo or scan of the QR code (PNG or JPEG)")
    verify.add_argument("--trust", type=Path, help="trust list file (default: this server's keys)")
    verify.add_argument("--revocations", type=Path, help="revocation list file (default: this server's)")
    verify.add_argument("--at", help="verify as of this ISO time (default: now)")
    verify.add_argument("--checkpoint", help="verify for this checkpoint code (window in its local date)")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_permit_verify)


def _keys_create(args) -> int:
    from tengri.permits.keys import key_activate, key_create

    key = key_create(actor=None, authority=args.authority)
    if args.activate:
        key = key_activate(actor=None, kid=key.kid)
    print(f"{key.authority} {key.kid} {key.state}")
    return EXIT_OK


def _keys_list(args) -> int:
    from tengri.permits.models import SigningKey

    rows: list[dict[str, Any]] = [
        {
            "authority": key.authority,
            "kid": key.kid,
            "state": key.state,
            "created": key.created_at.isoformat(),
            "activated": key.activated_at.isoformat() if key.activated_at else None,
            "retired": key.retired_at.isoformat() if key.retired_at else None,
        }
        for key in SigningKey.objects.all()
    ]
    if args.json:
        print_json(rows)
    for row in rows if not args.json else []:
        print(f"{row['authority']} {row['kid']} {row['state']:<8} created {row['created'][:19]}")
    return EXIT_OK


def _keys_change(args) -> int:
    from tengri.permits.keys import key_activate, key_retire

    change = key_activate if args.change == "activate" else key_retire
    key = change(actor=None, kid=args.kid)
    print(f"{key.authority} {key.kid} {key.state}")
    return EXIT_OK


def _keys_export(args) -> int:
    from tengri.permits.selectors import trust_list_jwks

    text = json.dumps(trust_list_jwks(now=datetime.now(UTC)), indent=2)
    if args.out:
        args.out.write_text(text + "\n")
        print(args.out)
    else:
        print(text)
    return EXIT_OK


def _permit_list(args) -> int:
    from tengri.expeditions.selectors import application_get
    from tengri.permits.models import Permit

    permits = Permit.objects.select_related("application", "member").order_by("-issued_at")
    if args.application:
        permits = permits.filter(application=application_get(reference=args.application))
    rows: list[dict[str, Any]] = [
        {
            "id": str(permit.id),
            "application": permit.application.reference,
            "holder": permit.member.name,
            "role": permit.member.role,
            "round": permit.review_round,
            "valid_from": permit.not_before.isoformat(),
            "expires": permit.expires.isoformat(),
            "revoked": permit.revoked_at.isoformat() if permit.revoked_at else None,
        }
        for permit in permits
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        state = f"revoked {row['revoked'][:10]}" if row["revoked"] else f"until {row['expires'][:10]}"
        print(f"{row['id']}  {row['application']}  {row['role']:<6} {row['holder']:<30} {state}")
    return EXIT_OK


def _permit_qr(args) -> int:
    from tengri.permits.codec import qr_png
    from tengri.permits.selectors import permit_get
    from tengri.permits.services import permit_qr_text

    text = permit_qr_text(permit_get(permit_id=args.permit_id))
    if args.png:
        args.png.write_bytes(qr_png(text))
    print(text)
    return EXIT_OK


def _permit_revocations(args) -> int:
    from tengri.permits.selectors import revocation_list

    since = datetime.fromtimestamp(args.since, UTC) if args.since is not None else None
    print_json(revocation_list(since=since))
    return EXIT_OK


def _permit_issue(args) -> int:
    from tengri.permits.services import permits_issue_pending

    failed = False
    for reference, result in permits_issue_pending().items():
        failed = failed or isinstance(result, str)
        print(f"{reference}: {result if isinstance(result, str) else f'{result} permit(s) issued'}")
    return EXIT_FAILED if failed else EXIT_OK


def _permit_revoke(args) -> int:
    from tengri.permits.selectors import permit_get
    from tengri.permits.services import permit_replace

    replacement = permit_replace(actor=None, permit=permit_get(permit_id=args.permit_id), reason=args.reason)
    print(f"revoked {args.permit_id}")
    if replacement is not None:
        print(f"issued  {replacement.id}")
    return EXIT_OK


def _permit_verify(args) -> int:
    from tengri.permits.checking import verify_for_command

    verdict = verify_for_command(
        qr=args.qr,
        image=_image(args.image),
        trust=_json_file(args.trust),
        revocations=_json_file(args.revocations),
        at=_instant(args.at),
        checkpoint=args.checkpoint,
    )
    if args.json:
        print_json(verdict)
    else:
        print(f"{verdict['verdict']}: {verdict['detail']}")
        for key in ("holder", "nationality", "document", "route", "reference"):
            if verdict.get(key):
                print(f"  {key:<12} {verdict[key]}")
    return EXIT_OK if verdict["verdict"] == "VALID" else EXIT_FAILED


def _image(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the image ({error.strerror})") from None


def _json_file(path: Path | None):
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{path}: not a readable JSON file ({error})") from None


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--at {text!r} is not an ISO time like 2027-07-20T08:00:00+05:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
