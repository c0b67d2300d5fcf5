"""A node's retries arriving at once, on PostgreSQL, from threads (each with its own connection, as parallel
web requests): every event is stored exactly once, every answer is `stored` or `duplicate`, exactly one
answer per event says `stored`, and a refused scan raises one alert, not one per copy.

`events_ingest` locks the device row for the batch and reads back what its ON CONFLICT DO NOTHING insert
left. The control switches both off and lets every copy read before any writes: the database still
stores each event once (ON CONFLICT), but every copy then claims to have stored it, and the border
officers are mailed once per copy. Two exchanges of one enrolment token at once: one credential.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.db.models.query import QuerySet

from tengri.checkpoints import ingest
from tengri.checkpoints.devices import device_enrol, device_register, digest
from tengri.checkpoints.models import CrossingEvent, Device
from tengri.core.errors import InvalidInput
from tests import factories

from .conftest import DURING_TRIP, scan

pytestmark = pytest.mark.postgres
COPIES = 6
ROUNDS = 5


@pytest.fixture
def device_concurrent(transactional_db, on_postgres, demo_season) -> Device:
    """An enrolled device at KRK-HB-KZ (KZ), and a KZ border officer to be alerted."""
    factories.border_officer("KZ")
    _, token = device_register(actor=None, checkpoint_code="KRK-HB-KZ", label="KRK heli laptop")
    return device_enrol(token=token)[0]


def at_once(works: list[Callable[[], object]]) -> list[object]:
    """Each of `works` in its own thread, all released together; what each returned or raised."""
    start = threading.Barrier(len(works))
    outcomes: list[object] = [None] * len(works)

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            outcomes[index] = works[index]()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an upload hung"
    return outcomes


def batch() -> list[dict]:
    return [scan(), scan(direction="out"), scan(verdict="REVOKED", detail="revoked", holder_name="NOWAK PIOTR")]


def upload(device: Device, events: list[dict]) -> Callable[[], dict]:
    return lambda: ingest.events_ingest(device=device, sent_at=DURING_TRIP, events=events)


def stored_answers(outcomes: list) -> Counter:
    """How many copies answered `stored` for each event id."""
    return Counter(result["id"] for answer in outcomes for result in answer["results"] if result["status"] == "stored")


def test_identical_batches_at_once_store_each_event_once(device_concurrent):
    for _ in range(ROUNDS):
        events = batch()
        mail.outbox.clear()

        outcomes = at_once([upload(device_concurrent, events)] * COPIES)

        assert all(isinstance(answer, dict) for answer in outcomes), outcomes
        ids = [str(event["id"]) for event in events]
        assert CrossingEvent.objects.filter(pk__in=ids).count() == len(ids)
        for answer in outcomes:
            assert [result["id"] for result in answer["results"]] == ids
            assert {result["status"] for result in answer["results"]} <= {"stored", "duplicate"}
        assert stored_answers(outcomes) == Counter(ids)  # exactly one copy stored each event
        assert len(mail.outbox) == 1  # one alert for the refused scan, not one per copy


def test_overlapping_batches_at_once_store_the_union_once(device_concurrent):
    events = [scan() for _ in range(40)]
    halves = [events[:30], events[10:]]  # the middle twenty travel in both

    outcomes = at_once([upload(device_concurrent, half) for half in halves])

    assert all(isinstance(answer, dict) for answer in outcomes), outcomes
    assert CrossingEvent.objects.count() == 40
    assert stored_answers(outcomes) == Counter(str(event["id"]) for event in events)


def test_control_without_the_lock_and_the_read_back_every_copy_claims_the_events(device_concurrent, monkeypatch):
    events = batch()
    all_have_read = threading.Barrier(COPIES)
    stored_before = ingest._stored_before

    def read_then_wait_for_the_others(ids):
        rows = stored_before(ids)
        all_have_read.wait(timeout=10)
        return rows

    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    monkeypatch.setattr(ingest, "_stored_before", read_then_wait_for_the_others)
    monkeypatch.setattr(ingest, "_lost_races", lambda device, new, now: {})
    mail.outbox.clear()

    outcomes = at_once([upload(device_concurrent, events)] * COPIES)

    assert CrossingEvent.objects.count() == len(events)  # ON CONFLICT DO NOTHING still stores each once
    assert stored_answers(outcomes) == Counter({str(event["id"]): COPIES for event in events})  # but all say so
    assert len(mail.outbox) == COPIES


def test_one_token_exchanged_twice_at_once_gives_one_credential(transactional_db, on_postgres, demo_season):
    for _ in range(ROUNDS):
        device, token = device_register(actor=None, checkpoint_code="KRK", label="laptop")

        outcomes = at_once([lambda token=token: device_enrol(token=token)] * COPIES)

        credentials = [outcome[1] for outcome in outcomes if isinstance(outcome, tuple)]
        assert len(credentials) == 1, outcomes
        assert all(isinstance(outcome, InvalidInput) for outcome in outcomes if not isinstance(outcome, tuple))
        device.refresh_from_db()
        assert device.credential_hash == digest(credentials[0].split(".", 1)[1])
