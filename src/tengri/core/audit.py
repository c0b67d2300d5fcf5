"""Writing, checking and reading the audit log (the model and its guarantees: tengri.core.models).

Every state change and every read of personal data by an officer is recorded with who, when, what
and why. Services call `audit_record` inside their own `transaction.atomic` block, as the last write
before commit: the entry commits or rolls back with the change it describes, and the chain lock it
takes is then held for as short a time as possible.

What `audit_verify` can and cannot detect:

- detected: an edited field of any entry (its hash no longer matches); a deleted entry in the middle
  (a gap in `sequence` and a broken link); entries reordered or swapped (broken hashes and links,
  time going backwards); entries before the first deleted (the first does not start from zero);
  a rewritten entry whose hash was recomputed (the next entry no longer links to it).
- not detected by the chain alone: deleting entries at the end, or emptying the log, since what
  remains is a valid shorter chain; and rewriting every entry from some point on with every hash
  recomputed, since SHA-256 has no secret. Give `known_head`, the head hash printed by an earlier
  `tengri audit verify` and kept outside this database (a report, a ticket, the other state's
  system): a cut or a rewrite that reaches that entry is then caught. Entries appended after the
  last head kept elsewhere can still be cut or rewritten unnoticed; keep heads often.
- the triggers stop UPDATE and DELETE, not the database owner dropping them, nor TRUNCATE on
  PostgreSQL (see migration 0001): what these allow is caught as above.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from tengri.core.errors import InvalidInput
from tengri.core.models import GENESIS_HASH, AuditEntry

Actor = AbstractBaseUser | AnonymousUser | None

# Key of the PostgreSQL advisory lock that serialises appends: "tengri" in ASCII, then 1. Any other
# advisory lock in the project must use a different key.
AUDIT_CHAIN_LOCK = 0x74656E677269_0001
_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_HASH = re.compile(r"[0-9a-f]{64}")
PERSONAL_DATA_READ = "personal_data.read"


@dataclass(frozen=True)
class AuditProblem:
    """One place where the chain is broken; `sequence` is None for a problem of the log as a whole."""

    sequence: int | None
    problem: str


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of walking the whole chain: how many entries, the last hash, and what is wrong."""

    entries: int
    head: str
    problems: list[AuditProblem]

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_record(
    *,
    actor: Actor,
    action: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    `actor` is the user who acted, AnonymousUser, or None for the system (tasks, commands). `subject`
    is the model instance acted on; or give `subject_type` ("app_label.model_name") and `subject_id`.
    `data` holds JSON details and must never hold personal data (see tengri.core.models); numbers in it
    must be integers (give decimals as strings), since PostgreSQL rewrites some floats and would
    change the hash.

    Locks: on PostgreSQL a transaction-scoped advisory lock (`AUDIT_CHAIN_LOCK`), held until the
    caller's transaction ends, so concurrent writers append one after another and the chain never
    forks; on SQLite the project's `BEGIN IMMEDIATE` transactions already hold the one write lock.
    Either way the unique `sequence` refuses a fork (IntegrityError) should a caller bypass this.
    Runs in the caller's transaction, or in its own if there is none.
    Raises ValueError for a malformed action, subject or data: these are programming errors.
    """
    subject_type, subject_id = _subject(subject, subject_type, subject_id)
    if not _ACTION.fullmatch(action):
        raise ValueError(f"audit action {action!r} is not a dotted verb like application.submit")
    details = _json_without_floats(data or {}, "data")
    actor_id, actor_name = _actor(actor)
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = _last_entry()
        entry = AuditEntry(
            sequence=last.sequence + 1 if last else 1,
            at=_now_not_before(last),
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            data=details,
            previous_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


def audit_personal_data_read(*, actor: Actor, subject: models.Model, fields: list[str], reason: str) -> AuditEntry:
    """Record that `actor` was shown `fields` of `subject` (the field names, never their values), and why.

    Raises InvalidInput when the reason is blank: every read of personal data must say why.
    Locks and side effects: those of `audit_record`.
    """
    if not reason.strip():
        raise InvalidInput("give a reason for reading personal data")
    if not fields:
        raise ValueError("name the personal data fields that were read")
    return audit_record(
        actor=actor,
        action=PERSONAL_DATA_READ,
        subject=subject,
        reason=reason.strip(),
        data={"fields": sorted(set(fields))},
    )


def audit_verify(*, known_head: str = "") -> list[AuditProblem]:
    """Every problem in the chain, in sequence order; an empty list when it is intact. See `audit_verify_chain`."""
    return audit_verify_chain(known_head=known_head).problems


def audit_verify_chain(*, known_head: str = "") -> AuditVerification:
    """Walk the whole log in sequence order, streaming, recomputing every hash and checking every link.

    Checks: sequences run 1, 2, 3, ... without gaps; each entry's hash matches its contents; each
    `previous_hash` is the hash of the entry before (zeros for the first); time never goes backwards;
    and, if `known_head` (an `entry_hash` kept from an earlier run) is given, that entry is still there.
    Takes no lock and writes nothing. Raises InvalidInput if `known_head` is not a SHA-256 hex digest.
    """
    if known_head and not _HASH.fullmatch(known_head):
        raise InvalidInput(f"--known-head {known_head!r} is not a SHA-256 hash (64 hex digits)")
    walk = _ChainWalk(known_head=known_head)
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        walk.check(entry)
    return walk.result()


def audit_trail(*, subject_type: str = "", subject_id: str = "", limit: int = 20) -> list[AuditEntry]:
    """The latest `limit` entries, oldest first; only those about one subject when `subject_type` is given."""
    entries = AuditEntry.objects.all()
    if subject_type:
        entries = entries.filter(subject_type=subject_type, subject_id=subject_id)
    return list(reversed(entries.order_by("-sequence")[:limit]))


@dataclass
class _ChainWalk:
    """The state carried from one entry to the next while verifying."""

    known_head: str = ""
    known_head_found: bool = False
    entries: int = 0
    previous: AuditEntry | None = None
    problems: list[AuditProblem] = field(default_factory=list)

    def check(self, entry: AuditEntry) -> None:
        expected_sequence = self.previous.sequence + 1 if self.previous else 1
        if entry.sequence != expected_sequence:
            missing = _span(expected_sequence, entry.sequence - 1)
            self._report(entry, f"{missing} missing before it (deleted)")
        if entry.compute_hash() != entry.entry_hash:
            self._report(entry, "contents do not match its hash (edited)")
        self._check_link(entry)
        if self.previous and entry.at < self.previous.at:
            self._report(
                entry, f"recorded at {entry.at.isoformat()}, before entry {self.previous.sequence} (reordered)"
            )
        self.known_head_found = self.known_head_found or entry.entry_hash == self.known_head
        self.entries += 1
        self.previous = entry

    def _check_link(self, entry: AuditEntry) -> None:
        if self.previous is None and entry.previous_hash != GENESIS_HASH:
            self._report(entry, "does not start the chain: entries before it were deleted")
        elif self.previous is not None and entry.previous_hash != self.previous.entry_hash:
            self._report(
                entry,
                f"does not link to entry {self.previous.sequence}: an entry was deleted, replaced or reordered",
            )

    def _report(self, entry: AuditEntry, problem: str) -> None:
        self.problems.append(AuditProblem(entry.sequence, f"entry {entry.sequence}: {problem}"))

    def result(self) -> AuditVerification:
        if self.known_head and not self.known_head_found:
            gone = "entries at the end were deleted, or the chain was rewritten"
            self.problems.append(AuditProblem(None, f"the known head {self.known_head} is not in the log: {gone}"))
        head = self.previous.entry_hash if self.previous else GENESIS_HASH
        return AuditVerification(self.entries, head, self.problems)


def _span(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first}–{last} are"


def _subject(subject: models.Model | None, subject_type: str, subject_id: str) -> tuple[str, str]:
    if subject is None:
        if subject_id and not subject_type:
            raise ValueError("an audit subject_id needs its subject_type")
        return subject_type, str(subject_id)
    if subject_type or subject_id:
        raise ValueError("give either an audit subject or subject_type and subject_id, not both")
    if subject.pk is None:
        raise ValueError("an audit subject must be saved first: it has no id yet")
    return subject._meta.label_lower, str(subject.pk)


def _actor(actor: Actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if not actor.is_authenticated:
        return None, "anonymous"
    return actor.pk, actor.get_username()


def _json_without_floats(value: Any, path: str) -> Any:
    """A copy of `value` as JSON lists and objects; ValueError for floats, non-string keys and non-JSON types."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_without_floats(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError(f"audit {path} has a key that is not a string")
        return {key: _json_without_floats(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, float):
        raise ValueError(f"audit {path} is a float: give it as a string, so that its hash is stable")
    raise ValueError(f"audit {path} is a {type(value).__name__}, which JSON cannot hold")


def _lock_chain() -> None:
    """Hold the append lock until the current transaction ends (PostgreSQL; see `audit_record`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def _last_entry() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-sequence").first()


def _now_not_before(last: AuditEntry | None):
    """Now, or the previous entry's time if the clock was set back, so that time in the log never goes back."""
    now = timezone.now()
    return max(now, last.at) if last else now
