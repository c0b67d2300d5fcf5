"""Tourism indicators from our own records, for any period beside the same period a year earlier.

What each figure counts (all dates and months UTC; a period is its first to its last day, both included):

- **applications.*** — applications for trips that *start* in the period and were submitted at least once,
  by their state now: approved (approved once and still standing: closed after the trip, or an amendment
  under review), rejected, withdrawn. A season is a season of trips, and dating filings by
  `submitted_at` would move an application into the period of its amendment (the field keeps the latest
  submission). Filed = approved + rejected + withdrawn + those still undecided.
- **persons.permitted** — current members of the approved applications above.
- **crossings.*** — crossing events by `occurred_at`, counted as presence counts them
  (`tourism_counts.counted_crossings`): entries VALID, exits VALID or refused only for time or place.
- **groups.crossed / persons.crossed** — distinct applications / members with a counted entry in the period.
- **summits.*** — summit notices by `reached_at` (notices, and the persons they report);
  **descents.notices** — descent notices by `filed_at`.
- **decisions.median_hours.KZ/KG** — median hours from submission to decision, over the decisions on the
  applications above (trips starting in the period), whenever they were made: decisions come in spring,
  before the season they are for. Latest round only (`tourism_counts.median_hours` says why). The
  decision tables count on the same basis.
- **alerts.raised / alerts.rescue** — overdue alerts by `raised_at`, all stages / the rescue stage (3).

Tables count the period only (no year-earlier column); `tourism_tables` says what each counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from tengri.checkpoints.models import DescentNotice, OverdueAlert, SummitNotice
from tengri.expeditions.models import Application, Member
from tengri.indicators import tourism_counts as counts
from tengri.indicators import tourism_tables as tables
from tengri.indicators.figures import Figure, Period, Table

AUTHORITIES = ("KZ", "KG")
HERE = "indicators.tourism"


@dataclass(frozen=True)
class TourismIndicators:
    period: Period
    previous: Period
    figures: tuple[Figure, ...]
    tables: dict[str, Table]

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)


def tourism_indicators(period: Period) -> TourismIndicators:
    """Every tourism figure for `period` and a year earlier, and every table for `period`. A fixed number
    of queries (about 25) whatever the number of records."""
    previous = period.year_earlier()
    figures = (
        _application_figures(period, previous)
        + _crossing_figures(period, previous)
        + _notice_figures(period, previous)
        + _decision_figures(period, previous)
        + _alert_figures(period, previous)
    )
    return TourismIndicators(period, previous, figures, tables.tourism_tables(period))


def _both(period: Period, previous: Period, build, queryset) -> tuple[dict, dict]:
    """`build(period, prefix)` gives aggregates; one query returns them for the period and the year before."""
    row = queryset.aggregate(**build(period, "now_"), **build(previous, "before_"))
    return (
        {key.removeprefix("now_"): value for key, value in row.items() if key.startswith("now_")},
        {key.removeprefix("before_"): value for key, value in row.items() if key.startswith("before_")},
    )


def _figure(key: str, label, now: dict, before: dict, name: str, source: str, unit: str = "") -> Figure:
    return Figure(key, str(label), now[name] or 0, before[name] or 0, f"{HERE}.{source}", unit)


def _application_figures(period: Period, previous: Period) -> tuple[Figure, ...]:
    now, before = _both(period, previous, counts.application_counts, Application.objects.order_by())
    people_now, people_before = _both(period, previous, _permitted_persons, Member.objects.order_by())
    source = "application_counts: expeditions_application, trips starting in the period, submitted at least once"
    return (
        _figure("applications.filed", _("applications filed"), now, before, "filed", source),
        _figure("applications.approved", _("applications approved"), now, before, "approved", source + ", approved"),
        _figure("applications.rejected", _("applications rejected"), now, before, "rejected", source + ", rejected"),
        _figure(
            "applications.withdrawn", _("applications withdrawn"), now, before, "withdrawn", source + ", withdrawn"
        ),
        _figure(
            "persons.permitted",
            _("persons permitted"),
            people_now,
            people_before,
            "permitted",
            "_permitted_persons: expeditions_member, current members of the approved applications above",
        ),
    )


def _permitted_persons(period: Period, prefix: str) -> dict:
    approved = Q(application__first_approved_at__isnull=False, application__state__in=counts.APPROVED_STATES)
    trips = counts.trips_starting(period, "application__")
    return {f"{prefix}permitted": Count("pk", filter=trips & approved & Q(removed_at__isnull=True))}


def _crossing_figures(period: Period, previous: Period) -> tuple[Figure, ...]:
    now, before = _both(period, previous, counts.crossing_counts, counts.crossings())
    source = "crossing_counts: checkpoints_crossingevent, counted events (presence's rule), occurred_at in period"
    return (
        _figure(
            "groups.crossed", _("groups that crossed"), now, before, "groups", source + ", distinct groups entering"
        ),
        _figure(
            "persons.crossed", _("persons who crossed"), now, before, "persons", source + ", distinct members entering"
        ),
        _figure("crossings.total", _("crossings"), now, before, "total", source),
        _figure("crossings.entries", _("entries"), now, before, "entries", source + ", direction in"),
        _figure("crossings.exits", _("exits"), now, before, "exits", source + ", direction out"),
    )


def _notice_figures(period: Period, previous: Period) -> tuple[Figure, ...]:
    def summits(span: Period, prefix: str) -> dict:
        reached = counts.within("reached_at", span)
        return {f"{prefix}notices": Count("pk", filter=reached), f"{prefix}persons": Sum("persons", filter=reached)}

    def descents(span: Period, prefix: str) -> dict:
        return {f"{prefix}descents": Count("pk", filter=counts.within("filed_at", span))}

    now, before = _both(period, previous, summits, SummitNotice.objects.order_by())
    down_now, down_before = _both(period, previous, descents, DescentNotice.objects.order_by())
    source = "_notice_figures: checkpoints_summitnotice, reached_at in period"
    return (
        _figure("summits.notices", _("summit notices"), now, before, "notices", source),
        _figure("summits.persons", _("persons on a summit"), now, before, "persons", source + ", sum of persons"),
        _figure(
            "descents.notices",
            _("descent notices"),
            down_now,
            down_before,
            "descents",
            "_notice_figures: checkpoints_descentnotice, filed_at in period",
        ),
    )


def _decision_figures(period: Period, previous: Period) -> tuple[Figure, ...]:
    return tuple(
        Figure(
            f"decisions.median_hours.{authority}",
            str(_("median hours to a %(authority)s decision") % {"authority": authority}),
            counts.median_hours(authority, period),
            counts.median_hours(authority, previous),
            f"{HERE}_counts.median_hours: approvals_decision of authority {authority} on the applications whose "
            "trips start in the period, latest round, decided_at minus the application's submitted_at",
            "h",
        )
        for authority in AUTHORITIES
    )


def _alert_figures(period: Period, previous: Period) -> tuple[Figure, ...]:
    def alerts(span: Period, prefix: str) -> dict:
        raised = counts.within("raised_at", span)
        return {
            f"{prefix}raised": Count("pk", filter=raised),
            f"{prefix}rescue": Count("pk", filter=raised & Q(stage=OverdueAlert.Stage.RESCUE)),
        }

    now, before = _both(period, previous, alerts, OverdueAlert.objects.order_by())
    source = "_alert_figures: checkpoints_overduealert, raised_at in period"
    return (
        _figure("alerts.raised", _("overdue alerts raised"), now, before, "raised", source + ", every stage"),
        _figure("alerts.rescue", _("alerts to the rescue service"), now, before, "rescue", source + ", stage 3"),
    )
