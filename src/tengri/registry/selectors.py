"""Reads of the registry, and the geography computed from it."""

import hashlib
from itertools import pairwise

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from tengri.core.errors import NotFound
from tengri.geo.borders import border_map
from tengri.geo.elevation import elevation_grid
from tengri.geo.profile import RoutePoint, RouteProfile, route_profile
from tengri.registry.models import Authority, BaseCamp, Checkpoint, HelicopterLeg, Route, Waypoint


def route_list() -> QuerySet[Route]:
    return Route.objects.all()


def route_get(*, code: str) -> Route:
    route = Route.objects.filter(code=code.strip().upper()).first()
    if route is None:
        known = ", ".join(route_list().values_list("code", flat=True))
        raise NotFound(f"no route with code {code!r} (known: {known})")
    return route


def route_waypoints(route: Route) -> list[Waypoint]:
    return list(route.waypoints.select_related("place").order_by("position"))


def route_points(waypoints: list[Waypoint]) -> list[RoutePoint]:
    return [
        RoutePoint(
            name=waypoint.place.name,
            lat=waypoint.place.lat,
            lon=waypoint.place.lon,
            altitude_m=waypoint.place.altitude_m,
            arrival=waypoint.arrival,
        )
        for waypoint in waypoints
    ]


def route_profile_of(route: Route, waypoints: list[Waypoint] | None = None) -> RouteProfile:
    """The route's profile; pass `waypoints` when the caller already has them (saves the query)."""
    return route_profile(
        route_points(route_waypoints(route) if waypoints is None else waypoints),
        grid=elevation_grid(),
        borders=border_map(),
        accuracy_m=settings.TENGRI_BORDER_ACCURACY_M,
    )


def route_required_authorities(route: Route) -> list[str]:
    """Country codes of the parties that must approve a group on this route, from its geometry.

    Cached under the route's fingerprint: any change to its waypoints or places computes it afresh."""
    key = f"route-required-authorities:{route_fingerprint(route)}"
    authorities = cache.get(key)
    if authorities is None:
        waypoints = route_waypoints(route)
        authorities = route_profile_of(route, waypoints).required_authorities if len(waypoints) >= 2 else []
        cache.set(key, authorities, None)
    return authorities


def route_checkpoints(route: Route) -> list[Checkpoint]:
    """Checkpoints located at the route's waypoints, in the order the group passes them."""
    order = {waypoint.place_id: waypoint.position for waypoint in route.waypoints.all()}
    checkpoints = Checkpoint.objects.filter(place_id__in=order).select_related("place")
    return sorted(checkpoints, key=lambda checkpoint: order.get(checkpoint.place_id or 0, 0))


def route_base_camps(route: Route) -> list[BaseCamp]:
    return list(BaseCamp.objects.filter(place__waypoints__route=route).select_related("place").distinct())


def route_helicopter_legs(waypoints: list[Waypoint]) -> list[HelicopterLeg]:
    pairs = {
        (previous.place_id, current.place_id)
        for previous, current in pairwise(waypoints)
        if current.arrival == Waypoint.Arrival.HELICOPTER
    }
    legs = HelicopterLeg.objects.select_related("origin", "destination")
    return [leg for leg in legs if (leg.origin_id, leg.destination_id) in pairs]


def authorities_by_code(codes: list[str]) -> list[Authority]:
    return list(Authority.objects.filter(code__in=codes).order_by("code"))


def checkpoint_list() -> QuerySet[Checkpoint]:
    return Checkpoint.objects.select_related("place").prefetch_related("authorities")


def route_fingerprint(route: Route) -> str:
    """Changes whenever anything drawn for the route changes (waypoints, places, checkpoints, names)."""
    rows: list[tuple] = list(
        route.waypoints.order_by("position").values_list(
            "position",
            "arrival",
            "place__code",
            "place__lat",
            "place__lon",
            "place__altitude_m",
            "place__approximate",
            "place__name_en",
            "place__name_ru",
            "place__name_kk",
            "place__name_ky",
        )
    )
    rows.append(tuple(Checkpoint.objects.filter(place__waypoints__route=route).values_list("code", "place_id")))
    return hashlib.sha256(repr((route.code, rows)).encode()).hexdigest()[:20]
