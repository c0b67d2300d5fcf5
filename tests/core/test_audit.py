"""The audit log: appending, the hash chain, every kind of tampering, the triggers, concurrency and the CLI.

To tamper, a test first drops the append-only triggers with raw SQL, as the database owner could: the
chain must still give the change away. The test's transaction rolls the triggers back afterwards.
"""

import itertools
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from tengri.cli import main
from tengri.core import audit
from tengri.core.audit import (
    AuditProblem,
    audit_personal_data_read,
    audit_record,
    audit_verify,
    audit_verify_chain,
)
from tengri.core.errors import AuditLogIsAppendOnly, InvalidInput
from tengri.core.models import GENESIS_HASH, AuditEntry

START = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS core_auditentry_no_update", "DROP TRIGGER IF EXISTS core_auditentry_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry"],
}


@pytest.fixture
def clock(monkeypatch):
    """Each call of timezone.now() is one hour after the previous, so tests can place edits between entries."""
    ticks = iter(START + timedelta(hours=hour) for hour in range(1000))
    monkeypatch.setattr(timezone, "now", lambda: next(ticks))


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user(username="officer-kz-1")


@pytest.fixture
def chain(db, clock, officer):
    """Five entries by an officer and by the system; returns them in order."""
    application = {"subject_type": "expeditions.application", "subject_id": "7"}
    return [
        audit_record(actor=officer, action="application.submit", **application),
        audit_record(actor=None, action="permit.issue", subject_id="3", subject_type="approvals.permit", data={"n": 2}),
        audit_record(actor=officer, action="application.approve", subject=officer, reason="checked", data={"a": [1]}),
        audit_personal_data_read(actor=officer, subject=officer, fields=["passport_number"], reason="border check"),
        audit_record(actor=None, action="retention.erase", reason="three years after closing"),
    ]


def drop_triggers() -> None:
    with connection.cursor() as cursor:
        for statement in DROP_TRIGGERS[connection.vendor]:
            cursor.execute(statement)


def tamper(sequence: int, **fields) -> None:
    """Change an entry behind the model's back, as raw SQL would (the base QuerySet.update writes the SQL)."""
    drop_triggers()
    models.QuerySet.update(AuditEntry.objects.filter(sequence=sequence), **fields)


def delete_raw(*sequences: int) -> None:
    drop_triggers()
    with connection.cursor() as cursor:
        for sequence in sequences:
            cursor.execute("DELETE FROM core_auditentry WHERE sequence = %s", [sequence])


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- Appending ---------------------------------------------------------------------------------------


def test_entries_are_numbered_and_chained_from_zeros(chain):
    assert [entry.sequence for entry in chain] == [1, 2, 3, 4, 5]
    assert chain[0].previous_hash == GENESIS_HASH
    for previous, entry in itertools.pairwise(chain):
        assert entry.previous_hash == previous.entry_hash
    stored = list(AuditEntry.objects.all())
    assert [entry.entry_hash for entry in stored] == [entry.entry_hash for entry in chain]
    assert all(entry.compute_hash() == entry.entry_hash for entry in stored)
    assert audit_verify() == []


def test_an_entry_says_who_when_what_and_why(chain, officer):
    approve, erase = AuditEntry.objects.get(sequence=3), AuditEntry.objects.get(sequence=5)
    assert (approve.actor_id, approve.actor_name) == (officer.pk, "officer-kz-1")
    assert approve.at == START + timedelta(hours=2)
    assert (approve.action, approve.subject_type) == ("application.approve", "auth.user")
    assert approve.subject_id == str(officer.pk)
    assert (approve.reason, approve.data) == ("checked", {"a": [1]})
    assert (erase.actor_id, erase.actor_name, erase.subject_type) == (None, "system", "")


def test_personal_data_read_records_field_names_and_why_never_values(chain, officer):
    entry = AuditEntry.objects.get(sequence=4)
    assert (entry.action, entry.reason) == ("personal_data.read", "border check")
    assert entry.data == {"fields": ["passport_number"]}
    with pytest.raises(InvalidInput, match="reason"):
        audit_personal_data_read(actor=officer, subject=officer, fields=["birth_date"], reason="  ")


