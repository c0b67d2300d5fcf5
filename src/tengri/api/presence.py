"""Presence endpoints: who is in the border zone, one group against its plan, position reports, summit and
descent notices and overdue alerts (docs/offline-sync.md, "Presence and overdue").

Members' names are readable here; the emergency contact (name and phone) is personal data: returned only
when the caller gives a reason, and then audited.
"""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from tengri.api.applications import ERRORS
from tengri.api.security import SIGNED_IN
from tengri.checkpoints import alerts, presence, services
from tengri.core import access
from tengri.core.roles import Role
from tengri.expeditions.selectors import application_get

router = Router(tags=["presence"], auth=SIGNED_IN)
DB_INT_MAX = 2**31 - 1
DB_SMALL_INT_MAX = 2**15 - 1


class LastKnownOut(Schema):
    country: str = Field(description="KZ, KG or CN; empty when unknown")
    at: datetime | None
    source: str = Field(description="scan, position, or empty")


class RouteCountOut(Schema):
    route: str
    name: str
    inside: int


class BaseCampCountOut(Schema):
    place: str
    name: str
    beds: int | None
    inside: int


class CountryCountOut(Schema):
    country: str
    inside: int


class PointOut(Schema):
    lat: float
    lon: float
    country: str
    reported_at: datetime


class GroupSummaryOut(Schema):
    reference: str
    route: str
    company: str
    start_date: date
    end_date: date
    members: int
    inside: int
    out: int
    never_scanned: int
    last_known: LastKnownOut
    last_position: PointOut | None
    planned_exit: datetime
    deadline: datetime
    past_planned_exit: bool
    overdue: bool
    descent_notice_at: datetime | None
    open_alerts: int


class PresenceOut(Schema):
    at: datetime
    inside: int
    by_route: list[RouteCountOut]
    by_base_camp: list[BaseCampCountOut]
    by_country: list[CountryCountOut]
    groups: list[GroupSummaryOut]
    past_planned_exit: list[GroupSummaryOut]


class PassageMemberOut(Schema):
    member_id: int
    name: str
    at: datetime | None
    local_date: date | None
    on_plan: bool


class PassageOut(Schema):
    date: date
    checkpoint: str
    checkpoint_name: str
    direction: str
    done: int
    on_plan: int
    members: list[PassageMemberOut]


class EventOut(Schema):
    checkpoint: str
    country: str
    direction: str
    verdict: str
    at: datetime
    name: str
    skew_flagged: bool


class MemberStateOut(Schema):
    id: int
    name: str
    role: str
    state: str = Field(description="inside, out or never_scanned")
    country: str
    base_camp: str
    last_event: EventOut | None


class PositionOut(Schema):
    id: int
    lat: float
    lon: float
    country: str
    reported_at: datetime
    received_at: datetime
    source: str
    note: str
    reported_by: str


class NoticeOut(Schema):
    filed_at: datetime
    by_leader: bool
    filed_by: str
    note: str


class SummitOut(Schema):
    id: int
    peak: str
    reached_at: datetime = Field(description="the moment on top, as reported (UTC)")
    persons: int = Field(description="how many of the group reached it")
    filed_at: datetime
    by_leader: bool
    filed_by: str
    note: str


class ActionOut(Schema):
    kind: str
    note: str
    actor: str
    at: datetime


class AlertOut(Schema):
    id: int
    reference: str
    stage: int
    stage_label: str
    country: str
    state: str
    due_at: datetime
    raised_at: datetime
    raised_by: str
    closed_at: datetime | None
    actions: list[ActionOut]


class ContactOut(Schema):
    name: str
    phone: str


class GroupPresenceOut(Schema):
    reference: str
    route: str
    company: str
    state: str
    start_date: date
    end_date: date
    planned_exit: datetime
    deadline: datetime
    past_planned_exit: bool
    overdue: bool
    come_out: bool
    inside: int
    out: int
    never_scanned: int
    last_known: LastKnownOut
    passages: list[PassageOut]
    members: list[MemberStateOut]
    unplanned: list[EventOut]
    refused: list[EventOut]
    positions: list[PositionOut]
    descent_notice: NoticeOut | None
    summits: list[SummitOut]
    alerts: list[AlertOut]
    emergency_contact: ContactOut | None = None


