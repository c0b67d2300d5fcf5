"""One JSON-ready description of a route, shared by the CLI (`--json`), the API and the route page."""

from typing import Any

from tengri.core.i18n import in_language
from tengri.geo.borders import PARTIES
from tengri.geo.profile import RouteProfile
from tengri.registry.models import Checkpoint, Route, Waypoint
from tengri.registry.selectors import (
    authorities_by_code,
    route_base_camps,
    route_checkpoints,
    route_helicopter_legs,
    route_profile_of,
    route_waypoints,
)


def route_summary(route: Route) -> dict[str, Any]:
    return {
        "code": route.code,
        "name": route.name,
        "names": {lang: route.name_in(lang) for lang in ("en", "ru", "kk", "ky")},
        "grade": route.grade,
        "access_country": route.access_country,
        "season": {"opens": route.season_opens, "closes": route.season_closes},
        "status": route.status,
        "closed_reason": route.closed_reason,
    }


def route_report(route: Route) -> dict[str, Any]:
    """Everything a reviewer needs about a route: waypoints, profile figures and who must approve, and why.

    A route an administrator has left with fewer than two waypoints has no geometry: the report says so and
    names no authority (the pre-screen must then refuse applications for it)."""
    waypoints = route_waypoints(route)
    if len(waypoints) < 2:
        return _report_without_geometry(route, waypoints)
    profile = route_profile_of(route, waypoints)
    return {
        **_route_facts(route, waypoints),
        "geometry_problem": "",
        "waypoints": [_waypoint(waypoint, km) for waypoint, km in zip(waypoints, profile.waypoint_km, strict=True)],
        "profile": _profile_figures(profile),
        "legs": [_leg(leg) for leg in profile.legs],
        "jurisdictions": profile.jurisdictions,
        "required_authorities": [
            {
                "code": authority.code,
                "name": authority.name,
                "border_service": in_language(authority, "border_service"),
                "rescue_service": in_language(authority, "rescue_service"),
            }
            for authority in authorities_by_code(profile.required_authorities)
        ],
        "non_party_jurisdictions": profile.non_party_jurisdictions,
        "jurisdiction_reasons": [
            {"country": reason.country, "kind": reason.kind, "subject": reason.subject, "metres": round(reason.metres)}
            for reason in profile.reasons
        ],
    }


def _report_without_geometry(route: Route, waypoints: list[Waypoint]) -> dict[str, Any]:
    return {
        **_route_facts(route, waypoints),
        "geometry_problem": "the route has fewer than two waypoints: no profile and no required authorities",
        "waypoints": [_waypoint(waypoint, 0.0) for waypoint in waypoints],
        "profile": None,
        "legs": [],
        "jurisdictions": [],
        "required_authorities": [],
        "non_party_jurisdictions": [],
        "jurisdiction_reasons": [],
    }


def _route_facts(route: Route, waypoints: list[Waypoint]) -> dict[str, Any]:
    """What is known of a route without its geometry."""
    return {
        **route_summary(route),
        "description": in_language(route, "description"),
        "source": route.source,
        "parties": list(PARTIES),
        "checkpoints": [checkpoint_summary(checkpoint) for checkpoint in route_checkpoints(route)],
        "base_camps": [
            {"place": camp.place.code, "name": camp.place.name, "beds": camp.beds, "approximate": camp.approximate}
            for camp in route_base_camps(route)
        ],
        "helicopter_legs": [
            {
                "from": leg.origin.code,
                "to": leg.destination.code,
                "seats_per_flight": leg.seats_per_flight,
                "flights_per_day": leg.flights_per_day,
                "seats_per_day": leg.seats_per_day,
                "approximate": leg.approximate,
            }
            for leg in route_helicopter_legs(waypoints)
        ],
    }


def checkpoint_summary(checkpoint: Checkpoint) -> dict[str, Any]:
    place = checkpoint.place
    return {
        "code": checkpoint.code,
        "name": checkpoint.name,
        "kind": checkpoint.kind,
        "season": {"opens": checkpoint.season_opens, "closes": checkpoint.season_closes},
        "daily_capacity": checkpoint.daily_capacity,
        "status": checkpoint.status,
        "closed_reason": checkpoint.closed_reason,
        "authorities": sorted(authority.code for authority in checkpoint.authorities.all()),
        "location": None
        if place is None
        else {"lat": place.lat, "lon": place.lon, "altitude_m": place.altitude_m, "approximate": place.approximate},
    }


def _waypoint(waypoint: Waypoint, km: float) -> dict[str, Any]:
    place = waypoint.place
    return {
        "position": waypoint.position,
        "place": place.code,
        "name": place.name,
        "kind": place.kind,
        "lat": place.lat,
        "lon": place.lon,
        "altitude_m": place.altitude_m,
        "approximate": place.approximate,
        "source": place.source,
        "arrival": waypoint.arrival,
        "km_from_start": round(km, 1),
    }


def _profile_figures(profile: RouteProfile) -> dict[str, Any]:
    return {
        "distance_km": round(profile.distance_km, 1),
        "foot_distance_km": round(profile.foot_distance_km, 1),
        "ascent_m": round(profile.ascent_m),
        "descent_m": round(profile.descent_m),
        "max_altitude_m": round(profile.max_altitude_m),
        "km_by_country": {country: round(km, 1) for country, km in profile.km_by_country.items()},
    }


def _leg(leg) -> dict[str, Any]:
    def hours(value):
        return None if value is None else round(value, 1)

    return {
        "from": leg.start,
        "to": leg.end,
        "mode": leg.mode,
        "distance_km": round(leg.distance_km, 1),
        "ascent_m": round(leg.ascent_m),
        "descent_m": round(leg.descent_m),
        "hours": {"tobler": hours(leg.tobler_h), "naismith": hours(leg.naismith_h), "munter": hours(leg.munter_h)},
    }
