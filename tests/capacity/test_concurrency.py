"""Many operators booking the same resource-days at the same moment, on PostgreSQL, each from its own
thread and connection (as parallel web requests). Every booking locks the resource-days it needs in
one sorted statement and recounts inside the lock, so what is held never exceeds the capacity, and a
request is refused only when what it needs really exceeds what is left: no capacity is lost either.

The control switches the lock off (`locking.LOCKING`, a test-only flag) and lets every request recount
before any writes, the interleaving the lock exists to prevent: the resource-days are then oversold.
"""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from tengri.approvals.services import decision_record
from tengri.capacity import locking, placement, selectors, services
from tengri.capacity.models import Hold, HoldLine, Resource, ResourceDay
from tengri.core.audit import audit_verify
from tengri.core.errors import Busy, InvalidTransition
from tengri.expeditions import services as expeditions
from tests import factories
from tests.capacity.conftest import FLY_IN, NOW, PAD, set_capacity

pytestmark = pytest.mark.postgres
ROUNDS = 10
THREADS = 24
CAPACITY = 10


@pytest.fixture
def world(transactional_db, on_postgres, demo_season, settings):
    settings.TENGRI_CAPACITY_LOCK_TIMEOUT_MS = 30_000  # the race tests wait; Busy has its own test
    operator = factories.operator()
    from tengri.capacity.demand import resources_sync

    resources_sync()
    return operator


def resource_days(count: int) -> list[tuple[int, object]]:
    """`count` consecutive days on the base camp's helipad, each with CAPACITY places."""
    pad = Resource.objects.get(code=PAD)
    days = [FLY_IN + timedelta(days=offset) for offset in range(count)]
    for day in days:
        set_capacity(PAD, day, CAPACITY, reason="test capacity")
    return [(pad.pk, day) for day in days]


def book_at_once(requests: list[tuple]) -> list[object]:
    """Each (application, demand) books in its own thread, all released together; what each got."""
    start = threading.Barrier(len(requests))
    outcomes: list[object] = [None] * len(requests)

    def book(index: int, application, demand) -> None:
        try:
            start.wait(timeout=30)
            result = services.hold_place(actor=None, application=application, demand=demand, now=NOW)
            outcomes[index] = "fits" if result.fits else "short"
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a booking hung"
    return outcomes


def held(keys) -> dict:
    """People held on each resource-day, recounted from the lines."""
    ids = {(row.resource_id, row.day): row.pk for row in ResourceDay.objects.all()}
    taken = selectors.taken([ids[key] for key in keys if key in ids], now=NOW)
    return {key: taken.get(ids.get(key, 0), 0) for key in keys}


def release_all(applications) -> None:
    for application in applications:
        services.hold_release(actor=None, application=application, reason="next round", now=NOW)


def test_parallel_bookings_never_sell_more_than_the_capacity_nor_refuse_what_fits(world):
    applications = [factories.application_draft(actor=world) for _ in range(THREADS)]
    keys = resource_days(3)
    chooser = random.Random(6)  # a reproducible mix
    for round_number in range(ROUNDS):
        # Overlapping sets named in any order: (A, B), (B, C), (A, C), (A, B, C), sizes 1 to 5.
        requests = []
        for application in applications:
            wanted = chooser.sample(keys, chooser.randint(1, 3))
            requests.append((application, {key: chooser.randint(1, 5) for key in wanted}))

        outcomes = book_at_once(requests)

        assert all(outcome in ("fits", "short") for outcome in outcomes), outcomes
        final = held(keys)
        assert all(final[key] <= CAPACITY for key in keys), (round_number, final)
        fitted = [demand for (_app, demand), outcome in zip(requests, outcomes, strict=True) if outcome == "fits"]
        assert final == {key: sum(demand.get(key, 0) for demand in fitted) for key in keys}
        for (_application, demand), outcome in zip(requests, outcomes, strict=True):
            if outcome == "short":  # refused only when something it needs is really not left
                assert any(people > CAPACITY - final[key] for key, people in demand.items()), (demand, final)
        release_all(applications)
    assert audit_verify() == []


def test_parallel_bookings_of_real_itineraries_fill_the_helipad_and_no_more(world):
    """The whole path: each group's demand from its itinerary (four people, fourteen resource-days)."""
    set_capacity(PAD, FLY_IN, CAPACITY, reason="test capacity")  # two groups of four fit, not three
    applications = [factories.application_complete(actor=world) for _ in range(8)]
    for _round in range(3):
        outcomes = book_at_once([(application, None) for application in applications])

        assert sorted(outcomes) == ["fits"] * 2 + ["short"] * 6, outcomes
        pad = Resource.objects.get(code=PAD)
        assert held([(pad.pk, FLY_IN)]) == {(pad.pk, FLY_IN): 8}
        assert selectors.oversold(now=NOW) == []
        short = Hold.objects.filter(state=Hold.State.SHORT)
        assert {(row["resource"], row["left"]) for hold in short for row in hold.shortfalls} == {(PAD, 2)}
        release_all(applications)


