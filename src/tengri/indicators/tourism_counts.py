"""What the tourism indicators count, as database queries (the building blocks of `tourism.py`).

Every count is an aggregate the database computes (GROUP BY, COUNT, SUM); no crossing event is loaded
into Python, so a season of a million events costs a handful of queries. Days and months are UTC.

What counts as a crossing is presence's rule (`checkpoints.presence`): an event of a known member that is
VALID, or an exit refused only for time or place (`AUTHENTIC_REFUSALS`, the permit is authentic: the person
has left). A refused entry is no crossing: the person was turned back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from tengri.approvals.models import Decision
from tengri.checkpoints.models import CrossingEvent, Direction
from tengri.checkpoints.presence import ACCEPTED, AUTHENTIC_REFUSALS
from tengri.expeditions.models import Application
from tengri.expeditions.services import MAX_TRIP_DAYS
from tengri.indicators.figures import Period

State = Application.State
# Approved and still standing: closed after the trip, or an amendment of an approved trip under review.
APPROVED_STATES = (State.APPROVED, State.CLOSED, State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED)
# The MRZ writes Germany as "D"; everyone else already has an ISO 3166 alpha-3 code.
ICAO_TO_ISO3 = {"D": "DEU"}


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as a half-open UTC range: from 00:00 of the first day to 00:00 after the last."""
    start = datetime.combine(period.first, time.min, tzinfo=UTC)
    return start, datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=UTC)


def within(field: str, period: Period) -> Q:
    start, end = bounds(period)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def counted_crossings() -> Q:
    """Presence's rule (see the module docstring), as a filter on crossing events."""
    exit_refused_for_time_or_place = Q(direction=Direction.OUT, verdict__in=AUTHENTIC_REFUSALS)
    return (Q(verdict=ACCEPTED) | exit_refused_for_time_or_place) & Q(member__isnull=False)


def crossings() -> QuerySet[CrossingEvent]:
    return CrossingEvent.objects.filter(counted_crossings()).order_by()


def trips_starting(period: Period, path: str = "") -> Q:
    """Applications (at `path` from the model queried) of trips that start in the period and were
    submitted at least once."""
    return Q(
        **{f"{path}start_date__gte": period.first, f"{path}start_date__lte": period.last, f"{path}review_round__gte": 1}
    )


def application_counts(period: Period, prefix: str) -> dict:
    """Aggregates for `Application.objects.aggregate`: filed, approved, rejected, withdrawn (by state now)."""
    trips = trips_starting(period)
    approved = Q(first_approved_at__isnull=False, state__in=APPROVED_STATES)
    return {
        f"{prefix}filed": Count("pk", filter=trips),
        f"{prefix}approved": Count("pk", filter=trips & approved),
        f"{prefix}rejected": Count("pk", filter=trips & Q(state=State.REJECTED)),
        f"{prefix}withdrawn": Count("pk", filter=trips & Q(state=State.WITHDRAWN)),
    }


def crossing_counts(period: Period, prefix: str) -> dict:
    """Aggregates for `crossings().aggregate`: events in and out, groups and persons that entered."""
    span = within("occurred_at", period)
    entered = span & Q(direction=Direction.IN)
    return {
        f"{prefix}total": Count("pk", filter=span),
        f"{prefix}entries": Count("pk", filter=entered),
        f"{prefix}exits": Count("pk", filter=span & Q(direction=Direction.OUT)),
        f"{prefix}groups": Count("application", distinct=True, filter=entered),
        f"{prefix}persons": Count("member", distinct=True, filter=entered),
    }


def season_decisions(period: Period) -> QuerySet[Decision]:
    """The decisions on the applications whose trips start in the period (`trips_starting`), every round,
    whenever they were made: a season's decisions are made in spring, before the season, and a report of
    the season's trips must count the decisions of those trips, as its application figures do."""
    return Decision.objects.filter(trips_starting(period, "application__")).order_by()


