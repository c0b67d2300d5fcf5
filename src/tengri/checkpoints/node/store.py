"""The node's own SQLite file (`node.sqlite3`): config, trust list, revocations, manifest, events,
acknowledgements and the sync log. Plain sqlite3, no Django: several nodes run in one process in the tests,
and a node must work where the centre's database is out of reach.

The schema is migrated by version (`PRAGMA user_version`). WAL lets the page read while a scan writes;
`synchronous=FULL` makes a committed event survive a power cut, since the verdict is shown only after it
is committed. Writes take the write lock at their start (`BEGIN IMMEDIATE`), so two processes on one home
(the command and the page) wait for each other instead of failing; network I/O never happens inside a
transaction. Events and acknowledgements are append-only: triggers refuse UPDATE and DELETE.
"""

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from tengri.checkpoints.node.events import NodeEvent
from tengri.core.errors import TengriError

DB_FILE = "node.sqlite3"
BUSY_TIMEOUT_S = 20
ACK_STATUSES = ("stored", "duplicate", "conflict")

MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE trust (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            jwks TEXT NOT NULL,
            pulled_at TEXT NOT NULL,
            revision INTEGER NOT NULL
        )""",
        """CREATE TABLE revocations (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            list TEXT NOT NULL,
            generated TEXT NOT NULL,
            pulled_at TEXT NOT NULL,
            revision INTEGER NOT NULL
        )""",
        """CREATE TABLE manifest (
            permit_id TEXT PRIMARY KEY,
            passport_index TEXT NOT NULL,
            qr_sealed TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            not_before TEXT NOT NULL,
            expires TEXT NOT NULL
        )""",
        "CREATE INDEX manifest_by_passport ON manifest (passport_index)",
        """CREATE TABLE manifest_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            generated TEXT NOT NULL,
            days INTEGER NOT NULL,
            pulled_at TEXT NOT NULL
        )""",
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            checkpoint TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            verdict TEXT NOT NULL,
            detail TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('qr', 'image', 'lookup', 'paper')),
            officer TEXT NOT NULL,
            permit_id TEXT,
            holder_name TEXT NOT NULL,
            nationality TEXT NOT NULL,
            reference TEXT NOT NULL,
            route_code TEXT NOT NULL,
            device_time TEXT NOT NULL
        )""",
        """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'node events are append-only: UPDATE refused'); END""",
        """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'node events are append-only: DELETE refused'); END""",
        """CREATE TABLE acks (
            event_id TEXT PRIMARY KEY REFERENCES events (id),
            status TEXT NOT NULL CHECK (status IN ('stored', 'duplicate', 'conflict')),
            acked_at TEXT NOT NULL
        )""",
        """CREATE TRIGGER acks_no_update BEFORE UPDATE ON acks
        BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only: UPDATE refused'); END""",
        """CREATE TRIGGER acks_no_delete BEFORE DELETE ON acks
        BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only: DELETE refused'); END""",
        """CREATE TABLE sync_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            ok INTEGER NOT NULL,
            detail TEXT NOT NULL,
            sent INTEGER NOT NULL DEFAULT 0,
            stored INTEGER NOT NULL DEFAULT 0,
            duplicate INTEGER NOT NULL DEFAULT 0,
            conflict INTEGER NOT NULL DEFAULT 0,
            clock_skew_s REAL
        )""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
_EVENT_COLUMNS = tuple(field.name for field in fields(NodeEvent))


class StoreError(TengriError):
    """The node's store is missing, from a newer version, or refused a change."""


@dataclass(frozen=True)
class ManifestEntry:
    permit_id: str
    passport_index: str
    qr_sealed: str
    holder_name: str
    not_before: str
    expires: str


@dataclass(frozen=True)
class SyncRecord:
    at: str
    action: str
    ok: bool
    detail: str
    sent: int
    stored: int
    duplicate: int
    conflict: int
    clock_skew_s: float | None