class PositionIn(Schema):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    reported_at: datetime
    source: str = Field("messenger", pattern="^(messenger|radio|other)$")
    note: str = Field("", max_length=300)


class DescentIn(Schema):
    note: str = Field("", max_length=500)


class SummitIn(Schema):
    peak: str = Field(services.DEFAULT_PEAK, min_length=1, max_length=100)
    reached_at: datetime = Field(description="the moment on top; a time without a zone is read as UTC")
    persons: int = Field(ge=1, le=DB_SMALL_INT_MAX, description="how many of the group reached it")
    note: str = Field("", max_length=500)


class AlertActIn(Schema):
    kind: str = Field(pattern="^(acknowledge|escalate|close)$")
    note: str = Field(min_length=1, max_length=500, description="what was done; required")


@router.get("/presence", response={200: PresenceOut, **ERRORS})
def presence_now(request: HttpRequest):
    """Who is inside the border zone now, per route, base camp and country, and the groups on their trip."""
    access.access_presence_read(request.user)
    return presence.presence_now(now=timezone.now())


@router.get("/applications/{reference}/presence", response={200: GroupPresenceOut, **ERRORS})
def group_presence(request: HttpRequest, reference: str, reason: str = Query("", max_length=500)):
    """One group's planned and actual passages, members, positions, descent notice and alerts. With
    `reason`, also its emergency contact (personal data: the read is audited with that reason)."""
    application = application_get(reference=reference)
    access.access_group_presence_read(request.user, application)
    group = presence.group_presence(application, now=timezone.now())
    if reason.strip():
        group["emergency_contact"] = alerts.emergency_contact_read(application, actor=request.user, reason=reason)
    return group


@router.post("/applications/{reference}/positions", response={201: PositionOut, **ERRORS})
def position_add(request: HttpRequest, reference: str, payload: PositionIn):
    """A position from a satellite messenger (or a call); the border data places it in a state."""
    application = application_get(reference=reference)
    access.access_position_report(request.user, application)
    report = services.position_report(actor=request.user, application=application, **payload.model_dump())
    return Status(201, presence.position_row(report))


@router.post("/applications/{reference}/descent", response={201: NoticeOut, **ERRORS})
def descent_file(request: HttpRequest, reference: str, payload: DescentIn):
    """The operator files the group's descent notice: the group is down (once)."""
    application = application_get(reference=reference)
    access.access_descent_notice(request.user, application)
    notice = services.descent_notice_file(actor=request.user, application=application, note=payload.note)
    return Status(201, presence.notice_row(notice))


@router.post("/applications/{reference}/summit", response={201: SummitOut, **ERRORS})
def summit_file(request: HttpRequest, reference: str, payload: SummitIn):
    """The operator files a summit notice: how many of the group reached the peak, and when (once per peak)."""
    application = application_get(reference=reference)
    access.access_descent_notice(request.user, application)  # the same people as for the descent notice
    notice = services.summit_notice_file(application, actor=request.user, **payload.model_dump())
    return Status(201, presence.summit_row(notice))


@router.get("/alerts", response={200: list[AlertOut], **ERRORS})
def alerts_list(request: HttpRequest, include_closed: bool = False):
    """Overdue alerts: a rescue officer's state's and those of groups whose route enters it; an operator's
    company's reminder and emergency-contact stages; an administrator's, all."""
    if access.role_of(request.user) == Role.OPERATOR:
        access.access_operator(request.user)
    else:
        access.access_rescue_read(request.user)
    return [alerts.alert_row(alert) for alert in alerts.alerts_visible(request.user, include_closed=include_closed)]


@router.post("/alerts/{alert_id}/act", response={200: AlertOut, **ERRORS})
def alert_act(request: HttpRequest, payload: AlertActIn, alert_id: int = Path(..., ge=1, le=DB_INT_MAX)):
    """Acknowledge, escalate (raise the next stage now) or close an alert, with a note."""
    alert = alerts.alert_get(alert_id)
    access.access_alert_act(request.user, alert)
    services.alert_act(actor=request.user, alert=alert, kind=payload.kind, note=payload.note)
    return alerts.alert_row(alerts.alert_get(alert_id))
