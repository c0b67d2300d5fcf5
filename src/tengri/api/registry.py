"""Registry endpoints. Access rule: `access_registry_read` (public: the routes are published)."""

from django.http import HttpRequest
from ninja import Router, Schema

from tengri.core.access import access_registry_read
from tengri.registry.reports import checkpoint_summary, route_report, route_summary
from tengri.registry.selectors import checkpoint_list, route_get, route_list

router = Router(tags=["registry"])


class Season(Schema):
    opens: str
    closes: str


class RouteOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    grade: str
    access_country: str
    season: Season
    status: str
    closed_reason: str


class WaypointOut(Schema):
    position: int
    place: str
    name: str
    kind: str
    lat: float
    lon: float
    altitude_m: int | None
    approximate: bool
    source: str
    arrival: str
    km_from_start: float


class ProfileOut(Schema):
    distance_km: float
    foot_distance_km: float
    ascent_m: int
    descent_m: int
    max_altitude_m: int
    km_by_country: dict[str, float]


class AuthorityOut(Schema):
    code: str
    name: str
    border_service: str
    rescue_service: str


class ReasonOut(Schema):
    country: str
    kind: str
    subject: str
    metres: int


class LocationOut(Schema):
    lat: float
    lon: float
    altitude_m: int | None
    approximate: bool


class CheckpointOut(Schema):
    code: str
    name: str
    kind: str
    season: Season
    daily_capacity: int
    status: str
    closed_reason: str
    authorities: list[str]
    location: LocationOut | None


class ErrorOut(Schema):
    detail: str


class RouteDetailOut(RouteOut):
    description: str
    source: str
    geometry_problem: str
    waypoints: list[WaypointOut]
    profile: ProfileOut | None
    legs: list[dict]
    jurisdictions: list[str]
    required_authorities: list[AuthorityOut]
    non_party_jurisdictions: list[str]
    jurisdiction_reasons: list[ReasonOut]
    checkpoints: list[CheckpointOut]
    base_camps: list[dict]
    helicopter_legs: list[dict]


@router.get("/routes", response=list[RouteOut], auth=None)
def routes(request: HttpRequest):
    access_registry_read(request.user)
    return [route_summary(route) for route in route_list()]


@router.get("/routes/{code}", response={200: RouteDetailOut, 404: ErrorOut}, auth=None)
def route_detail(request: HttpRequest, code: str):
    access_registry_read(request.user)
    return route_report(route_get(code=code))


@router.get("/checkpoints", response=list[CheckpointOut], auth=None)
def checkpoints(request: HttpRequest):
    access_registry_read(request.user)
    return [checkpoint_summary(checkpoint) for checkpoint in checkpoint_list()]
