"""Profile and map pictures of a registry route, in the active language."""

from django.utils.translation import gettext as _

from tengri.geo.borders import border_map
from tengri.geo.elevation import elevation_grid
from tengri.geo.maps import Labels, MapMarker, map_image, profile_image
from tengri.registry.models import Route
from tengri.registry.selectors import route_checkpoints, route_profile_of, route_waypoints


def _labels(title: str) -> Labels:
    return Labels(
        title=title,
        distance=_("distance, km"),
        altitude=_("altitude, m"),
        approximate=_("≈ approximate position"),
        border=_("state border"),
        distance_shortened=_("distance, km (road and helicopter legs shortened)"),
        transport={"vehicle": _("road %(km)s km"), "helicopter": _("helicopter %(km)s km")},
        detail=_("the part on foot"),
    )


def route_profile_image(route: Route, fmt: str) -> bytes:
    waypoints = route_waypoints(route)
    profile = route_profile_of(route, waypoints)
    names = [waypoint.place.name for waypoint in waypoints]
    return profile_image(profile, names, _labels(_("%(code)s elevation profile") % {"code": route.code}), fmt)


def route_map_image(route: Route, fmt: str) -> bytes:
    waypoints = route_waypoints(route)
    track = [(waypoint.place.lat, waypoint.place.lon, waypoint.arrival) for waypoint in waypoints]
    checkpoint_codes = {checkpoint.place_id: checkpoint.code for checkpoint in route_checkpoints(route)}
    markers = [
        MapMarker(
            _marker_label(waypoint.place.name, checkpoint_codes.get(waypoint.place_id)),
            waypoint.place.lat,
            waypoint.place.lon,
            "checkpoint" if waypoint.place_id in checkpoint_codes else waypoint.place.kind,
            waypoint.place.approximate,
        )
        for waypoint in waypoints
    ]
    title = _("%(code)s route map") % {"code": route.code}
    return map_image(track, markers, grid=elevation_grid(), borders=border_map(), labels=_labels(title), fmt=fmt)


def _marker_label(name: str, checkpoint_code: str | None) -> str:
    return f"{name} [{checkpoint_code}]" if checkpoint_code else name
