"""`tengri audit verify|show`: check the hash chain of the audit log and read the trail."""

import argparse

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit log: verify its chain, show the trail").add_subparsers(
        title="audit commands"
    )
    verify = audit.add_parser("verify", help="recompute every hash and link; exit 1 if anything was changed")
    verify.add_argument(
        "--known-head",
        default="",
        metavar="HASH",
        help="a head printed by an earlier run and kept elsewhere: also catches entries deleted from the end",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)

    show = audit.add_parser("show", help="the latest entries, oldest first")
    show.add_argument("--subject", metavar="TYPE:ID", help="only about one subject, e.g. expeditions.application:12")
    show.add_argument("--limit", type=int, default=20, help="how many entries (default 20)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _verify(args) -> int:
    from tengri.core.audit import audit_verify_chain

    verification = audit_verify_chain(known_head=args.known_head)
    if args.json:
        print_json(
            {
                "intact": verification.intact,
                "entries": verification.entries,
                "head": verification.head,
                "problems": [{"sequence": p.sequence, "problem": p.problem} for p in verification.problems],
            }
        )
    elif verification.intact:
        print(f"audit log intact: {verification.entries} entries, head {verification.head}")
    else:
        for problem in verification.problems:
            print(problem.problem)
        print(f"audit log damaged: {len(verification.problems)} problem(s) in {verification.entries} entries")
    return EXIT_OK if verification.intact else EXIT_FAILED


def _show(args) -> int:
    from tengri.core.audit import audit_trail

    if args.limit < 1:
        raise InvalidInput(f"--limit must be at least 1, not {args.limit}")
    subject_type, subject_id = _parse_subject(args.subject)
    entries = audit_trail(subject_type=subject_type, subject_id=subject_id, limit=args.limit)
    if args.json:
        print_json([_entry_json(entry) for entry in entries])
        return EXIT_OK
    for entry in entries:
        subject = f"{entry.subject_type}:{entry.subject_id}" if entry.subject_type else "-"
        at = entry.at.strftime("%Y-%m-%d %H:%M:%SZ")
        print(f"#{entry.sequence:<6} {at}  {entry.actor_name:<16} {entry.action:<28} {subject}  {entry.reason}")
    return EXIT_OK


def _parse_subject(text: str | None) -> tuple[str, str]:
    if not text:
        return "", ""
    subject_type, colon, subject_id = text.partition(":")
    if not (colon and subject_type and subject_id):
        raise InvalidInput(f"--subject {text!r} is not TYPE:ID, e.g. expeditions.application:12")
    return subject_type, subject_id


def _entry_json(entry) -> dict:
    return {
        "sequence": entry.sequence,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "reason": entry.reason,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
        "entry_hash": entry.entry_hash,
    }
