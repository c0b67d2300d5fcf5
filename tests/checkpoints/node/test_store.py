"""The node's own store, key and event ids, without the centre: schema, append-only events, acknowledgements,
whole-part replacement, file modes, UUIDv7."""

import sqlite3
import stat
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tengri.checkpoints.ingest import CONTENT
from tengri.checkpoints.node.events import LIMITS, NodeEvent
from tengri.checkpoints.node.keys import KEY_FILE, NodeKeyError, NodeSeal, key_create, key_load
from tengri.checkpoints.node.store import DB_FILE, SCHEMA_VERSION, ManifestEntry, NodeStore, StoreError
from tengri.checkpoints.node.uuid7 import uuid7, uuid7_time_ms

MOMENT = datetime(2027, 7, 13, 3, 0, tzinfo=UTC)


def event(**fields) -> NodeEvent:
    values = {
        "checkpoint": "KRK-HB-KZ",
        "direction": "in",
        "verdict": "VALID",
        "detail": "valid permit",
        "method": "qr",
        "officer": "Serik",
        "device_time": MOMENT,
        "permit_id": uuid.uuid4(),
        "holder_name": "ZHUMABEKOV ASKAR",
        "nationality": "KAZ",
        "reference": "KT-2027-000001",
        "route_code": "KT-N-KZ",
        **fields,
    }
    return NodeEvent.new(**values)


@pytest.fixture
def store(tmp_path):
    store = NodeStore.create(tmp_path)
    yield store
    store.close()


# --- the file ------------------------------------------------------------------------------------------------


def test_a_new_store_is_private_in_wal_mode_at_the_current_schema(tmp_path, store):
    assert stat.S_IMODE((tmp_path / DB_FILE).stat().st_mode) == 0o600
    with sqlite3.connect(tmp_path / DB_FILE) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"config", "trust", "revocations", "manifest", "events", "acks", "sync_log"} <= tables


def test_creating_over_an_existing_store_is_refused(tmp_path, store):
    with pytest.raises(FileExistsError):
        NodeStore.create(tmp_path)


def test_opening_a_home_without_a_store_says_to_init(tmp_path):
    with pytest.raises(StoreError, match="tengri checkpoint init"):
        NodeStore.open(tmp_path / "nowhere")


def test_a_store_from_a_newer_schema_is_refused(tmp_path, store):
    with store.transaction() as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer tengri"):
        NodeStore.open(tmp_path)


def test_reopening_migrates_nothing_and_keeps_the_data(tmp_path, store):
    store.event_append(event())
    store.close()
    reopened = NodeStore.open(tmp_path)
    try:
        assert reopened.event_counts()["recorded"] == 1
    finally:
        reopened.close()


def test_two_connections_to_one_home_see_each_others_writes(tmp_path, store):
    """The command and the page are two processes on one home."""
    other = NodeStore.open(tmp_path)
    try:
        recorded = event()
        other.event_append(recorded)
        assert [found.id for found in store.events_unacknowledged(limit=10)] == [recorded.id]
        store.acknowledge({recorded.id: "stored"}, acked_at=MOMENT)
        assert other.event_counts()["pending"] == 0
    finally:
        other.close()


# --- events and acknowledgements -------------------------------------------------------------------------------


