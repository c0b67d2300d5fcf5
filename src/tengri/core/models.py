"""The append-only, hash-chained audit log (written by `tengri.core.audit`, checked by `tengri audit verify`).

Each entry stores the SHA-256 of the entry before it (`previous_hash`) and of its own contents
(`entry_hash`), so editing, deleting or reordering any entry breaks the chain at that point. Three
layers keep the log append-only:

1. this model refuses `save()` of an existing entry, `delete()`, and queryset `update()`/`delete()`;
2. database triggers (migration 0001) refuse UPDATE and DELETE even from raw SQL;
3. what gets past both (the database owner can drop triggers) is caught by `audit_verify`.

`reason` and `data` must never contain personal data (names, document numbers, birth dates, free
text quoting them): retention erases personal data from the other tables after
`TENGRI_RETENTION_YEARS`, but an audit entry can never be changed without breaking the chain. Refer to
people and documents by id (`subject_id`, `data={"member_id": 42}`) instead.
"""

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import models

from tengri.core.errors import AuditLogIsAppendOnly

# The previous_hash of the first entry: there is nothing before it.
GENESIS_HASH = "0" * 64


class AuditQuerySet(models.QuerySet):
    """Bulk writes would bypass both the chain and `AuditEntry.save()`/`delete()`, so they are refused."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list:
        raise AuditLogIsAppendOnly("audit entries are appended one by one by tengri.core.audit.audit_record")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit entries cannot be updated")


class AuditEntry(models.Model):
    """One thing that happened: who (`actor_*`), when (`at`), what (`action` on `subject_*`) and why (`reason`).

    Create entries only through `tengri.core.audit.audit_record`, which numbers and chains them.
    """

    sequence = models.PositiveBigIntegerField(primary_key=True, help_text="1, 2, 3, ... without gaps")
    at = models.DateTimeField(help_text="UTC; never earlier than the entry before")
    # No foreign key: deleting a user must neither fail nor change an entry (which would break the chain).
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="user id; empty for the system")
    actor_name = models.CharField(max_length=150, help_text='username at the time; "system" for tasks')
    action = models.CharField(max_length=100, help_text="dotted verb, e.g. application.submit, personal_data.read")
    subject_type = models.CharField(max_length=100, blank=True, help_text="app_label.model_name")
    subject_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True, help_text="why; never personal data")
    data = models.JSONField(default=dict, blank=True, help_text="details; never personal data")
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="core_audit_subject_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(sequence__gte=1), name="core_audit_sequence_from_1")]

    def __str__(self) -> str:
        subject = f" {self.subject_type}:{self.subject_id}" if self.subject_type else ""
        return f"#{self.sequence} {self.action}{subject} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert a new entry. Raises AuditLogIsAppendOnly for an entry already saved or a partial save."""
        if not self._state.adding or kwargs.get("update_fields") is not None or kwargs.get("force_update"):
            raise AuditLogIsAppendOnly(f"audit entry #{self.sequence} cannot be changed")
        # Without force_insert Django would try an UPDATE first, since the primary key is set.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(f"audit entry #{self.sequence} cannot be deleted")

    def canonical_contents(self) -> bytes:
        """Every field but `entry_hash`, as sorted compact JSON in UTF-8: the bytes that `entry_hash` hashes.

        `at` is written in UTC with microseconds so that SQLite and PostgreSQL give the same text.
        """
        contents = {
            "sequence": self.sequence,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "reason": self.reason,
            "data": self.data,
            "previous_hash": self.previous_hash,
        }
        return json.dumps(contents, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_contents()).hexdigest()
