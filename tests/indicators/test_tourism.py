"""The tourism indicators against a world counted by hand.

The period is May–July 2026 (1 May 00:00 UTC to 31 July 23:59:59 UTC); the year before is May–July 2025.
Every expected number below is written out, with why, from the world `hand_counted` builds: nothing is
computed from the code under test.

Applications (trips starting in the period count, by their state now). Decisions count as their
applications do: those on trips starting in the period, whenever made (A3's refusal in April counts, A7's
and A10's decisions in May and June do not).
  A1 KT-N-KZ 10 Jul, closed after the trip; 3 members (KAZ leader, D, POL) + 1 removed (CZE)
  A2 KT-S-KG 20 Jul, approved in round 1, amended and approved again in round 2; 2 members (KGZ, JPN)
  A3 KT-N-KZ 15 Jul, rejected by KZ ("insurance does not cover rescue") on 28 April, before the period
  A4 SRB-TREK 5 Jul, withdrawn before any decision
  A5 KT-S-KG 25 Jul, approved by both, then withdrawn (counts as withdrawn, its members not permitted)
  A6 KT-N-KZ 12 Jul, a draft (never submitted: not filed)
  A7 KT-N-KZ 1 Aug, approved (starts after the period: not counted; its KG decision is on 3 May)
  A8, A9 KT-S-KG 18/19 Jul, rejected by KG (both "the entry day's capacity is exhausted")
  A10 KT-S-KG 15 Aug, rejected by KG on 20 June (starts after the period: not counted)
  P1 KT-N-KZ 12 Jul 2025, closed; 2 members (KAZ, RUS). P2 SRB-TREK 1 Jun 2025, withdrawn.
"""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tengri.approvals.models import Decision
from tengri.capacity.models import Hold, HoldLine, Resource, ResourceDay
from tengri.checkpoints.models import CrossingEvent, DescentNotice, Device, OverdueAlert, SummitNotice
from tengri.documents.crypto import lookup_index, seal
from tengri.expeditions.models import Application, Member
from tengri.indicators.figures import Period
from tengri.indicators.tourism import tourism_indicators
from tengri.registry.models import Checkpoint, Route
from tests import factories

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 5, 1), date(2026, 7, 31))
State = Application.State


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    """Rows written straight into the tables (the services are tested elsewhere): the history as stored."""

    def __init__(self):
        self.company = factories.company()
        self.passports = []

    def application(self, reference, route, start, state, *, submitted=None, rnd=1, approved=None, authorities=None):
        route = Route.objects.get(code=route)
        return Application.objects.create(
            reference=reference,
            company=self.company,
            route=route,
            start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(start) + timedelta(days=18),
            state=state,
            review_round=rnd,
            required_authorities=authorities or ["KZ", "KG"],
            submitted_at=at(submitted) if submitted else None,
            first_approved_at=at(approved) if approved else None,
        )

    def member(self, application, surname, nationality, *, removed=False):
        number = f"HC{len(self.passports) + 1:07d}"
        self.passports.append(number)
        return Member.objects.create(
            application=application,
            surname=surname,
            given_names="TEST",
            nationality=nationality,
            issuing_state=nationality,
            sex="F",
            document_expiry=date(2034, 1, 1),
            document_number_sealed=seal(number),
            document_number_index=lookup_index("passport", number),
            birth_date_sealed=seal("1980-02-03"),
            added_in_round=1,
            removed_at=at("2026-06-01T00:00:00") if removed else None,
        )

    def decide(self, application, authority, verdict, when, *, rnd=1, reason=""):
        Decision.objects.create(
            application=application,
            review_round=rnd,
            authority=authority,
            verdict=verdict,
            reason=reason,
            decided_at=at(when),
        )

    def scan(self, member, checkpoint, direction, when, verdict="VALID", *, nationality=None):
        checkpoint = Checkpoint.objects.get(code=checkpoint)
        device = Device.objects.get_or_create(checkpoint=checkpoint, label=f"{checkpoint.code} test")[0]
        CrossingEvent.objects.create(
            id=uuid.uuid4(),
            device=device,
            checkpoint=checkpoint,
            direction=direction,
            verdict=verdict,
            officer="Sgt. Test",
            application=member.application if member else None,
            member=member,
            holder_name=member.name if member else "UNKNOWN HOLDER",
            nationality=member.nationality if member else nationality,
            reference=member.application.reference if member else "",
            device_time=at(when),
            received_at=at(when),
            clock_skew_s=0.0,
            occurred_at=at(when),
        )


