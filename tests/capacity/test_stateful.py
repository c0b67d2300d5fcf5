"""A hypothesis state machine drives holds through every move in any order: place (a save), submit,
confirm (approval), release (rejection, withdrawal), the clock running on with the expiry sweep,
joining the waitlist and offering freed capacity to it. A model of what should be held runs beside it.

After every step: what is held on each resource-day never exceeds its capacity (sold ≤ capacity), and
what the database holds is exactly what the model expects, no more (nothing held for a group that
gave it back or let it expire) and no less (no capacity lost: every refusal was a real shortage).

Five groups of two to six people share the factories' KT-N-KZ programme; the helipad on the fly-in
day takes 9 and the base camp on 19 July sleeps 7, so they crowd each other out.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tengri.capacity import selectors, services
from tengri.capacity.demand import application_demand
from tengri.capacity.models import Hold, HoldLine, ResourceDay, WaitlistEntry
from tengri.core.errors import InvalidTransition
from tengri.expeditions.models import Application
from tests import factories
from tests.capacity.conftest import FLY_IN, NOW, PAD, set_capacity

CAMP_NIGHT = date(2027, 7, 19)
HOLD = timedelta(minutes=30)
KEPT = ("submitted", "confirmed")


@dataclass
class Expected:
    """What the model expects one group to hold: nothing (None) or a state and, if held, its expiry."""

    state: str | None = None
    expires_at: datetime | None = None
    short: bool = False  # the last request did not fit

    def live(self, now: datetime) -> bool:
        return self.state in KEPT or (self.state == "held" and self.expires_at is not None and self.expires_at > now)


@dataclass
class World:
    applications: list[Application]
    demand: list[dict]
    capacity: dict = field(default_factory=dict)


@pytest.fixture
def world(operator, resources) -> World:
    set_capacity(PAD, FLY_IN, 9, reason="test")
    set_capacity("base_camp:north-inylchek-bc", CAMP_NIGHT, 7, reason="test")
    applications = [factories.application_complete(actor=operator, climbers=n) for n in range(1, 6)]
    demand = [application_demand(application) for application in applications]
    keys = sorted(demand[0])
    assert all(sorted(need) == keys for need in demand)
    limits = selectors.capacities(keys)
    return World(applications, demand, {key: limits[key].capacity for key in keys})


class Holds(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.expected = [Expected() for _ in self.world.applications]
        self.waiting: list[int] = []  # groups in the order they joined

    def teardown(self) -> None:
        WaitlistEntry.objects.all().delete()
        HoldLine.objects.all().delete()
        Hold.objects.all().delete()

    # --- the model ---

    def left(self, key, *, besides: int) -> int:
        others = sum(
            self.world.demand[index][key]
            for index, expected in enumerate(self.expected)
            if index != besides and expected.live(self.now)
        )
        return self.world.capacity[key] - others

    def fits(self, index: int) -> bool:
        return all(people <= self.left(key, besides=index) for key, people in self.world.demand[index].items())

    def placed(self, index: int, state: str) -> None:
        before = self.expected[index]
        if state == "held" and before.state == "held" and before.live(self.now):
            expires = before.expires_at  # a save extends nothing: 30 minutes from the first placement
        else:
            expires = self.now + HOLD if state == "held" else None
        self.expected[index] = Expected(state, expires)
        if index in self.waiting:
            self.waiting.remove(index)

    def refused(self, index: int) -> None:
        expected = self.expected[index]
        if expected.live(self.now) and expected.state in KEPT:
            expected.short = True
        else:
            self.expected[index] = Expected(short=True)

    # --- the moves ---

    @rule(index=st.integers(0, 4))
    def place(self, index: int) -> None:
        fits, kept = self.fits(index), self.expected[index]
        result = services.hold_place(actor=None, application=self.world.applications[index], now=self.now)
        assert result.fits == fits
        if fits:
            self.placed(index, kept.state if kept.live(self.now) and kept.state in KEPT else "held")
        else:
            self.refused(index)

    @rule(index=st.integers(0, 4))
    def submit(self, index: int) -> None:
        fits, kept = self.fits(index), self.expected[index]
        application = self.world.applications[index]
        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=application.pk)
                services.hold_for_submission(application=application, now=self.now)
        except InvalidTransition:
            assert not fits
            return
        assert fits
        self.placed(index, "confirmed" if kept.live(self.now) and kept.state == "confirmed" else "submitted")

    @rule(index=st.integers(0, 4))
    def confirm(self, index: int) -> None:
        fits, kept = self.fits(index), self.expected[index]
        result = services.hold_confirm(application=self.world.applications[index], now=self.now)
        assert result.fits == fits
        if fits:
            self.placed(index, "confirmed")
        elif kept.live(self.now):
            self.expected[index] = Expected("confirmed", None, short=True)
        else:
            self.refused(index)

    @rule(index=st.integers(0, 4))
    def release(self, index: int) -> None:
        services.hold_release(actor=None, application=self.world.applications[index], reason="test", now=self.now)
        self.expected[index] = Expected()
        if index in self.waiting:
            self.waiting.remove(index)

    @rule(minutes=st.integers(1, 40))
    def clock_runs_and_the_sweep_expires(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        expired = {hold.application_id for hold in services.holds_expire(now=self.now)}
        due = {
            self.world.applications[index].pk
            for index, expected in enumerate(self.expected)
            if expected.state == "held" and not expected.live(self.now)
        }
        assert expired == due
        for index, expected in enumerate(self.expected):
            if expected.state == "held" and not expected.live(self.now):
                self.expected[index] = Expected()

    @rule(index=st.integers(0, 4))
    def join_the_waitlist(self, index: int) -> None:
        application = self.world.applications[index]
        if not self.expected[index].short:
            with pytest.raises(InvalidTransition):
                services.waitlist_join(actor=None, application=application, now=self.now)
            return
        services.waitlist_join(actor=None, application=application, now=self.now)
        if index not in self.waiting:
            self.waiting.append(index)

    @rule()
    def offer_to_the_waitlist(self) -> None:
        expected_served = []
        for index in list(self.waiting):
            if self.fits(index):
                kept = self.expected[index]
                self.placed(index, kept.state if kept.live(self.now) and kept.state in KEPT else "held")
                expected_served.append(self.world.applications[index].pk)
        served = [result.hold.application_id for result in services.waitlist_offer(now=self.now)]
        assert served == expected_served

    # --- what must always hold ---

    @invariant()
    def never_more_than_the_capacity_and_exactly_what_is_expected(self) -> None:
        days = {(row.resource_id, row.day): row.pk for row in ResourceDay.objects.all()}
        taken = selectors.taken(list(days.values()), now=self.now)
        for key, capacity in self.world.capacity.items():
            held = taken.get(days.get(key, 0), 0)
            assert held <= capacity, f"sold {held} of {capacity} on {key}"
            expected = sum(
                self.world.demand[index][key]
                for index, expected_hold in enumerate(self.expected)
                if expected_hold.live(self.now)
            )
            assert held == expected, f"{key}: held {held}, expected {expected}"

    @invariant()
    def each_group_holds_what_the_model_says(self) -> None:
        holds = {hold.application_id: hold for hold in Hold.objects.all()}
        for index, expected in enumerate(self.expected):
            hold = holds.get(self.world.applications[index].pk)
            live = (
                {
                    (line.resource_day.resource_id, line.resource_day.day): line.people
                    for line in selectors.live_lines(self.now).filter(hold=hold).select_related("resource_day")
                }
                if hold
                else {}
            )
            assert live == (self.world.demand[index] if expected.live(self.now) else {}), index
            if expected.live(self.now):
                assert hold is not None and hold.state == expected.state

    @invariant()
    def the_waitlist_is_as_expected(self) -> None:
        waiting = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).order_by("joined_at", "id")
        order = list(dict.fromkeys(waiting.values_list("application_id", flat=True)))
        assert order == [self.world.applications[index].pk for index in self.waiting]


def test_holds_never_oversell_and_never_lose_capacity(world):
    Holds.world = world
    run_state_machine_as_test(
        Holds,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
