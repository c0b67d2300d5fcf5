"""The leader and the operator file the same summit at the same moment, on PostgreSQL, from two threads (each
with its own connection): one notice is stored and audited, the other filing is refused as filed already.

The service holds the application's row lock while it looks for that peak's notice. The control switches the
lock off and lets both filings look before either writes: the unique (application, peak) constraint then
refuses the second insert, and the service reports it as filed already, not as a database error.
"""

import threading
from datetime import datetime

import pytest
from django.db import connection
from django.db.models.query import QuerySet

from tengri.checkpoints import services
from tengri.checkpoints.models import SummitNotice
from tengri.core.audit import audit_verify
from tengri.core.errors import InvalidTransition
from tengri.core.models import AuditEntry

from .presence_fixtures import KZ_TIME, MID_TRIP, user

pytest_plugins = ["tests.checkpoints.presence_fixtures"]
pytestmark = pytest.mark.postgres
ROUNDS = 5
ON_TOP = datetime(2027, 7, 19, 11, 30, tzinfo=KZ_TIME)


@pytest.fixture
def on_trip(transactional_db, on_postgres, trip):
    return trip


def filings_at_once(application, actors: list) -> list[object]:
    """One filing per actor of the same peak, released together; what each returned or raised."""
    start = threading.Barrier(len(actors))
    outcomes: list[object] = [None] * len(actors)

    def file(index: int) -> None:
        try:
            start.wait(timeout=10)
            outcomes[index] = services.summit_notice_file(
                application, actor=actors[index], reached_at=ON_TOP, persons=2 + index, now=MID_TRIP
            )
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(index,)) for index in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a filing hung"
    return outcomes


def one_stored_one_refused(outcomes: list[object]) -> None:
    stored = [outcome for outcome in outcomes if isinstance(outcome, SummitNotice)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, InvalidTransition)]
    assert (len(stored), len(refused)) == (1, 1), outcomes
    assert "was filed" in str(refused[0])
    assert list(SummitNotice.objects.values_list("pk", flat=True)) == [stored[0].pk]


def test_two_filings_of_one_summit_at_once_store_one(on_trip):
    for _ in range(ROUNDS):
        SummitNotice.objects.all().delete()

        one_stored_one_refused(filings_at_once(on_trip.application, [None, user("operator-kz")]))

    assert AuditEntry.objects.filter(action="summit_notice.file").count() == ROUNDS
    assert audit_verify() == []


def test_control_without_the_row_lock_the_constraint_still_keeps_one(on_trip, monkeypatch):
    both_have_looked = threading.Barrier(2)
    look = services.summit_filed

    def look_then_wait_for_the_other(application, peak):
        filed = look(application, peak)
        both_have_looked.wait(timeout=10)
        return filed

    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    monkeypatch.setattr(services, "summit_filed", look_then_wait_for_the_other)

    one_stored_one_refused(filings_at_once(on_trip.application, [None, user("operator-kz")]))
    assert AuditEntry.objects.filter(action="summit_notice.file").count() == 1
    assert audit_verify() == []
