"""Two overdue sweeps at the same moment, on PostgreSQL, from two threads (each with its own connection, as the
periodic task and `tengri overdue sweep` run by hand): each stage is raised, audited and mailed once.

The sweep holds the application's row lock while it reads which stages exist and raises the missing ones. The
control switches the lock off and lets both sweeps read before either writes: the unique (application, stage)
constraint then refuses the second insert, and the sweep takes that refusal as "raised already".
"""

import logging
import threading

import pytest
from django.core import mail
from django.db import connection
from django.db.models.query import QuerySet

from tengri.checkpoints import overdue
from tengri.checkpoints.models import OverdueAlert
from tengri.core.audit import audit_verify
from tengri.core.models import AuditEntry

from .presence_fixtures import stage_at, walk_in

pytest_plugins = ["tests.checkpoints.presence_fixtures"]
pytestmark = pytest.mark.postgres
ROUNDS = 10


@pytest.fixture
def inside(transactional_db, on_postgres, trip):
    walk_in(trip.application)
    return trip


def sweeps_at_once(count: int = 2) -> list[object]:
    """`count` sweeps at the moment every stage is due, released together; what each returned or raised."""
    start = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def sweep(index: int) -> None:
        try:
            start.wait(timeout=10)
            outcomes[index] = overdue.overdue_sweep(now=stage_at(3))
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweep hung"
    return outcomes


def raised_stages(outcomes: list[object]) -> list[int]:
    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    return sorted(alert.stage for outcome in outcomes for alert in outcome)  # type: ignore[attr-defined]


def no_errors_logged(caplog) -> bool:
    return not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_two_sweeps_at_the_same_moment_raise_each_stage_once(inside, caplog):
    for _ in range(ROUNDS):
        OverdueAlert.objects.all().delete()
        mail.outbox.clear()

        outcomes = sweeps_at_once()

        assert raised_stages(outcomes) == [1, 2, 3]
        assert sorted(OverdueAlert.objects.values_list("stage", flat=True)) == [1, 2, 3]
        assert sorted(message.subject.split("stage ")[1][0] for message in mail.outbox) == ["1", "2", "3"]
    assert AuditEntry.objects.filter(action="overdue_alert.raise").count() == 3 * ROUNDS
    assert audit_verify() == []
    assert no_errors_logged(caplog)


def test_control_without_the_row_lock_the_constraint_still_keeps_each_stage_once(inside, monkeypatch, caplog):
    both_have_read = threading.Barrier(2)
    read_stages = overdue.raised_stages

    def read_then_wait_for_the_other(application):
        stages = read_stages(application)
        both_have_read.wait(timeout=10)
        return stages

    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    monkeypatch.setattr(overdue, "raised_stages", read_then_wait_for_the_other)

    outcomes = sweeps_at_once()

    assert raised_stages(outcomes) == [1, 2, 3]  # the refused inserts were skipped, not raised twice or failed
    assert sorted(OverdueAlert.objects.values_list("stage", flat=True)) == [1, 2, 3]
    assert AuditEntry.objects.filter(action="overdue_alert.raise").count() == 3
    assert audit_verify() == []
    assert no_errors_logged(caplog)  # the second sweep's refused inserts were expected, not a failed group
