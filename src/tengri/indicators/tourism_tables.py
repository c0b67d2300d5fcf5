"""The tourism breakdowns of one period: each a `Table` whose `source` says what it counts. Months and
days are UTC. Every table is one GROUP BY in the database (persons per route and day: one, then a sum
over a few spells; capacity: three small queries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from tengri.approvals.models import Decision
from tengri.capacity.models import Hold, HoldLine, Resource
from tengri.capacity.selectors import capacities
from tengri.checkpoints.models import Direction, OverdueAlert
from tengri.indicators import tourism_counts as counts
from tengri.indicators.figures import Period, Table
from tengri.registry.models import Checkpoint

HERE = "indicators.tourism_tables"
KEPT_HOLDS = (Hold.State.SUBMITTED, Hold.State.CONFIRMED)  # a reservation, or kept while the review runs


def tourism_tables(period: Period) -> dict[str, Table]:
    made = (
        crossings_by_month_checkpoint(period),
        crossings_by_nationality(period),
        persons_by_route_day(period),
        decisions_by_authority(period),
        rejections_by_reason(period),
        alerts_by_stage_outcome(period),
        capacity_occupancy(period),
    )
    return {table.key: table for table in made}


def crossings_by_month_checkpoint(period: Period) -> Table:
    """One count per month of the period, side by side, grouped by checkpoint and direction: a couple of
    dozen groups, which the database aggregates in a hash (grouping by a truncated month instead, PostgreSQL
    misjudges the groups and sorts a million rows)."""
    months = [_month_span(year, month, period) for year, month in _months(period)]
    per_month = {
        f"m{index}": Count("pk", filter=counts.within("occurred_at", span)) for index, span in enumerate(months)
    }
    grouped = (
        counts.crossings()
        .filter(counts.within("occurred_at", period))
        .values("checkpoint_id", "direction")
        .annotate(**per_month)
        .order_by()
    )
    codes = dict(Checkpoint.objects.values_list("pk", "code"))
    groups: list[dict[str, Any]] = [dict(row) for row in grouped]  # the month columns are named at run time
    found = [
        (span.first.strftime("%Y-%m"), codes[row["checkpoint_id"]], row["direction"], row[f"m{index}"])
        for row in groups
        for index, span in enumerate(months)
        if row[f"m{index}"]
    ]
    rows = sorted(found)
    return Table(
        "crossings.by_month_checkpoint",
        str(_("Crossings by month, checkpoint and direction")),
        ("month", "checkpoint", "direction", "persons"),
        tuple(rows),
        f"{HERE}.crossings_by_month_checkpoint: checkpoints_crossingevent, counted events (presence's rule), "
        "occurred_at in period, by UTC month; persons = crossings (one per person passing)",
        ("persons",),
    )


def crossings_by_nationality(period: Period) -> Table:
    rows = (
        counts.crossings()
        .filter(counts.within("occurred_at", period))
        .values("nationality")
        .annotate(
            entries=Count("pk", filter=Q(direction=Direction.IN)), exits=Count("pk", filter=Q(direction=Direction.OUT))
        )
        .values_list("nationality", "entries", "exits")
    )
    merged: dict[str, list[int]] = {}
    for code, entries, exits in rows:  # a few dozen rows: "D" and "DEU" become one
        total = merged.setdefault(counts.nationality(code), [0, 0])
        total[0] += entries
        total[1] += exits
    return Table(
        "crossings.by_nationality",
        str(_("Crossings by nationality")),
        ("nationality", "entries", "exits"),
        tuple((code, entries, exits) for code, (entries, exits) in sorted(merged.items())),
        f"{HERE}.crossings_by_nationality: checkpoints_crossingevent.nationality (as the permit claimed, ICAO "
        "D written DEU), counted events, occurred_at in period",
        ("entries", "exits"),
    )


def persons_by_route_day(period: Period) -> Table:
    return Table(
        "persons.by_route_day",
        str(_("Persons on each route per day")),
        ("route", "day", "persons"),
        tuple((route, day.isoformat(), persons) for route, day, persons in counts.persons_by_route_day(period)),
        f"{HERE}_counts.persons_by_route_day: checkpoints_crossingevent, counted events per member, from the UTC "
        "day of the first entry to that of the last exit (else the descent notice, else the planned end)",
        ("persons",),
    )


def decisions_by_authority(period: Period) -> Table:
    """Every decision (each round) on the applications whose trips start in the period, whenever it was
    made (`tourism_counts.season_decisions`), by authority and verdict; a request for changes is neither."""
    rows = (
        counts.season_decisions(period)
        .values("authority")
        .annotate(
            approved=Count("pk", filter=Q(verdict=Decision.Verdict.APPROVE)),
            rejected=Count("pk", filter=Q(verdict=Decision.Verdict.REJECT)),
        )
        .order_by("authority")
        .values_list("authority", "approved", "rejected")
    )
    return Table(
        "decisions.by_authority",
        str(_("Decisions by authority")),
        ("authority", "approved", "rejected", "median_hours"),
        tuple(
            (authority, approved, rejected, counts.median_hours(authority, period))
            for authority, approved, rejected in rows
        ),
        f"{HERE}.decisions_by_authority: approvals_decision of the applications whose trips start in the period "
        "(submitted at least once), every round, by verdict; median_hours as "
        "indicators.tourism_counts.median_hours (latest round, from submitted_at)",
        ("approved", "rejected"),
    )


def rejections_by_reason(period: Period) -> Table:
    """Refusals of the applications whose trips start in the period, whenever made (as
    `decisions_by_authority`); reasons as the officers typed them (free text: for analysts, never for open
    data)."""
    rows = (
        counts.season_decisions(period)
        .filter(verdict=Decision.Verdict.REJECT)
        .values("authority", "reason")
        .annotate(applications=Count("application", distinct=True))
        .order_by("authority", "-applications", "reason")
        .values_list("authority", "reason", "applications")
    )
    return Table(
        "rejections.by_reason",
        str(_("Rejections by reason")),
        ("authority", "reason", "applications"),
        tuple(rows),
        f"{HERE}.rejections_by_reason: approvals_decision, verdict reject, of the applications whose trips start "
        "in the period; reason as typed",
        ("applications",),
    )


def alerts_by_stage_outcome(period: Period) -> Table:
    """Outcome: escalated when the group's next stage was raised, else the alert's state now."""
    next_stage = OverdueAlert.objects.filter(application=OuterRef("application"), stage=OuterRef("stage") + 1)
    rows = (
        OverdueAlert.objects.filter(counts.within("raised_at", period))
        .order_by()
        .annotate(
            outcome=Case(
                When(Exists(next_stage), then=Value("escalated")),
                default=F("state"),
                output_field=CharField(),
            )
        )
        .values("stage", "outcome")
        .annotate(alerts=Count("pk"))
        .order_by("stage", "outcome")
        .values_list("stage", "outcome", "alerts")
    )
    return Table(
        "alerts.by_stage_outcome",
        str(_("Overdue alerts by stage and outcome")),
        ("stage", "outcome", "alerts"),
        tuple(rows),
        f"{HERE}.alerts_by_stage_outcome: checkpoints_overduealert, raised_at in period; outcome escalated when "
        "the next stage was raised for the group, else state now (open, acknowledged, closed)",
        ("alerts",),
    )


def capacity_occupancy(period: Period) -> Table:
    """Per resource and month: place-days offered (registry capacity or the day's override, each day of the
    period) against place-days taken by kept and confirmed holds."""
    used = dict(
        (((resource, year, month), people))
        for resource, year, month, people in HoldLine.objects.filter(
            hold__state__in=KEPT_HOLDS,
            resource_day__day__gte=period.first,
            resource_day__day__lte=period.last,
        )
        .order_by()
        .values("resource_day__resource_id")
        .annotate(year=ExtractYear("resource_day__day"), month=ExtractMonth("resource_day__day"))
        .values("resource_day__resource_id", "year", "month")
        .annotate(people=Sum("people"))
        .values_list("resource_day__resource_id", "year", "month", "people")
    )
    resources = {resource.pk: resource for resource in Resource.objects.order_by("kind", "code")}
    days = [period.first + timedelta(days=offset) for offset in range((period.last - period.first).days + 1)]
    offered: dict[tuple[int, int, int], int] = {}
    day_capacity = capacities([(resource, day) for resource in resources for day in days])
    for (resource_id, day), limit in day_capacity.items():
        key = (resource_id, day.year, day.month)
        offered[key] = offered.get(key, 0) + limit.capacity
    rows = []
    for resource_id, resource in resources.items():
        for year, month in _months(period):
            place_days, taken = offered.get((resource_id, year, month), 0), used.get((resource_id, year, month), 0)
            if place_days or taken:
                share = round(100.0 * taken / place_days, 1) if place_days else None
                rows.append((resource.kind, resource.label, f"{year:04d}-{month:02d}", place_days, taken, share))
    return Table(
        "capacity.occupancy",
        str(_("Occupancy of capacity")),
        ("kind", "resource", "month", "capacity_place_days", "used_place_days", "occupancy_pct"),
        tuple(rows),
        f"{HERE}.capacity_occupancy: capacity_resource (registry capacity, capacity_capacityoverride for the day) "
        "over each day of the period, against capacity_holdline of submitted and confirmed holds",
        (),
    )


def _month_span(year: int, month: int, period: Period) -> Period:
    """The days of a month that lie in the period."""
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    return Period(max(first, period.first), min(after - timedelta(days=1), period.last))


def _months(period: Period) -> list[tuple[int, int]]:
    months, day = [], date(period.first.year, period.first.month, 1)
    while day <= period.last:
        months.append((day.year, day.month))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months