def median_hours(authority: str, period: Period) -> float | None:
    """Median hours from the round's submission to the authority's decision, over its decisions on the
    applications whose trips start in the period (`season_decisions`). Only decisions of the
    application's latest round count: `Application.submitted_at` keeps the latest submission only, so an
    earlier round's start is not in the row. Two small queries: the count, then the middle one or two
    durations (the database orders them; no list comes to Python)."""
    decisions = (
        season_decisions(period)
        .filter(authority=authority)
        .filter(review_round=F("application__review_round"), application__submitted_at__isnull=False)
        .annotate(took=F("decided_at") - F("application__submitted_at"))
        .order_by("took", "pk")
    )
    count = decisions.count()
    if count == 0:
        return None
    middle = list(decisions.values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1])
    seconds = sum(took.total_seconds() for took in middle) / len(middle)
    return round(seconds / 3600, 1)


# --- Persons on a route per day -------------------------------------------------------------------------


def persons_by_route_day(period: Period) -> list[tuple[str, date, int]]:
    """(route, day, persons) for each UTC day of the period with someone on the route.

    A member is on the route from the day of their first counted entry to the day of their last counted
    exit, when that exit is on or after the day of their last entry; otherwise (no exit scanned) to the day
    the group's descent notice was filed, else the trip's planned end date. Days out in between (a group
    leaving and coming back) are not taken off. One query groups members by their first and last day; the
    days are then added up from those few groups of equal spells, not from events."""
    start, end = bounds(period)
    slack = timedelta(days=MAX_TRIP_DAYS + 1)  # a spell that touches the period starts and ends this close
    per_member = (
        crossings()
        .filter(occurred_at__gte=start - slack, occurred_at__lt=end + slack, application__isnull=False)
        .values("member_id")
        .annotate(
            route=Max("application__route__code"),
            first_in=Min(TruncDate("occurred_at", tzinfo=UTC), filter=Q(direction=Direction.IN)),
            last_in=Max(TruncDate("occurred_at", tzinfo=UTC), filter=Q(direction=Direction.IN)),
            last_out=Max(TruncDate("occurred_at", tzinfo=UTC), filter=Q(direction=Direction.OUT)),
            notice=Max(TruncDate("application__descent_notice__filed_at", tzinfo=UTC)),
            planned_end=Max("application__end_date"),
        )
        .values("route", "first_in", "last_in", "last_out", "notice", "planned_end")
    )
    inner, params = per_member.query.get_compiler(using=per_member.db).as_sql()
    sql = (
        "SELECT route, first_in, last_in, last_out, notice, planned_end, COUNT(*) FROM ("  # noqa: S608 (compiled ORM SQL)
        + inner
        + ") spells WHERE first_in IS NOT NULL GROUP BY route, first_in, last_in, last_out, notice, planned_end"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        spells = cursor.fetchall()
    return _days_on_route(spells, period)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite returns dates as text


def _days_on_route(spells, period: Period) -> list[tuple[str, date, int]]:
    """Add up spells of equal first and last day into persons per route and day (a difference array)."""
    change: dict[tuple[str, date], int] = {}
    routes = set()
    for route, first_in, last_in, last_out, notice, planned_end, members in spells:
        first, last_entry, exit_day = _day(first_in), _day(last_in), _day(last_out)
        end: date | None = exit_day
        if exit_day is None or last_entry is None or exit_day < last_entry:
            end = _day(notice) or _day(planned_end)
        assert first is not None and end is not None  # first_in is not null (the query); end_date never is
        first, last = max(first, period.first), min(max(end, first), period.last)
        if first > last:
            continue
        routes.add(route)
        change[(route, first)] = change.get((route, first), 0) + members
        after = last + timedelta(days=1)
        change[(route, after)] = change.get((route, after), 0) - members
    rows = []
    for route in sorted(routes):
        inside, day = 0, period.first
        while day <= period.last:
            inside += change.get((route, day), 0)
            if inside:
                rows.append((route, day, inside))
            day += timedelta(days=1)
    return rows


def nationality(code: str) -> str:
    return ICAO_TO_ISO3.get(code, code)