@pytest.fixture
def hand_counted(demo_companies):
    world = World()
    a1 = world.application("T-A1", "KT-N-KZ", "2026-07-10", State.CLOSED, submitted="2026-05-01T00:00:00",
                           approved="2026-05-02T06:00:00")  # fmt: skip
    a2 = world.application("T-A2", "KT-S-KG", "2026-07-20", State.APPROVED, submitted="2026-06-01T00:00:00", rnd=2,
                           approved="2026-05-12T02:00:00")  # fmt: skip
    a3 = world.application("T-A3", "KT-N-KZ", "2026-07-15", State.REJECTED, submitted="2026-04-28T00:00:00")
    world.application("T-A4", "SRB-TREK", "2026-07-05", State.WITHDRAWN, submitted="2026-05-03T00:00:00")
    a5 = world.application("T-A5", "KT-S-KG", "2026-07-25", State.WITHDRAWN, submitted="2026-05-20T00:00:00",
                           approved="2026-05-20T08:00:00")  # fmt: skip
    world.application("T-A6", "KT-N-KZ", "2026-07-12", State.DRAFT, rnd=0)
    a7 = world.application("T-A7", "KT-N-KZ", "2026-08-01", State.APPROVED, submitted="2026-04-30T00:00:00",
                           approved="2026-05-03T00:00:00")  # fmt: skip
    a8 = world.application("T-A8", "KT-S-KG", "2026-07-18", State.REJECTED, submitted="2026-06-08T12:00:00")
    a9 = world.application("T-A9", "KT-S-KG", "2026-07-19", State.REJECTED, submitted="2026-06-11T00:00:00")
    a10 = world.application("T-A10", "KT-S-KG", "2026-08-15", State.REJECTED, submitted="2026-06-19T00:00:00")
    p1 = world.application("T-P1", "KT-N-KZ", "2025-07-12", State.CLOSED, submitted="2025-05-02T00:00:00",
                           approved="2025-05-03T00:00:00")  # fmt: skip
    world.application("T-P2", "SRB-TREK", "2025-06-01", State.WITHDRAWN, submitted="2025-05-10T00:00:00")
    full = "the entry day's capacity is exhausted"
    for application, authority, verdict, when, extra in [
        (a1, "KZ", "approve", "2026-05-01T10:00:00", {}),  # 10 h
        (a1, "KG", "approve", "2026-05-02T06:00:00", {}),  # 30 h
        (a2, "KZ", "approve", "2026-05-10T20:00:00", {"rnd": 1}),  # round 1: its submission is not kept
        (a2, "KG", "approve", "2026-05-12T02:00:00", {"rnd": 1}),
        (a2, "KZ", "approve", "2026-06-01T12:00:00", {"rnd": 2}),  # 12 h after the round-2 submission
        (a2, "KG", "approve", "2026-06-02T00:00:00", {"rnd": 2}),  # 24 h
        (a3, "KZ", "reject", "2026-04-28T04:00:00", {"reason": "insurance does not cover rescue"}),  # 4 h, April
        (a5, "KG", "approve", "2026-05-20T06:00:00", {}),  # 6 h
        (a5, "KZ", "approve", "2026-05-20T08:00:00", {}),  # 8 h
        (a7, "KZ", "approve", "2026-04-30T23:59:59", {}),  # trip after the period: not counted
        (a7, "KG", "approve", "2026-05-03T00:00:00", {}),  # 72 h, in the period, trip after it: not counted
        (a8, "KG", "reject", "2026-06-10T00:00:00", {"reason": full}),  # 36 h
        (a9, "KG", "reject", "2026-06-11T12:00:00", {"reason": full}),  # 12 h
        (a10, "KG", "reject", "2026-06-20T00:00:00", {"reason": "the leader's grade is too low"}),  # not counted
        (p1, "KZ", "approve", "2025-05-02T05:00:00", {}),  # 5 h
        (p1, "KG", "approve", "2025-05-03T00:00:00", {}),  # 24 h
    ]:
        world.decide(application, authority, verdict, when, **extra)

    m1, m2, m3 = (world.member(a1, name, code) for name, code in [("ONE", "KAZ"), ("TWO", "D"), ("THREE", "POL")])
    world.member(a1, "REMOVED", "CZE", removed=True)
    n1, n2 = world.member(a2, "NONE", "KGZ"), world.member(a2, "NTWO", "JPN")
    world.member(a5, "WONE", "GBR"), world.member(a5, "WTWO", "USA")
    q1, q2 = world.member(p1, "PONE", "KAZ"), world.member(p1, "PTWO", "RUS")

    world.scan(m1, "KRK-HB-KZ", "in", "2026-06-30T23:30:00")  # 1 July in Almaty, 30 June in UTC
    world.scan(m2, "KRK-HB-KZ", "in", "2026-07-13T03:50:00", "NOT_YET_VALID")  # turned back: no crossing
    for member in (m1, m2, m3):
        world.scan(member, "KRK-HB-KZ", "in", "2026-07-13T04:00:00")
        world.scan(member, "NIB-HP", "in", "2026-07-13T06:00:00")
    world.scan(m1, "NIB-HP", "out", "2026-07-27T05:00:00")
    world.scan(m2, "NIB-HP", "out", "2026-07-27T05:00:00")
    world.scan(m3, "NIB-HP", "out", "2026-07-27T05:00:00", "EXPIRED")  # refused for time: still an exit
    world.scan(m1, "KRK-HB-KZ", "out", "2026-07-27T07:00:00", "BAD_SIGNATURE")  # not authentic: no exit
    world.scan(m1, "KRK-HB-KZ", "out", "2026-07-27T07:05:00")
    world.scan(m2, "KRK-HB-KZ", "out", "2026-07-27T07:00:00")
    world.scan(m3, "KRK-HB-KZ", "out", "2026-07-31T23:59:59")  # the period's last second: counts
    for member in (n1, n2):
        world.scan(member, "MAD-HB", "in", "2026-07-22T05:00:00")
        world.scan(member, "SIB-HP", "in", "2026-07-22T07:00:00")
    world.scan(n2, "SIB-HP", "out", "2026-08-01T00:00:00")  # the first moment after the period: not in it
    world.scan(None, "MAD-HB", "in", "2026-07-22T05:10:00", "BAD_SIGNATURE", nationality="GBR")  # not ours
    for member in (q1, q2):
        world.scan(member, "KRK-HB-KZ", "in", "2025-07-13T04:00:00")
        world.scan(member, "KRK-HB-KZ", "out", "2025-07-27T07:00:00")

    DescentNotice.objects.create(application=a2, filed_at=at("2026-07-30T10:00:00"))
    DescentNotice.objects.create(application=p1, filed_at=at("2025-07-27T09:00:00"))
    for application, peak, reached, persons in [
        (a1, "Khan Tengri", "2026-07-24T06:00:00", 2),
        (a1, "Chapaev", "2026-07-20T06:00:00", 3),
        (a2, "Khan Tengri", "2026-08-01T00:00:00", 2),  # the first moment after the period
        (p1, "Khan Tengri", "2025-07-20T06:00:00", 1),
    ]:
        SummitNotice.objects.create(
            application=application, peak=peak, reached_at=at(reached), persons=persons, filed_at=at(reached)
        )

    def alert(application, stage, raised, state):
        due = at("2026-07-28T19:00:00")
        OverdueAlert.objects.create(
            application=application, stage=stage, country="KZ", due_at=due, raised_at=at(raised), state=state
        )

    alert(a1, 1, "2026-07-29T06:00:00", "acknowledged")  # stage 2 followed: escalated
    alert(a1, 2, "2026-07-29T12:00:00", "acknowledged")  # stage 3 followed: escalated
    alert(a1, 3, "2026-07-30T00:00:00", "closed")
    alert(a2, 1, "2026-07-31T10:00:00", "acknowledged")

    krk = Resource.objects.get(code="checkpoint:KRK-HB-KZ")
    krk.overrides.create(day=date(2026, 7, 13), capacity=10, reason="one helicopter under repair")
    confirmed = Hold.objects.create(application=a1, state=Hold.State.CONFIRMED, people=3)
    for day in (date(2026, 7, 13), date(2026, 7, 27)):
        HoldLine.objects.create(
            hold=confirmed, resource_day=ResourceDay.objects.create(resource=krk, day=day), people=3
        )
    held = Hold.objects.create(application=a9, state=Hold.State.HELD, people=4, expires_at=at("2026-06-12T00:00:00"))
    HoldLine.objects.create(hold=held, resource_day=ResourceDay.objects.get(resource=krk, day=date(2026, 7, 13)),
                            people=4, expires_at=held.expires_at)  # fmt: skip
    return world