def test_control_without_the_lock_the_same_rush_oversells(world, monkeypatch):
    applications = [factories.application_draft(actor=world) for _ in range(8)]
    keys = resource_days(1)
    # The rows exist before the rush, so no request waits on another's insert.
    services.hold_place(actor=None, application=applications[0], demand={keys[0]: 1}, now=NOW)
    release_all(applications[:1])
    everyone_has_counted = threading.Barrier(len(applications))
    recount = placement.day_limits

    def recount_then_wait_for_the_others(locked, **options):
        left = recount(locked, **options)
        everyone_has_counted.wait(timeout=30)
        return left

    monkeypatch.setattr(locking, "LOCKING", False)
    monkeypatch.setattr(placement, "day_limits", recount_then_wait_for_the_others)

    outcomes = book_at_once([(application, {keys[0]: 4}) for application in applications])

    assert outcomes == ["fits"] * 8, outcomes  # each saw ten places left
    assert held(keys) == {keys[0]: 32}  # ten places, thirty-two sold
    assert selectors.oversold(now=NOW) == [(PAD, keys[0][1], 32, CAPACITY)]


def test_a_booking_that_waits_too_long_for_the_lock_is_busy_and_changes_nothing(world, settings):
    settings.TENGRI_CAPACITY_LOCK_TIMEOUT_MS = 200
    holder, waiter = (factories.application_draft(actor=world) for _ in range(2))
    keys = resource_days(1)
    services.hold_place(actor=None, application=holder, demand={keys[0]: 1}, now=NOW)  # the row exists
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                locking.resource_days_lock(keys)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=hold_the_lock)
    other.start()
    try:
        assert locked.wait(timeout=30)
        with pytest.raises(Busy):
            services.hold_place(actor=None, application=waiter, demand={keys[0]: 1}, now=NOW)
    finally:
        release.set()
        other.join(timeout=30)
    assert not Hold.objects.filter(application=waiter).exists()
    assert services.hold_place(actor=None, application=waiter, demand={keys[0]: 1}, now=NOW).fits


def test_holds_growing_on_some_days_and_keeping_others_at_once_never_deadlock(world):
    """Review: a hold rewritten for days it did not lock checked their foreign keys at COMMIT and waited
    for a day another booking held, while holding the audit chain's lock: a deadlock (a 500). Every day
    of the demand is locked now. Pairs of holds each keep one day and grow on the other, crosswise."""
    day_a, day_b = resource_days(2)
    pairs = [(factories.application_draft(actor=world), factories.application_draft(actor=world)) for _ in range(4)]
    for first, second in pairs:
        for application in (first, second):
            assert services.hold_place(actor=None, application=application, demand={day_a: 1, day_b: 1}, now=NOW).fits
    # As if submitted: kept lines (no expiry) need no recount where they do not grow, the case that
    # locked only the growing day before.
    Hold.objects.update(state=Hold.State.SUBMITTED, expires_at=None)
    HoldLine.objects.update(expires_at=None)
    requests = []
    for first, second in pairs:
        requests += [(first, {day_a: 2, day_b: 1}), (second, {day_a: 1, day_b: 2})]

    outcomes = book_at_once(requests)

    assert all(outcome in ("fits", "short") for outcome in outcomes), outcomes  # no deadlock, no Busy
    final = held([day_a, day_b])
    # A kept hold that asks for more than is left keeps what it had: what is held is exactly that, plus
    # what the fitting requests asked for, and never more than the capacity.
    before = {day_a: 1, day_b: 1}
    holding = [
        demand if outcome == "fits" else before for (_a, demand), outcome in zip(requests, outcomes, strict=True)
    ]
    assert final == {key: sum(demand[key] for demand in holding) for key in before}, (final, outcomes)
    assert all(people <= CAPACITY for people in final.values()) and selectors.oversold(now=NOW) == []


# --- One application's own steps while others book the same resource-days ------------------------------

GROUP = 4  # the factories' groups: a leader and three climbers


def run_at_once(steps: list) -> list[object]:
    """Each step (a function of no arguments answering what came of it) in its own thread, all released
    together; what each answered, or the exception it raised."""
    start = threading.Barrier(len(steps))
    outcomes: list[object] = [None] * len(steps)

    def run(index: int, step) -> None:
        try:
            start.wait(timeout=30)
            outcomes[index] = step()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, step)) for index, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a step hung"
    return outcomes


