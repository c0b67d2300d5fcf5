"""A past season of records, invented and reproducible: the demo's history (`demo.py`, ~150 groups) and,
scaled up, the benchmark's season of a million crossing events (`bench/indicators.py`).

Same seed, same season: every choice comes from one `random.Random(seed)`, and ids of crossing events
are drawn from it too. Rows are bulk-inserted (no services, no audit entries, no mail): this is history
being loaded, not work being done. Every generated row is recognisable: application references
`KT-<year>-H00001…` (the "H" series, which `_next_reference` never gives), devices labelled
"generated …", notes starting "generated".

What a season holds: applications on the demo programmes (`expeditions.demo.PROGRAMMES`) of the demo
companies, approved (closed after the trip), rejected (with the reason of the authority that refused)
or withdrawn; members with sealed passport data (invented people, a mix of nationalities); a decision
of every required authority; the approved groups' crossing events at their planned checkpoints (a few
refused scans; a few late exits refused as EXPIRED, which still count as exits); summit and descent
notices; overdue alerts with what officers did about them. Every group comes out (an exit for every
member, or a descent notice after the last scan), so the live presence and overdue sweep leave this
history alone.

Trips keep to what the registry allows, as real records must (`_Calendar`): a trip starts and ends in its
route's season, and every resource-day its itinerary needs (checkpoints, base camps, helicopter legs, as
capacity's own `application_demand` reckons them) is open on that day, capacity's `capacities` deciding
(registry season and status, the day's override); so is the first checkpoint the day before (a group
that comes early is turned back then), and a late group's exit checkpoints on the day it comes out.
With plans, an approved group also fits: its confirmed hold never takes a resource-day past its capacity
(a group that fits on no day is refused, for the capacity). The benchmark's season (no plans, no holds)
keeps to the open days only: its million events are far more people than the registry's capacity lets
through in a season.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tengri.accounts.models import Company
from tengri.approvals.models import Decision
from tengri.capacity.demand import application_demand, resources_sync
from tengri.capacity.models import Hold, HoldLine, Resource, ResourceDay
from tengri.capacity.selectors import Key, capacities, live_lines
from tengri.checkpoints.models import Device
from tengri.documents.crypto import lookup_index, seal
from tengri.expeditions.demo import COMPANIES, PROGRAMMES
from tengri.expeditions.members import PASSPORT_INDEX
from tengri.expeditions.models import Application, Guide, ItineraryDay, Member, PlannedPassage
from tengri.indicators.season_events import events_create, notices_and_alerts_create, utc_at
from tengri.registry.models import Checkpoint, Place, Route
from tengri.registry.selectors import route_required_authorities

State = Application.State
BATCH = 5000
CHUNK = 1000  # groups generated and inserted together
SERIES = "H"  # references KT-<year>-H00001…
# (ICAO nationality code as the MRZ writes it, weight): Germany is "D".
NATIONALITIES = [
    ("KAZ", 20), ("RUS", 18), ("KGZ", 10), ("D", 8), ("POL", 7), ("CZE", 6), ("GBR", 6), ("USA", 5),
    ("JPN", 4), ("CHN", 4), ("FRA", 3), ("ITA", 3), ("ESP", 2), ("KOR", 2), ("UKR", 2),
]  # fmt: skip
SURNAMES = [
    "ABDRAKHMANOV", "BEKOVA", "CHERNOV", "DVORAK", "EVANS", "FISCHER", "GARCIA", "HASHIMOTO", "IVANOVA",
    "JANSSEN", "KOWALSKI", "LI", "MOREAU", "NURLANOV", "ORLOVA", "PARK", "QUINN", "ROSSI", "SATO", "TOKTOGULOV",
    "USENOV", "VOLKOV", "WANG", "YUSUPOVA", "ZAKHAROV", "NOVAKOVA", "SMITH", "WEBER", "KIM", "BAKIEV",
]  # fmt: skip
GIVEN = ["ANNA", "ASKAR", "BAKYT", "CHEN", "DANA", "ERIK", "FATIMA", "GULNARA", "HANS", "IGOR", "JAN", "KENJI",
         "LUCIA", "MARAT", "NINA", "OLEG", "PAVEL", "RUSLAN", "SARA", "TOMAS", "YUKI", "ZHANNA"]  # fmt: skip
FULL = "the entry day's checkpoint capacity is exhausted"
REJECTION_REASONS = [
    "the insurance does not cover helicopter rescue above 6000 m",
    "the leader's qualification is below the route's grade",
    FULL,
    "a passport expires less than six months after the trip",
]
LATE_DAYS = 2  # a late group comes out this many days after its planned exit
WITHDRAWAL_NOTE = "generated: the group cancelled its trip"


@dataclass
class GeneratedSeason:
    """How many rows of each kind one run created."""

    applications: int = 0
    members: int = 0
    decisions: int = 0
    events: int = 0
    summit_notices: int = 0
    descent_notices: int = 0
    alerts: int = 0
    hold_lines: int = 0
    references: list[str] = field(default_factory=list)


def season_exists(year: int) -> bool:
    return Application.objects.filter(reference__startswith=f"KT-{year}-{SERIES}").exists()


def season_generate(*, year: int, groups: int, seed: int, with_plans: bool = True) -> GeneratedSeason:
    """Create `groups` applications of a past season in `year` and everything that follows from them.

    Needs the registry demo and the demo companies (`demo_season_load`, `demo_people_load`). Creates
    nothing when the year's generated series exists (returns an empty result). `with_plans` adds the
    itineraries, planned passages and capacity holds (the demo wants them; the benchmark's million
    events do not need them). Not atomic by itself: callers wrap it in a transaction."""
    made = GeneratedSeason()
    if season_exists(year):
        return made
    rng = random.Random(seed)  # noqa: S311 (invented history, reproducible on purpose; nothing secret)
    world = _World.load(year)
    world.calendar = _Calendar.load(world, with_capacity=with_plans)
    for first in range(1, groups + 1, CHUNK):  # a chunk at a time: a million events never sit in memory
        plans = [_plan(rng, world, year, number) for number in range(first, min(first + CHUNK, groups + 1))]
        _chunk_create(rng, world, plans, made, with_plans=with_plans)
    return made


def _chunk_create(rng: random.Random, world: _World, plans: list[_Plan], made: GeneratedSeason, *, with_plans: bool):
    applications = Application.objects.bulk_create([plan.application for plan in plans], batch_size=BATCH)
    for plan, application in zip(plans, applications, strict=True):
        plan.application = application
        for member in plan.members:
            member.application = application
    members = Member.objects.bulk_create([m for plan in plans for m in plan.members], batch_size=BATCH)
    made.applications += len(applications)
    made.members += len(members)
    made.references += [application.reference for application in applications]
    made.decisions += len(Decision.objects.bulk_create(_decisions(rng, world, plans), batch_size=BATCH))
    if with_plans:
        made.hold_lines += _plans_and_holds(world, plans)
    made.events += events_create(rng, world, plans)
    summits, descents, alerts = notices_and_alerts_create(rng, world, plans)
    made.summit_notices += summits
    made.descent_notices += descents
    made.alerts += alerts


# --- The world a season happens in ---------------------------------------------------------------------------


@dataclass
class _World:
    year: int
    companies: list[Company]
    leaders: dict[int, list[Guide]]  # company id → guides
    routes: dict[str, Route]
    authorities: dict[str, list[str]]
    checkpoints: dict[str, Checkpoint]
    devices: dict[str, Device]
    places: dict[str, Place]
    officers: dict[str, Any]  # authority → its demo officer (None when the demo users are absent)
    calendar: _Calendar | None = None  # when trips may start (`season_generate` sets it)

    @classmethod
    def load(cls, year: int) -> _World:
        from django.contrib.auth import get_user_model

        companies = list(Company.objects.filter(licence_number__in=[row[2] for row in COMPANIES]).order_by("pk"))
        if len(companies) != len(COMPANIES):
            raise LookupError("load the demo companies first (tengri.expeditions.demo.demo_people_load)")
        routes = {route.code: route for route in Route.objects.filter(code__in=PROGRAMMES).order_by("code")}
        codes = sorted({checkpoint for _nights, passages in PROGRAMMES.values() for _n, checkpoint, _way in passages})
        checkpoints = {checkpoint.code: checkpoint for checkpoint in Checkpoint.objects.filter(code__in=codes)}
        devices = {
            code: Device.objects.get_or_create(checkpoint=checkpoints[code], label=f"generated {code} laptop")[0]
            for code in codes
        }
        users = get_user_model().objects
        return cls(
            year=year,
            companies=companies,
            leaders={
                company.pk: list(
                    Guide.objects.filter(company=company, qualification_grade__gte="5A")
                    .select_related("company")
                    .order_by("pk")
                )
                or list(Guide.objects.filter(company=company).select_related("company").order_by("pk"))
                for company in companies
            },
            routes=routes,
            authorities={
                code: route_required_authorities(route) or [route.access_country] for code, route in routes.items()
            },
            checkpoints=checkpoints,
            devices=devices,
            places={place.code: place for place in Place.objects.all()},
            officers={country: users.filter(username=f"officer-{country.lower()}").first() for country in ("KZ", "KG")},
        )


@dataclass
class _Plan:
    application: Application
    members: list[Member]
    outcome: str  # approved, rejected, withdrawn
    late: bool = False  # came out after the planned exit: permits expired, alerts raised
    reason: str = ""  # why it was refused, when the generator knows (no room on any day)


def _plan(rng: random.Random, world: _World, year: int, number: int) -> _Plan:
    route_code = rng.choice(sorted(world.routes))
    route = world.routes[route_code]
    company = rng.choice(world.companies)
    nights, _passages = PROGRAMMES[route_code]
    outcome = rng.choices(["approved", "rejected", "withdrawn"], weights=[82, 9, 9])[0]
    size = rng.choice([2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10])
    late = outcome == "approved" and rng.random() < 0.05
    assert world.calendar is not None  # set by season_generate
    people = size if outcome == "approved" else 0  # only an approved group's hold takes places
    start = world.calendar.start(rng, route_code, people=people, late=late)
    if start is None and late:  # no day with room would see its exit checkpoints open later: it is on time
        late = False
        start = world.calendar.start(rng, route_code, people=people, late=False)
    reason = ""
    if start is None:  # no day left with room for the group: refused, as capacity would refuse it
        outcome, late, reason = "rejected", False, FULL
        start = world.calendar.start(rng, route_code, people=0, late=False)
        assert start is not None  # `_Calendar.load` makes sure every route has an open day
    submitted = utc_at(start - timedelta(days=rng.randrange(30, 90)), rng.randrange(3, 12))
    application = Application(
        reference=f"KT-{year}-{SERIES}{number:05d}",
        company=company,
        route=route,
        start_date=start,
        end_date=start + timedelta(days=len(nights)),
        state={"approved": State.CLOSED, "rejected": State.REJECTED, "withdrawn": State.WITHDRAWN}[outcome],
        review_round=1,
        emergency_contact_name="Generated Contact",
        emergency_contact_phone="+7 701 555 0199",
        insurance_policy=f"GEN-{year}-{number:05d}",
        required_authorities=world.authorities[route_code],
        submitted_at=submitted,
    )
    leader = rng.choice(world.leaders[company.pk]) if world.leaders[company.pk] else None
    members = [_member(rng, year, number, index, leader if index == 0 else None) for index in range(size)]
    return _Plan(application, members, outcome, late=late, reason=reason)


def _member(rng: random.Random, year: int, group: int, index: int, guide: Guide | None) -> Member:
    nationality = rng.choices([code for code, _w in NATIONALITIES], weights=[w for _c, w in NATIONALITIES])[0]
    if guide is not None:
        surname, given = [*guide.full_name.split(" ", 1), ""][:2]
        nationality = "KAZ" if guide.company.country == "KZ" else "KGZ"
    else:
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
    number = f"G{year % 100:02d}{group:05d}{index:02d}"
    born = date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
    return Member(
        role=Member.Role.LEADER if guide else Member.Role.MEMBER,
        guide=guide,
        surname=surname,
        given_names=given,
        nationality=nationality,
        issuing_state=nationality,
        sex=rng.choice("MF"),
        document_expiry=date(year + 6, 5, 20),
        document_number_sealed=seal(number),
        document_number_index=lookup_index(PASSPORT_INDEX, number),
        birth_date_sealed=seal(born.isoformat()),
        added_in_round=1,
    )


# --- Decisions ----------------------------------------------------------------------------------------------


def _decisions(rng: random.Random, world: _World, plans: list[_Plan]) -> list[Decision]:
    """Every required authority decides (a withdrawn group: those that decided before it withdrew)."""
    decisions = []
    for plan in plans:
        application = plan.application
        authorities = list(application.required_authorities)
        refuser = rng.choice(authorities) if plan.outcome == "rejected" else None
        deciding = authorities[: rng.randrange(len(authorities) + 1)] if plan.outcome == "withdrawn" else authorities
        submitted = application.submitted_at
        assert submitted is not None  # every generated application was submitted
        last = submitted
        for authority in deciding:  # a refusal ends the review: nobody decides after it
            hours = rng.choice([6, 18, 30, 52, 75, 100, 140]) + rng.random() * 20
            decided = submitted + timedelta(hours=hours)
            refuses = authority == refuser
            decisions.append(
                Decision(
                    application=application,
                    review_round=1,
                    authority=authority,
                    verdict=Decision.Verdict.REJECT if refuses else Decision.Verdict.APPROVE,
                    reason=(plan.reason or rng.choice(REJECTION_REASONS)) if refuses else "",
                    officer=world.officers.get(authority),
                    decided_at=decided,
                )
            )
            last = max(last, decided)
            if refuses:
                break
        _finish(application, plan, last, rng)
    Application.objects.bulk_update(
        [plan.application for plan in plans], ["decided_at", "first_approved_at", "closed_at"], batch_size=BATCH
    )
    return decisions


def _finish(application: Application, plan: _Plan, last_decision: datetime, rng: random.Random) -> None:
    if plan.outcome == "approved":
        application.decided_at = application.first_approved_at = last_decision
        application.closed_at = utc_at(application.end_date + timedelta(days=3), 9)
    elif plan.outcome == "rejected":
        application.decided_at = application.closed_at = last_decision
    else:
        application.closed_at = last_decision + timedelta(days=rng.randrange(1, 20))


# --- Itineraries and capacity --------------------------------------------------------------------------------


def _plans_and_holds(world: _World, plans: list[_Plan]) -> int:
    """Nights, planned passages and, for approved groups, a confirmed hold of what the itinerary needs
    (the capacity package's own demand). Returns how many hold lines were made."""
    nights, passages = [], []
    for plan in plans:
        application_nights, application_passages = _itinerary(world, plan.application)
        nights += application_nights
        passages += application_passages
    ItineraryDay.objects.bulk_create(nights, batch_size=BATCH)
    PlannedPassage.objects.bulk_create(passages, batch_size=BATCH)
    resources_sync()
    demands = {
        plan.application.pk: application_demand(plan.application, people=len(plan.members))
        for plan in plans
        if plan.outcome == "approved"
    }
    keys = {key for demand in demands.values() for key in demand}
    if not keys:
        return 0
    ResourceDay.objects.bulk_create(
        [ResourceDay(resource_id=resource, day=day) for resource, day in keys], ignore_conflicts=True
    )
    days = {
        (row.resource_id, row.day): row.pk
        for row in ResourceDay.objects.filter(
            day__gte=min(day for _r, day in keys),
            day__lte=max(day for _r, day in keys),
            resource_id__in={r for r, _d in keys},
        )
    }
    holds = Hold.objects.bulk_create(
        [
            Hold(application_id=pk, state=Hold.State.CONFIRMED, people=max(demand.values(), default=0))
            for pk, demand in demands.items()
        ]
    )
    lines = [
        HoldLine(hold=hold, resource_day_id=days[key], people=people)
        for hold in holds
        for key, people in demands[hold.application_id].items()
    ]
    return len(HoldLine.objects.bulk_create(lines, batch_size=BATCH))


def _itinerary(world: _World, application: Application) -> tuple[list[ItineraryDay], list[PlannedPassage]]:
    """The application's nights and planned passages: its route's programme from its start day."""
    programme_nights, programme_passages = PROGRAMMES[application.route.code]
    nights = [
        ItineraryDay(
            application=application,
            date=application.start_date + timedelta(days=offset),
            sleeping_place=world.places[code],
        )
        for offset, code in enumerate(programme_nights)
    ]
    passages = [
        PlannedPassage(
            application=application,
            date=application.start_date + timedelta(days=offset),
            checkpoint=world.checkpoints[code],
            direction=way,
        )
        for offset, code, way in programme_passages
    ]
    return nights, passages


# --- When trips may start ------------------------------------------------------------------------------------

Need = dict[tuple[int, int], int]  # {(resource id, days after the start): places one person takes}


@dataclass
class _Calendar:
    """When each route's trips may start (the module docstring says what a trip keeps to), and the room
    left on each resource-day as the generator hands it out to approved groups."""

    needs: dict[str, Need]  # route code → what one person on its programme needs
    open_starts: dict[str, list[date]]  # route code → start days in its season with every resource-day open
    late_exits: dict[str, list[tuple[int, int]]]  # route code → (checkpoint resource, day) of a late exit
    limit: dict[Key, int]  # capacity's reckoning of each resource-day a trip may need
    taken: dict[Key, int]  # places taken: by live holds already there, then by the generated groups
    with_capacity: bool  # approved groups take places (with plans: their holds do)

    @classmethod
    def load(cls, world: _World, *, with_capacity: bool) -> _Calendar:
        resources_sync()  # every resource exists before the probes (a resource made in their savepoint would go)
        needs = _route_needs(world)
        resource_of = dict(
            Resource.objects.filter(checkpoint__isnull=False).values_list("checkpoint__code", "pk").order_by()
        )
        late_exits = {
            code: [
                (resource_of[checkpoint], offset + LATE_DAYS)
                for offset, checkpoint, way in PROGRAMMES[code][1]
                if way == "out"
            ]
            for code in world.routes
        }
        # A group that comes a day early is turned back at its first checkpoint (`season_events`): open then too.
        early = {
            code: [(resource_of[checkpoint], offset - 1) for offset, checkpoint, _way in PROGRAMMES[code][1][:1]]
            for code in world.routes
        }
        in_season = {code: _route_season_starts(world.routes[code], world.year) for code in world.routes}
        keys = {
            (resource, start + timedelta(days=offset))
            for code, starts in in_season.items()
            for start in starts
            for resource, offset in [*needs[code], *early[code], *late_exits[code]]
        }
        limit = {key: day.capacity for key, day in capacities(sorted(keys)).items()}
        open_starts = {
            code: [day for day in starts if _all_open(limit, [*needs[code], *early[code]], day)]
            for code, starts in in_season.items()
        }
        closed = sorted(code for code, starts in open_starts.items() if not starts)
        if closed:
            raise LookupError(f"no day in {world.year} when everything the route {', '.join(closed)} needs is open")
        return cls(needs, open_starts, late_exits, limit, _taken_now(keys), with_capacity)

    def start(self, rng: random.Random, route: str, *, people: int, late: bool) -> date | None:
        """A start day for a group of `people` on the route (0: a group that takes no places), drawn
        among the days that fit; the group's places are taken. None when no day fits."""
        days = self.open_starts[route]
        takes = self.with_capacity and people > 0
        if late or takes:
            days = [
                day
                for day in days
                if (not late or _all_open(self.limit, self.late_exits[route], day))
                and (not takes or self._room(route, day, people))
            ]
        if not days:
            return None
        day = rng.choice(days)
        if takes:
            for (resource, offset), places in self.needs[route].items():
                key = (resource, day + timedelta(days=offset))
                self.taken[key] = self.taken.get(key, 0) + places * people
        return day

    def _room(self, route: str, day: date, people: int) -> bool:
        need = self.needs[route]
        return all(
            self.taken.get(key, 0) + places * people <= self.limit[key]
            for (resource, offset), places in need.items()
            for key in [(resource, day + timedelta(days=offset))]
        )


def _all_open(limit: dict[Key, int], needs, day: date) -> bool:
    return all(limit[(resource, day + timedelta(days=offset))] > 0 for resource, offset in needs)


def _route_season_starts(route: Route, year: int) -> list[date]:
    """The days of `year` a trip on the route may start: it starts and ends in the route's season (the
    pre-screen refuses any other)."""
    length = timedelta(days=len(PROGRAMMES[route.code][0]))
    first = date(year, 1, 1)
    days = (first + timedelta(days=offset) for offset in range((date(year + 1, 1, 1) - first).days))
    return [day for day in days if route.in_season(day) and route.in_season(day + length)]


class _ProbesDone(Exception):
    """Raised to roll back the probe applications of `_route_needs`."""


def _route_needs(world: _World) -> dict[str, Need]:
    """What one person on each route's programme needs, per resource and days after the start, as
    capacity's own `application_demand` reckons it (checkpoints, base camps, helicopter legs): a probe
    application of each route is made in a savepoint and rolled back. The need moves with the start day,
    so one probe tells it for every day."""
    start = date(world.year, 1, 1)
    needs: dict[str, Need] = {}
    try:
        with transaction.atomic():
            for number, code in enumerate(sorted(world.routes), start=1):
                probe = Application.objects.create(
                    reference=f"KT-{world.year}-P{number:05d}",
                    company=world.companies[0],
                    route=world.routes[code],
                    start_date=start,
                    end_date=start + timedelta(days=len(PROGRAMMES[code][0])),
                )
                nights, passages = _itinerary(world, probe)
                ItineraryDay.objects.bulk_create(nights)
                PlannedPassage.objects.bulk_create(passages)
                needs[code] = {
                    (resource, (day - start).days): places
                    for (resource, day), places in application_demand(probe, people=1).items()
                }
            raise _ProbesDone
    except _ProbesDone:
        pass
    return needs


def _taken_now(keys: set[Key]) -> dict[Key, int]:
    """Places live holds take now on the resource-days of `keys` (capacity's own `live_lines`)."""
    if not keys:
        return {}
    first, last = min(day for _r, day in keys), max(day for _r, day in keys)
    rows = (
        live_lines(timezone.now())
        .filter(resource_day__day__gte=first, resource_day__day__lte=last)
        .values("resource_day__resource_id", "resource_day__day")
        .annotate(people=Sum("people"))
        .values_list("resource_day__resource_id", "resource_day__day", "people")
    )
    return {(resource, day): people for resource, day, people in rows}