def figures(period=PERIOD) -> dict:
    return {figure.key: (figure.value, figure.previous) for figure in tourism_indicators(period).figures}


def test_every_figure_beside_the_year_before(hand_counted):
    assert figures() == {
        # A1 A2 A3 A4 A5 A8 A9 (A6 a draft, A7 starts 1 Aug) | P1 P2
        "applications.filed": (7, 2),
        "applications.approved": (2, 1),  # A1 closed, A2 approved (A5 approved then withdrawn) | P1
        "applications.rejected": (3, 0),  # A3 A8 A9
        "applications.withdrawn": (2, 1),  # A4 A5 | P2
        "persons.permitted": (5, 2),  # A1's 3 current members + A2's 2 | P1's 2
        "groups.crossed": (2, 1),  # A1 A2 entered | P1
        "persons.crossed": (5, 2),  # m1 m2 m3 n1 n2 | q1 q2
        # entries: m1 30 Jun + 3×KRK + 3×NIB + 2×MAD + 2×SIB (m2's refusal not) = 11
        # exits: 3×NIB (m3's EXPIRED counts) + KRK m1 m2 + m3 at 23:59:59 (BAD_SIGNATURE and 1 Aug not) = 6
        "crossings.total": (17, 4),
        "crossings.entries": (11, 2),
        "crossings.exits": (6, 2),
        "summits.notices": (2, 1),  # A1 Khan Tengri and Chapaev (A2's on 1 Aug not) | P1
        "summits.persons": (5, 1),  # 2 + 3 | 1
        "descents.notices": (1, 1),  # A2 | P1
        # KZ, latest rounds: A1 10, A2 12, A3 4 (decided in April), A5 8 → 4 8 10 12 → (8 + 10) / 2 | P1 5
        # (by the day of decision it would be 8 10 12 → 10)
        "decisions.median_hours.KZ": (9.0, 5.0),
        # KG: A1 30, A2 24, A5 6, A8 36, A9 12 → 6 12 24 30 36 → 24 | P1 24 (A7's 72 h and A10's not:
        # their trips start after the period; with them it would be (24 + 30) / 2 = 27)
        "decisions.median_hours.KG": (24.0, 24.0),
        "alerts.raised": (4, 0),  # A1 stages 1 2 3, A2 stage 1
        "alerts.rescue": (1, 0),  # A1 stage 3
    }


