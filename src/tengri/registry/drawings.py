"""Profile and map pictures of a registry route, in the active language."""

from django.conf import settings
from django.utils.translation import gettext as _

from tengri.geo.borders import border_map
from tengri.geo.elevation import elevation_grid
from tengri.geo.maps import Labels, MapMarker, map_image, profile_image
from tengri.geo.profile import route_profile
from tengri.registry.models import Route
from tengri.registry.selectors import route_checkpoints, route_points, route_waypoints


def _labels(title: str) -> Labels:
    return Labels(
        title=title,
        distance=_("distance, km"),
        altitude=_("altitude, m"),
        approximate=_("≈ approximate position"),
        border=_("state border"),
    )


def route_profile_image(route: Route, fmt: str) -> bytes:
    waypoints = route_waypoints(route)
    profile = route_profile(
        route_points(waypoints), grid=elevation_grid(), borders=border_map(),
        accuracy_m=settings.TENGRI_BORDER_ACCURACY_M,
    )
    names = [waypoint.place.name for waypoint in waypoints]
    return profile_image(profile, names, _labels(_("%(code)s elevation profile") % {"code": route.code}), fmt)


def route_map_image(route: Route, fmt: str) -> bytes:
    waypoints = route_waypoints(route)
    track = [(waypoint.place.lat, waypoint.place.lon, waypoint.arrival) for waypoint in waypoints]
    markers = [
        MapMarker(waypoint.place.name, waypoint.place.lat, waypoint.place.lon, waypoint.place.kind,
                  waypoint.place.approximate)
        for waypoint in waypoints
    ]
    for checkpoint in route_checkpoints(route):
        place = checkpoint.place
        markers.append(MapMarker(checkpoint.code, place.lat, place.lon, "checkpoint", place.approximate))
    title = _("%(code)s route map") % {"code": route.code}
    return map_image(track, markers, grid=elevation_grid(), borders=border_map(), labels=_labels(title), fmt=fmt)