def test_an_anonymous_actor_is_recorded_without_an_id(db):
    entry = audit_record(actor=AnonymousUser(), action="application.track", subject_type="x.y", subject_id="1")
    assert (entry.actor_id, entry.actor_name) == (None, "anonymous")


def test_deleting_the_user_leaves_the_chain_intact(chain, officer):
    officer.delete()
    assert AuditEntry.objects.get(sequence=1).actor_name == "officer-kz-1"
    assert audit_verify() == []


def test_time_in_the_log_never_goes_back_when_the_clock_does(db, monkeypatch):
    times = iter([START, START - timedelta(minutes=5)])
    monkeypatch.setattr(timezone, "now", lambda: next(times))
    first = audit_record(actor=None, action="task.run")
    second = audit_record(actor=None, action="task.run")
    assert second.at == first.at == START
    assert audit_verify() == []


def test_an_entry_rolls_back_with_the_change_it_records(db):
    audit_record(actor=None, action="task.run")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="application.submit")
        raise RuntimeError("the service failed after auditing")
    assert audit_record(actor=None, action="task.run").sequence == 2
    assert audit_verify() == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"action": "submit"}, "dotted verb"),
        ({"action": "a.b", "data": {"altitude": 7010.5}}, "float"),
        ({"action": "a.b", "data": {"when": datetime.now(UTC)}}, "datetime"),
        ({"action": "a.b", "data": {1: "x"}}, "key"),
        ({"action": "a.b", "subject_id": "1"}, "subject_type"),
        ({"action": "a.b", "subject": AnonymousUser(), "subject_type": "auth.user"}, "not both"),
    ],
)
def test_record_refuses_malformed_entries(db, arguments, message):
    with pytest.raises(ValueError, match=message):
        audit_record(actor=None, **arguments)
    assert not AuditEntry.objects.exists()


# --- Tampering ---------------------------------------------------------------------------------------

EDITED_3 = AuditProblem(3, "entry 3: contents do not match its hash (edited)")


