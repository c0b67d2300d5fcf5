"""Capacity endpoints: the calendar (what is left), usage (who holds it), an application's hold, asking
for a hold (what the rush benchmark books), joining the waitlist. Thin: schema → one access rule → one
service or selector → schema. Not fitting is an answer (200, `fits: false`), not an error."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from tengri.api.security import SIGNED_IN
from tengri.capacity import selectors, services
from tengri.core import access
from tengri.expeditions.selectors import application_get

router = Router(tags=["capacity"], auth=SIGNED_IN)


class Error(Schema):
    detail: str


ERRORS: dict[int, type] = {status: Error for status in (400, 401, 403, 404, 409, 422, 503)}


class CellOut(Schema):
    day: date
    capacity: int
    taken: int
    left: int
    reason: str


class CalendarRowOut(Schema):
    resource: str
    kind: str
    label: str
    days: list[CellOut]


class UsageOut(Schema):
    resource: str
    day: date
    reference: str
    hold_state: str
    people: int


class LineOut(Schema):
    resource: str
    day: date
    people: int


class ShortfallOut(Schema):
    resource: str
    day: date
    needed: int
    left: int
    reason: str
    message: str


class HoldOut(Schema):
    reference: str
    state: str = Field(description="none, held, submitted, confirmed, short, released or expired")
    fits: bool = Field(description="it holds capacity and its last request fitted")
    expires_at: datetime | None
    people: int
    lines: list[LineOut]
    shortfalls: list[ShortfallOut]
    waiting: list[LineOut] = Field(description="resource-days the group waits for")
    waitlist_position: int | None = Field(description="groups that joined before it and still wait")


def _now() -> datetime:
    return timezone.now()


@router.get("/capacity/calendar", response={200: list[CalendarRowOut], **ERRORS})
def capacity_calendar(request: HttpRequest, first: date, days: int = 14, kind: str = ""):
    """What is left of each resource on each day (kind: checkpoint, helicopter or base_camp)."""
    access.access_capacity_calendar(request.user)
    rows = selectors.calendar(first=first, days=days, kind=kind, now=_now())
    return [
        {
            "resource": row.resource.code,
            "kind": row.resource.kind,
            "label": row.resource.label,
            "days": [
                {"day": c.day, "capacity": c.capacity, "taken": c.taken, "left": c.left, "reason": c.reason}
                for c in row.cells
            ],
        }
        for row in rows
    ]


@router.get("/capacity/usage", response={200: list[UsageOut], **ERRORS})
def capacity_usage(request: HttpRequest, first: date, days: int = 14):
    """Which application holds how many on each resource-day (administrators)."""
    access.access_capacity_usage(request.user)
    return [line.__dict__ for line in selectors.usage(first=first, days=days, now=_now())]


@router.get("/applications/{reference}/hold", response={200: HoldOut, **ERRORS})
def hold_detail(request: HttpRequest, reference: str):
    application = application_get(reference=reference)
    access.access_application_read(request.user, application)
    return hold_out(application)


@router.post("/applications/{reference}/hold", response={200: HoldOut, **ERRORS})
def hold_place(request: HttpRequest, reference: str):
    """Hold what the itinerary needs now. `fits: false` with the shortfalls when it does not fit; 503
    when others are booking the same resource-days too long (retry)."""
    application = application_get(reference=reference)
    access.access_application_edit(request.user, application)
    result = services.hold_place(actor=request.user, application=application)
    return held_out(application, result) if result.fits else hold_out(application)


@router.post("/applications/{reference}/waitlist", response={201: HoldOut, **ERRORS})
def waitlist_join(request: HttpRequest, reference: str):
    """Wait for the resource-days the group's last request did not fit; 409 when it is short of nothing."""
    application = application_get(reference=reference)
    access.access_application_edit(request.user, application)
    services.waitlist_join(actor=request.user, application=application)
    return Status(201, hold_out(application))


def held_out(application, result: services.HoldResult) -> dict:
    """A request that fitted, answered from what it wrote (it left nothing waiting)."""
    hold = result.hold
    return {
        "reference": application.reference,
        "state": hold.state,
        "fits": True,
        "expires_at": hold.expires_at,
        "people": hold.people,
        "lines": [
            {"resource": selectors.resource_code(resource), "day": day, "people": people}
            for (resource, day), people in sorted(result.held.items(), key=lambda item: (item[0][1], item[0][0]))
        ],
        "shortfalls": [],
        "waiting": [],
        "waitlist_position": None,
    }


def hold_out(application) -> dict:
    view = selectors.hold_view(application, now=_now())
    if view is None:
        return {
            "reference": application.reference,
            "state": "none",
            "fits": False,
            "expires_at": None,
            "people": 0,
            "lines": [],
            "shortfalls": [],
            "waiting": [],
            "waitlist_position": None,
        }
    return {
        "reference": application.reference,
        "state": view.state,
        "fits": view.state in ("held", "submitted", "confirmed") and view.fits,
        "expires_at": view.expires_at,
        "people": view.people,
        "lines": [{"resource": code, "day": day, "people": people} for code, day, people in view.lines],
        "shortfalls": [
            {
                "resource": s.resource,
                "day": s.day,
                "needed": s.needed,
                "left": s.left,
                "reason": selectors.DayCapacity(s.left, s.closed_reason, s.season).reason,
                "message": s.message,
            }
            for s in view.shortfalls
        ],
        "waiting": [{"resource": code, "day": day, "people": people} for code, day, people in view.waiting],
        "waitlist_position": selectors.waitlist_position(application),
    }