def booking(application):
    def book() -> str:
        return "fits" if services.hold_place(actor=None, application=application, now=NOW).fits else "short"

    return book


def groups(world, count: int) -> list:
    """`count` complete drafts holding nothing (saving them placed holds after commit: given back)."""
    applications = [factories.application_complete(actor=world) for _ in range(count)]
    release_all(applications)
    return applications


def pad_held() -> int:
    pad = Resource.objects.get(code=PAD)
    return held([(pad.pk, FLY_IN)])[(pad.pk, FLY_IN)]


def test_submissions_while_others_book_hold_no_more_than_the_capacity_and_refuse_only_without_room(world):
    set_capacity(PAD, FLY_IN, 3 * GROUP, reason="test capacity")
    submitting, booking_groups = groups(world, 3), groups(world, 5)

    def submission(application):
        def submit() -> str:
            try:
                expeditions.application_submit(actor=world, application=application, today=factories.TODAY)
            except InvalidTransition as refused:
                assert "there is no room for the group: NIB-HP on 2027-07-15" in str(refused)
                return "refused"
            return "submitted"

        return submit

    outcomes = run_at_once([submission(a) for a in submitting] + [booking(a) for a in booking_groups])

    assert set(outcomes) <= {"submitted", "refused", "fits", "short"}, outcomes  # no deadlock, no Busy
    fitted = sum(outcome in ("submitted", "fits") for outcome in outcomes)
    assert pad_held() == GROUP * fitted <= 3 * GROUP
    assert fitted == 3, "refused only when there was no room left"
    for application, outcome in zip(submitting, outcomes, strict=False):
        application.refresh_from_db()
        hold = Hold.objects.get(application=application)
        # A refused submission rolls back whole: the hold stays as it was before (given back, no lines).
        expected = ("submitted", Hold.State.SUBMITTED) if outcome == "submitted" else ("draft", Hold.State.RELEASED)
        assert (application.state, hold.state, hold.lines.exists()) == (*expected, outcome == "submitted")
    assert selectors.oversold(now=NOW) == [] and audit_verify() == []


def test_approvals_while_others_book_keep_the_reservations_and_sell_only_what_is_left(world, officers):
    set_capacity(PAD, FLY_IN, 3 * GROUP, reason="test capacity")
    approving = [factories.application_submitted(actor=world) for _ in range(2)]
    booking_groups = groups(world, 5)

    def approval(application):
        def approve() -> str:
            for authority in application.required_authorities:
                officer = officers[authority]
                decision_record(actor=officer, application=application, authority=authority, verdict="approve")
            return "approved"

        return approve

    outcomes = run_at_once([approval(a) for a in approving] + [booking(a) for a in booking_groups])

    assert outcomes[:2] == ["approved", "approved"] and sorted(outcomes[2:]) == ["fits"] + ["short"] * 4, outcomes
    assert [Hold.objects.get(application=a).state for a in approving] == [Hold.State.CONFIRMED] * 2
    assert pad_held() == 3 * GROUP
    assert selectors.oversold(now=NOW) == [] and audit_verify() == []


def test_amendments_that_shrink_while_others_book_give_back_and_lose_nothing(world, officers):
    capacity = 2 * GROUP + 3  # two reservations of four and three places: one more group fits when both shrink
    set_capacity(PAD, FLY_IN, capacity, reason="test capacity")
    shrinking = [factories.application_approved(actor=world, officers_by_authority=officers) for _ in range(2)]
    assert pad_held() == 2 * GROUP
    booking_groups = groups(world, 5)

    def shrink(application):
        def leave() -> str:
            member = application.members.filter(role="member").first()
            expeditions.member_remove(
                actor=world, application=application, member_id=member.pk, today=factories.TODAY, reason="ill"
            )
            return "shrunk"

        return leave

    outcomes = run_at_once([shrink(a) for a in shrinking] + [booking(a) for a in booking_groups])

    assert outcomes[:2] == ["shrunk", "shrunk"] and set(outcomes[2:]) <= {"fits", "short"}, outcomes
    fitted = outcomes.count("fits")  # 0 or 1: a group that booked before the shrinks saw three places left
    assert pad_held() == 2 * (GROUP - 1) + GROUP * fitted <= capacity
    # The places given back are not lost: with none of the bookings in, one more group fits now.
    short = [group for group, outcome in zip(booking_groups, outcomes[2:], strict=True) if outcome == "short"]
    assert booking(short[0])() == ("fits" if fitted == 0 else "short")
    for application in shrinking:
        hold = Hold.objects.get(application=application)
        assert (hold.state, set(hold.lines.values_list("people", flat=True))) == (Hold.State.CONFIRMED, {GROUP - 1})
    assert selectors.oversold(now=NOW) == [] and audit_verify() == []