def test_growth_against_the_year_before(hand_counted):
    season = tourism_indicators(PERIOD)
    assert season.previous == Period(date(2025, 5, 1), date(2025, 7, 31))
    assert season.figure("applications.filed").growth_pct == pytest.approx(250.0)  # 7 against 2
    assert season.figure("crossings.total").growth_pct == pytest.approx(325.0)  # 17 against 4
    assert season.figure("decisions.median_hours.KZ").growth_pct == pytest.approx(80.0)  # 9 h against 5 h
    assert season.figure("alerts.raised").growth_pct is None  # nothing to grow from


def test_crossings_by_month_checkpoint_and_direction(hand_counted):
    table = tourism_indicators(PERIOD).tables["crossings.by_month_checkpoint"]
    assert table.columns == ("month", "checkpoint", "direction", "persons")
    assert table.rows == (
        ("2026-06", "KRK-HB-KZ", "in", 1),  # m1 at 23:30 UTC on 30 June (1 July in local time)
        ("2026-07", "KRK-HB-KZ", "in", 3),  # m1 m2 m3 (m2's refused scan not)
        ("2026-07", "KRK-HB-KZ", "out", 3),  # m1 m2 on 27 July, m3 at 23:59:59 on 31 July
        ("2026-07", "MAD-HB", "in", 2),  # n1 n2 (the forged permit not)
        ("2026-07", "NIB-HP", "in", 3),
        ("2026-07", "NIB-HP", "out", 3),  # m3's EXPIRED among them
        ("2026-07", "SIB-HP", "in", 2),  # n2's exit on 1 August is outside
    )
    assert table.count_columns == ("persons",)


def test_crossings_by_nationality(hand_counted):
    table = tourism_indicators(PERIOD).tables["crossings.by_nationality"]
    assert table.columns == ("nationality", "entries", "exits")
    assert table.rows == (
        ("DEU", 2, 2),  # m2, written "D" in the MRZ
        ("JPN", 2, 0),  # n2
        ("KAZ", 3, 2),  # m1: 30 June, KRK, NIB in; NIB, KRK out
        ("KGZ", 2, 0),  # n1: no exit scanned
        ("POL", 2, 2),  # m3
    )