def test_events_are_append_only(store):
    recorded = event()
    store.event_append(recorded)
    for statement in ("UPDATE events SET verdict = 'REVOKED'", "DELETE FROM events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.transaction() as connection:
            connection.execute(statement)
    assert store.events_all() == [(recorded, None)]


def test_acknowledgements_are_append_only_and_the_first_answer_stays(store):
    recorded = event()
    store.event_append(recorded)
    assert store.acknowledge({recorded.id: "stored"}, acked_at=MOMENT) == 1
    assert store.acknowledge({recorded.id: "duplicate"}, acked_at=MOMENT) == 0
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.transaction() as connection:
        connection.execute("DELETE FROM acks")
    assert store.events_all() == [(recorded, "stored")]


def test_an_event_id_is_recorded_once(store):
    recorded = event()
    store.event_append(recorded)
    with pytest.raises(sqlite3.IntegrityError):
        store.event_append(recorded)


def test_unacknowledged_events_come_in_id_order_and_leave_when_acknowledged(store):
    recorded = [event(direction=direction) for direction in ("in", "out", "in", "out", "in")]
    for item in reversed(recorded):  # recorded out of order: the order to send is the ids'
        store.event_append(item)
    assert [e.id for e in store.events_unacknowledged(limit=3)] == [e.id for e in recorded[:3]]

    assert store.acknowledge({recorded[1].id: "stored", recorded[3].id: "conflict"}, acked_at=MOMENT) == 2
    assert [e.id for e in store.events_unacknowledged(limit=10)] == [recorded[i].id for i in (0, 2, 4)]
    assert store.event_counts() == {
        "recorded": 5,
        "pending": 3,
        "stored": 1,
        "duplicate": 0,
        "conflict": 1,
        "acknowledged": 2,
    }


def test_an_answer_about_an_event_never_recorded_is_ignored(store):
    assert store.acknowledge({str(uuid7()): "stored"}, acked_at=MOMENT) == 0
    with pytest.raises(StoreError):
        store.acknowledge({str(uuid7()): "rejected"}, acked_at=MOMENT)


def test_recent_events_come_newest_first_with_their_answer(store):
    first, second = event(), event(verdict="REVOKED")
    store.event_append(first)
    store.event_append(second)
    store.acknowledge({first.id: "stored"}, acked_at=MOMENT)
    assert store.events_recent(1) == [(second, None)]
    assert store.events_recent(5) == [(second, None), (first, "stored")]


def test_a_failed_replacement_keeps_the_previous_manifest(store):
    entry = ManifestEntry("p1", "index-1", "sealed", "A B", MOMENT.isoformat(), MOMENT.isoformat())
    store.manifest_replace([entry], generated="g1", days=3, pulled_at=MOMENT)
    with pytest.raises(sqlite3.IntegrityError):  # two entries for one permit: the new copy is broken
        store.manifest_replace([entry, entry], generated="g2", days=3, pulled_at=MOMENT + timedelta(hours=1))
    assert store.manifest_find("index-1") == [entry]
    assert store.manifest_state() == {"generated": "g1", "days": 3, "pulled_at": MOMENT.isoformat(), "permits": 1}


def test_sync_log_finds_the_last_of_an_action_and_the_last_failure(store):
    store.sync_log_add(at=MOMENT, action="push", ok=True, detail="1 batches", sent=3, stored=3)
    store.sync_log_add(at=MOMENT, action="pull manifest", ok=False, detail="offline")
    store.sync_log_add(at=MOMENT, action="push", ok=False, detail="offline")
    last_push = store.sync_log_last(action="push", ok=True)
    assert last_push is not None and (last_push.detail, last_push.sent) == ("1 batches", 3)
    last_error = store.sync_log_last(ok=False)
    assert last_error is not None and (last_error.action, last_error.ok) == ("push", False)
    assert store.sync_log_last(action="enrol") is None


# --- events as recorded -----------------------------------------------------------------------------------------


def test_an_event_is_cut_to_the_centres_columns_when_recorded():
    recorded = event(detail="x" * 1000, holder_name="ÅÄÖ " * 100, officer="Officer\nwith a newline")
    assert len(recorded.detail) == LIMITS["detail"] and recorded.detail.endswith("…")
    assert len(recorded.holder_name) == LIMITS["holder_name"]
    assert recorded.officer == "Officer with a newline"
    assert datetime.fromisoformat(recorded.device_time) == MOMENT


@pytest.mark.parametrize(
    "fields",
    [{"direction": "across"}, {"method": "telepathy"}, {"device_time": datetime(2027, 7, 13, 8, 0)}],
)
def test_an_event_outside_the_contract_is_a_programming_error(fields):
    with pytest.raises(ValueError):
        event(**fields)


def test_an_event_carries_no_passport_number_or_birth_date():
    wire = set(event().wire())
    # What the node sends is exactly what the centre compares (ingest.CONTENT), under the id and checkpoint.
    assert wire == {"id", "checkpoint", *CONTENT}
    assert not wire & {"document_number", "passport", "birth_date", "passport_index"}


# --- the key and the seal ---------------------------------------------------------------------------------------


def test_the_node_key_is_32_private_bytes_and_never_replaced(tmp_path):
    key_create(tmp_path)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert len(key_load(tmp_path)) == 32
    with pytest.raises(FileExistsError):
        key_create(tmp_path)


def test_a_missing_or_short_key_is_reported(tmp_path):
    with pytest.raises(NodeKeyError, match="cannot read"):
        key_load(tmp_path)
    (tmp_path / KEY_FILE).write_bytes(b"short")
    with pytest.raises(NodeKeyError, match="5 bytes"):
        key_load(tmp_path)


def test_the_passport_index_finds_a_number_however_it_is_typed():
    seal = NodeSeal(b"k" * 32)
    assert seal.passport_index("n 123 4567") == seal.passport_index("N1234567<<")
    assert seal.passport_index("N1234567") != seal.passport_index("N1234568")
    assert NodeSeal(b"j" * 32).passport_index("N1234567") != seal.passport_index("N1234567")


def test_sealed_text_opens_only_with_its_own_key():
    token = NodeSeal(b"k" * 32).seal("TGP1:ABC")
    assert "ABC" not in token
    assert NodeSeal(b"k" * 32).unseal(token) == "TGP1:ABC"
    with pytest.raises(NodeKeyError):
        NodeSeal(b"j" * 32).unseal(token)


# --- UUIDv7 ----------------------------------------------------------------------------------------------------


def test_uuid7_carries_its_time_version_and_variant():
    value = uuid7(1_815_447_600_123)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert uuid7_time_ms(value) >= 1_815_447_600_123


def test_uuid7_increases_within_a_millisecond_and_when_the_clock_goes_back():
    start = uuid7()
    later = uuid7_time_ms(start) + 10_000
    made = [uuid7(later) for _ in range(1000)] + [uuid7(later - 5_000) for _ in range(10)] + [uuid7(later + 1)]
    assert all(made[i] < made[i + 1] for i in range(len(made) - 1))
    assert all(str(made[i]) < str(made[i + 1]) for i in range(len(made) - 1))  # as the store orders them
    assert start < made[0]
    assert uuid7_time_ms(made[1009]) == later  # after the step back it stays on the last time
    assert uuid7_time_ms(made[1010]) == later + 1
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in made)