class NodeStore:
    """One node's SQLite file. Safe to share between threads (one connection, one lock): the node's page
    serves requests from a thread pool."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self._connection.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}",
        ):
            self._connection.execute(pragma)

    # --- opening ---------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, home: Path) -> "NodeStore":
        """A new, empty store readable by the owner only (it holds the device credential)."""
        path = home / DB_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(descriptor)
        os.chmod(path, 0o600)
        store = cls(path)
        store.migrate()
        return store

    @classmethod
    def open(cls, home: Path) -> "NodeStore":
        path = home / DB_FILE
        if not path.is_file():
            raise StoreError(f"no checkpoint node at {home} (run `tengri checkpoint init`)")
        store = cls(path)
        store.migrate()
        return store

    def migrate(self) -> None:
        """Brings the schema to SCHEMA_VERSION, one version per transaction."""
        version = self._read("PRAGMA user_version")[0][0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was made by a newer tengri (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as connection:
                # Another process may have migrated between our read and our write lock.
                if connection.execute("PRAGMA user_version").fetchone()[0] >= number:
                    continue
                for statement in MIGRATIONS[number - 1]:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock from its start; rolled back on error."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _read(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, tuple(parameters)).fetchall()

    # --- config ----------------------------------------------------------------------------------------------

    def config(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._read("SELECT key, value FROM config")}

    def config_set(self, values: dict[str, str]) -> None:
        with self.transaction() as connection:
            _config_set(connection, values)

    # --- trust data: each part replaced whole, in one transaction ------------------------------------------------

    def trust_replace(self, jwks: dict, *, pulled_at: datetime) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO trust (id, jwks, pulled_at, revision)"
                " VALUES (1, ?, ?, coalesce((SELECT revision FROM trust), 0) + 1)",
                (json.dumps(jwks), pulled_at.isoformat()),
            )

    def trust(self) -> tuple[dict, datetime] | None:
        rows = self._read("SELECT jwks, pulled_at FROM trust")
        return (json.loads(rows[0]["jwks"]), datetime.fromisoformat(rows[0]["pulled_at"])) if rows else None

    def revocations_replace(self, data: dict, *, generated: datetime, pulled_at: datetime) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO revocations (id, list, generated, pulled_at, revision)"
                " VALUES (1, ?, ?, ?, coalesce((SELECT revision FROM revocations), 0) + 1)",
                (json.dumps(data), generated.isoformat(), pulled_at.isoformat()),
            )

    def trust_revisions(self) -> tuple[int, int]:
        """Counts of trust-list and revocation-list replacements: a reader caching the parsed lists
        (the node, the page in another process) knows from them when to parse again."""
        row = self._read("SELECT (SELECT revision FROM trust), (SELECT revision FROM revocations)")[0]
        return row[0] or 0, row[1] or 0

    def revocations(self) -> tuple[dict, datetime] | None:
        rows = self._read("SELECT list, pulled_at FROM revocations")
        return (json.loads(rows[0]["list"]), datetime.fromisoformat(rows[0]["pulled_at"])) if rows else None

    def manifest_replace(
        self,
        entries: list[ManifestEntry],
        *,
        generated: str,
        days: int,
        pulled_at: datetime,
        config: dict[str, str] | None = None,
    ) -> None:
        """Replaces the manifest, and the checkpoint's description that came with it, in one transaction."""
        with self.transaction() as connection:
            _config_set(connection, config or {})
            connection.execute("DELETE FROM manifest")
            connection.executemany(
                "INSERT INTO manifest (permit_id, passport_index, qr_sealed, holder_name, not_before, expires)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(e.permit_id, e.passport_index, e.qr_sealed, e.holder_name, e.not_before, e.expires) for e in entries],
            )
            connection.execute(
                "INSERT OR REPLACE INTO manifest_state (id, generated, days, pulled_at) VALUES (1, ?, ?, ?)",
                (generated, days, pulled_at.isoformat()),
            )

    def manifest_find(self, passport_index: str) -> list[ManifestEntry]:
        """The permits of a passport, the one valid longest first."""
        rows = self._read(
            "SELECT * FROM manifest WHERE passport_index = ? ORDER BY expires DESC, permit_id", (passport_index,)
        )
        return [ManifestEntry(**dict(row)) for row in rows]

    def manifest_state(self) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT generated, days, pulled_at, (SELECT count(*) FROM manifest) AS permits FROM manifest_state"
        )
        return dict(rows[0]) if rows else None

    # --- events and acknowledgements -------------------------------------------------------------------------

    def event_append(self, event: NodeEvent) -> None:
        columns = ", ".join(_EVENT_COLUMNS)
        placeholders = ", ".join("?" for _ in _EVENT_COLUMNS)
        with self.transaction() as connection:
            connection.execute(
                f"INSERT INTO events ({columns}) VALUES ({placeholders})",  # noqa: S608 (column names are ours)
                tuple(getattr(event, name) for name in _EVENT_COLUMNS),
            )

    def events_unacknowledged(self, *, limit: int, excluding: Iterable[str] = ()) -> list[NodeEvent]:
        """The oldest events the centre has not acknowledged, in id (= time) order, leaving out `excluding`."""
        left_out = json.dumps(sorted(excluding))
        rows = self._read(
            "SELECT e.* FROM events e LEFT JOIN acks a ON a.event_id = e.id"
            " WHERE a.event_id IS NULL AND e.id NOT IN (SELECT value FROM json_each(?)) ORDER BY e.id LIMIT ?",
            (left_out, limit),
        )
        return [_event(row) for row in rows]

    def events_recent(self, limit: int) -> list[tuple[NodeEvent, str | None]]:
        """The latest recorded events, newest first, each with its acknowledgement status (None: not yet)."""
        rows = self._read(
            "SELECT e.*, a.status AS ack FROM events e LEFT JOIN acks a ON a.event_id = e.id"
            " ORDER BY e.seq DESC LIMIT ?",
            (limit,),
        )
        return [(_event(row), row["ack"]) for row in rows]

    def events_all(self) -> list[tuple[NodeEvent, str | None]]:
        rows = self._read(
            "SELECT e.*, a.status AS ack FROM events e LEFT JOIN acks a ON a.event_id = e.id ORDER BY e.id"
        )
        return [(_event(row), row["ack"]) for row in rows]

    def acknowledge(self, statuses: dict[str, str], *, acked_at: datetime) -> int:
        """Records the centre's answer per event; an event acknowledged before keeps its first answer.
        Returns how many events were newly acknowledged. Ids this node never recorded are ignored."""
        if any(status not in ACK_STATUSES for status in statuses.values()):
            raise StoreError(f"an acknowledgement status is not one of {ACK_STATUSES}")
        with self.transaction() as connection:
            before = connection.total_changes
            connection.executemany(
                "INSERT OR IGNORE INTO acks (event_id, status, acked_at) SELECT id, ?, ? FROM events WHERE id = ?",
                [(status, acked_at.isoformat(), event_id) for event_id, status in statuses.items()],
            )
            return connection.total_changes - before

    def event_counts(self) -> dict[str, int]:
        row = self._read(
            "SELECT count(*) AS recorded,"
            " sum(CASE WHEN a.event_id IS NULL THEN 1 ELSE 0 END) AS pending,"
            " sum(CASE WHEN a.status = 'stored' THEN 1 ELSE 0 END) AS stored,"
            " sum(CASE WHEN a.status = 'duplicate' THEN 1 ELSE 0 END) AS duplicate,"
            " sum(CASE WHEN a.status = 'conflict' THEN 1 ELSE 0 END) AS conflict"
            " FROM events e LEFT JOIN acks a ON a.event_id = e.id"
        )[0]
        counts = {name: int(row[name] or 0) for name in ("recorded", "pending", "stored", "duplicate", "conflict")}
        counts["acknowledged"] = counts["recorded"] - counts["pending"]
        return counts

    # --- sync log --------------------------------------------------------------------------------------------

    def sync_log_add(
        self,
        *,
        at: datetime,
        action: str,
        ok: bool,
        detail: str,
        sent: int = 0,
        stored: int = 0,
        duplicate: int = 0,
        conflict: int = 0,
        clock_skew_s: float | None = None,
    ) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO sync_log (at, action, ok, detail, sent, stored, duplicate, conflict, clock_skew_s)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (at.isoformat(), action, int(ok), detail, sent, stored, duplicate, conflict, clock_skew_s),
            )

    def last_clock_skew(self) -> float | None:
        """The centre's clock minus this device's, as the centre measured it at the last push it answered."""
        rows = self._read("SELECT clock_skew_s FROM sync_log WHERE clock_skew_s IS NOT NULL ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def sync_log_last(self, *, action: str | None = None, ok: bool | None = None) -> SyncRecord | None:
        flag = None if ok is None else int(ok)
        rows = self._read(
            "SELECT at, action, ok, detail, sent, stored, duplicate, conflict, clock_skew_s FROM sync_log"
            " WHERE (? IS NULL OR action = ?) AND (? IS NULL OR ok = ?) ORDER BY id DESC LIMIT 1",
            (action, action, flag, flag),
        )
        if not rows:
            return None
        return SyncRecord(**{**dict(rows[0]), "ok": bool(rows[0]["ok"])})


def _config_set(connection: sqlite3.Connection, values: dict[str, str]) -> None:
    connection.executemany(
        "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


def _event(row: sqlite3.Row) -> NodeEvent:
    return NodeEvent(**{name: row[name] for name in _EVENT_COLUMNS})