def test_persons_on_each_route_per_day(hand_counted):
    rows = tourism_indicators(PERIOD).tables["persons.by_route_day"].rows

    def days(route, first, last, persons):
        first, last = date.fromisoformat(first), date.fromisoformat(last)
        return [(route, (first + timedelta(n)).isoformat(), persons) for n in range((last - first).days + 1)]

    assert rows == tuple(
        days("KT-N-KZ", "2026-06-30", "2026-07-12", 1)  # m1 alone since 30 June
        + days("KT-N-KZ", "2026-07-13", "2026-07-27", 3)  # m2 m3 in on 13 July, m1 m2 out on 27 July
        + days("KT-N-KZ", "2026-07-28", "2026-07-31", 1)  # m3 out on 31 July
        + days("KT-S-KG", "2026-07-22", "2026-07-30", 2)  # n1 until A2's descent notice on 30 July
        + days("KT-S-KG", "2026-07-31", "2026-07-31", 1)  # n2 out on 1 August, after the period
    )


def test_decisions_and_rejections_by_authority(hand_counted):
    tables = tourism_indicators(PERIOD).tables
    assert tables["decisions.by_authority"].rows == (
        # approve: A1, A2 ×2 rounds, A5 (A7's on 3 May not: trip in August); reject: A8 A9 (A10's not)
        ("KG", 4, 2, 24.0),
        # approve: A1, A2 ×2, A5 (A7's not); reject: A3, decided on 28 April, before the period
        ("KZ", 4, 1, 9.0),
    )
    assert tables["rejections.by_reason"].rows == (
        ("KG", "the entry day's capacity is exhausted", 2),  # A8 A9 (A10's reason not: trip in August)
        ("KZ", "insurance does not cover rescue", 1),  # A3, refused in April for a trip in July
    )


def test_alerts_by_stage_and_outcome(hand_counted):
    assert tourism_indicators(PERIOD).tables["alerts.by_stage_outcome"].rows == (
        (1, "acknowledged", 1),  # A2: nothing after it
        (1, "escalated", 1),  # A1: stage 2 followed
        (2, "escalated", 1),  # A1: stage 3 followed
        (3, "closed", 1),
    )


def test_capacity_occupancy(hand_counted):
    rows = tourism_indicators(PERIOD).tables["capacity.occupancy"].rows
    krk = [row for row in rows if row[1] == "KRK-HB-KZ"]
    assert krk == [
        ("checkpoint", "KRK-HB-KZ", "2026-06", 6 * 80, 0, 0.0),  # open from 25 June: 6 days of 80
        # 30 days of 80 and 13 July overridden to 10; A1's confirmed 3 + 3 (A9's held hold does not count)
        ("checkpoint", "KRK-HB-KZ", "2026-07", 30 * 80 + 10, 6, 0.2),
    ]
    assert [row for row in rows if row[4] and row[1] != "KRK-HB-KZ"] == []
    assert not [row for row in rows if row[1] == "KRK-HB-KZ" and row[2] == "2026-05"]  # closed in May


def test_the_period_boundaries_are_utc_days(hand_counted):
    last_day = figures(Period(date(2026, 7, 31), date(2026, 7, 31)))
    assert last_day["crossings.exits"][0] == 1  # m3 at 23:59:59
    next_day = figures(Period(date(2026, 8, 1), date(2026, 8, 1)))
    assert next_day["crossings.exits"][0] == 1  # n2 at 00:00:00
    assert next_day["summits.notices"][0] == 1  # A2's summit at 00:00:00


def test_every_figure_and_table_names_its_source(hand_counted):
    season = tourism_indicators(PERIOD)
    assert all(figure.source.startswith("indicators.tourism") for figure in season.figures)
    assert all(table.source.startswith("indicators.tourism") for table in season.tables.values())
    assert set(season.tables) == {
        "crossings.by_month_checkpoint",
        "crossings.by_nationality",
        "persons.by_route_day",
        "decisions.by_authority",
        "rejections.by_reason",
        "alerts.by_stage_outcome",
        "capacity.occupancy",
    }


def test_the_number_of_queries_does_not_grow_with_the_records(hand_counted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        tourism_indicators(PERIOD)
    a1 = Application.objects.get(reference="T-A1")
    for n in range(20):
        extra = hand_counted.member(a1, f"EXTRA{chr(65 + n)}", "CZE")
        hand_counted.scan(extra, "KRK-HB-KZ", "in", f"2026-07-{1 + n:02d}T08:00:00")
    with CaptureQueriesContext(connection) as after:
        season = tourism_indicators(PERIOD)
    assert season.figure("crossings.entries").value == 31  # the 20 more are counted
    assert len(after) == len(before) < 40