@pytest.mark.parametrize(
    "change",
    [
        {"reason": "checked twice"},
        {"data": {"a": [2]}},
        {"at": START + timedelta(hours=2, minutes=1)},
        {"actor_name": "someone-else"},
        {"actor_id": None},
        {"action": "application.reject"},
        {"subject_id": "8"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_an_edited_field_is_detected_at_its_entry(chain, change):
    tamper(3, **change)
    assert audit_verify() == [EDITED_3]


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(chain):
    entry = AuditEntry.objects.get(sequence=3)
    entry.reason = "checked twice"
    tamper(3, reason=entry.reason, entry_hash=entry.compute_hash())
    assert audit_verify() == [
        AuditProblem(4, "entry 4: does not link to entry 3: an entry was deleted, replaced or reordered")
    ]


def test_a_deleted_middle_entry_is_detected(chain):
    delete_raw(3)
    assert audit_verify() == [
        AuditProblem(4, "entry 4: entry 3 is missing before it (deleted)"),
        AuditProblem(4, "entry 4: does not link to entry 2: an entry was deleted, replaced or reordered"),
    ]


def test_deleted_first_entries_are_detected(chain):
    delete_raw(1, 2)
    assert audit_verify() == [
        AuditProblem(3, "entry 3: entries 1–2 are missing before it (deleted)"),
        AuditProblem(3, "entry 3: does not start the chain: entries before it were deleted"),
    ]


def test_swapped_entries_are_detected(chain):
    second, third = AuditEntry.objects.get(sequence=2), AuditEntry.objects.get(sequence=3)
    contents = ("at", "actor_id", "actor_name", "action", "subject_type", "subject_id", "reason", "data")
    contents += ("previous_hash", "entry_hash")
    tamper(3, entry_hash="f" * 64)  # entry_hash is unique: move one out of the way first
    tamper(2, **{name: getattr(third, name) for name in contents})
    tamper(3, **{name: getattr(second, name) for name in contents})
    problems = audit_verify()
    assert AuditProblem(2, "entry 2: contents do not match its hash (edited)") in problems
    assert AuditProblem(3, "entry 3: contents do not match its hash (edited)") in problems
    assert {problem.sequence for problem in problems} == {2, 3, 4}
    assert any("reordered" in problem.problem for problem in problems if problem.sequence == 3)


def test_deleting_the_last_entries_needs_a_known_head_to_be_detected(chain):
    """The limit of a chain alone: what remains after cutting the tail is a valid, shorter chain."""
    head = audit_verify_chain().head
    delete_raw(4, 5)
    assert audit_verify() == []
    problems = audit_verify(known_head=head)
    assert [problem.sequence for problem in problems] == [None]
    assert problems[0].problem.startswith(f"the known head {head} is not in the log")


def test_an_emptied_log_needs_a_known_head_to_be_detected(chain):
    head = audit_verify_chain().head
    delete_raw(1, 2, 3, 4, 5)
    assert audit_verify_chain().entries == 0
    assert audit_verify() == []
    assert len(audit_verify(known_head=head)) == 1


def test_a_rewritten_tail_with_every_hash_recomputed_needs_a_known_head(chain):
    """SHA-256 has no secret: whoever rewrites from entry 3 on and rehashes everything leaves a valid chain."""
    head = audit_verify_chain().head
    previous_hash = chain[1].entry_hash
    for entry in AuditEntry.objects.filter(sequence__gte=3).order_by("sequence"):
        entry.reason, entry.previous_hash = "rewritten", previous_hash
        previous_hash = entry.compute_hash()
        tamper(entry.sequence, reason=entry.reason, previous_hash=entry.previous_hash, entry_hash=previous_hash)
    assert audit_verify() == []
    assert len(audit_verify(known_head=head)) == 1
    assert audit_verify(known_head=chain[1].entry_hash) == []


def test_a_known_head_that_is_not_a_hash_is_refused(db):
    with pytest.raises(InvalidInput, match="64 hex digits"):
        audit_verify(known_head="abc")


# --- Append-only: the model and the database ----------------------------------------------------------


def test_the_model_refuses_to_change_or_delete_entries(chain):
    entry = AuditEntry.objects.get(sequence=3)
    entry.reason = "changed"
    attempts = [
        entry.save,
        lambda: entry.save(update_fields=["reason"]),
        entry.delete,
        lambda: AuditEntry.objects.filter(sequence=3).update(reason="changed"),
        lambda: AuditEntry.objects.filter(sequence=3).delete(),
        lambda: AuditEntry.objects.bulk_create([AuditEntry(sequence=9)]),
        lambda: AuditEntry.objects.bulk_update([entry], ["reason"]),
        lambda: AuditEntry.objects.update_or_create(sequence=3, defaults={"reason": "changed"}),
    ]
    for attempt in attempts:
        with pytest.raises(AuditLogIsAppendOnly):
            attempt()
    assert AuditEntry.objects.get(sequence=3).reason == "checked"
    assert audit_verify() == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditentry SET reason = 'changed' WHERE sequence = 3",
        "UPDATE core_auditentry SET sequence = sequence + 10",
        "DELETE FROM core_auditentry WHERE sequence = 5",
        "DELETE FROM core_auditentry",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(chain, statement):
    """Runs on SQLite, and on PostgreSQL when DATABASE_URL points there."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == 5
    assert audit_verify() == []


@pytest.mark.postgres
def test_postgresql_refuses_updates_and_deletes_from_outside_django(transactional_db, on_postgres):
    """Another client (psql, a script) connected as the owner is refused too, unless it drops the trigger."""
    import psycopg

    audit_record(actor=None, action="task.run")
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as outsider:
        for statement in ("UPDATE core_auditentry SET reason = 'x'", "DELETE FROM core_auditentry"):
            with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                outsider.execute(statement)
            outsider.rollback()
    assert audit_verify_chain().entries == 1


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------------

WRITERS, ENTRIES_EACH = 8, 6


def append_in_parallel(monkeypatch) -> list[Exception]:
    """WRITERS threads, each with its own connection, append ENTRIES_EACH entries at once; returns their errors.

    Reading the last entry is slowed down so that, without the lock, writers would surely read the same one.
    """
    read_last = audit._last_entry

    def slow_last_entry():
        last = read_last()
        time.sleep(0.02)
        return last

    monkeypatch.setattr(audit, "_last_entry", slow_last_entry)
    start, errors = threading.Barrier(WRITERS), []

    def writer(number: int) -> None:
        try:
            start.wait()
            for entry in range(ENTRIES_EACH):
                audit_record(actor=None, action="task.run", data={"writer": number, "entry": entry})
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
def test_concurrent_appends_make_one_gap_free_chain(transactional_db, on_postgres, monkeypatch):
    errors = append_in_parallel(monkeypatch)
    assert errors == []
    total = WRITERS * ENTRIES_EACH
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == list(range(1, total + 1))
    verification = audit_verify_chain()
    assert (verification.entries, verification.problems) == (total, [])
    connection.close()


@pytest.mark.postgres
def test_control_without_the_lock_writers_collide(transactional_db, on_postgres, monkeypatch):
    """Shows the race the advisory lock prevents: the unique sequence then refuses the forks."""
    monkeypatch.setattr(audit, "_lock_chain", lambda: None)
    errors = append_in_parallel(monkeypatch)
    assert errors and all(isinstance(error, IntegrityError) for error in errors)
    assert audit_verify() == []
    connection.close()


# --- The command line --------------------------------------------------------------------------------


def test_cli_verify_reports_an_intact_log(capsys, chain):
    code, out, err = run(capsys, "audit", "verify")
    assert (code, out, err) == (0, f"audit log intact: 5 entries, head {chain[-1].entry_hash}\n", "")


def test_cli_verify_lists_problems_and_fails(capsys, chain):
    tamper(3, reason="checked twice")
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert out == "entry 3: contents do not match its hash (edited)\naudit log damaged: 1 problem(s) in 5 entries\n"


def test_cli_verify_json_and_known_head(capsys, chain):
    head = chain[-1].entry_hash
    delete_raw(5)
    code, out, _ = run(capsys, "audit", "verify", "--json", "--known-head", head)
    report = json.loads(out)
    assert code == 1
    assert (report["intact"], report["entries"], report["head"]) == (False, 4, chain[3].entry_hash)
    assert [problem["sequence"] for problem in report["problems"]] == [None]


def test_cli_verify_refuses_a_malformed_known_head(capsys, db):
    code, _, err = run(capsys, "audit", "verify", "--known-head", "not-a-hash")
    assert code == 2 and "64 hex digits" in err


def test_cli_show_lists_the_trail_of_a_subject(capsys, chain, officer):
    code, out, _ = run(capsys, "audit", "show", "--subject", f"auth.user:{officer.pk}")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("#3 ") and "application.approve" in lines[0] and lines[0].endswith("checked")
    assert "personal_data.read" in lines[1] and "officer-kz-1" in lines[1]


def test_cli_show_json_gives_the_latest_entries_oldest_first(capsys, chain):
    code, out, _ = run(capsys, "audit", "show", "--limit", "2", "--json")
    entries = json.loads(out)
    assert code == 0
    assert [entry["sequence"] for entry in entries] == [4, 5]
    assert entries[1]["entry_hash"] == chain[-1].entry_hash


@pytest.mark.parametrize("argv", [["--subject", "auth.user"], ["--limit", "0"]])
def test_cli_show_refuses_bad_options(capsys, db, argv):
    code, _, err = run(capsys, "audit", "show", *argv)
    assert code == 2 and "tengri: error:" in err
