"""The rescue map: last known positions of overdue and alerted groups, drawn offline with matplotlib.

No tiles: the relief is shaded from the packaged elevation grid and the borders are the packaged
polygons, as for the registry's route maps (`tengri.geo.maps`). A group is drawn where it was last
known: its latest position report, or the checkpoint of its latest accepted scan when that is later
(or when it never reported a position).
"""

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import pairwise

from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from tengri.checkpoints.models import PositionReport
from tengri.checkpoints.tracks import group_tracks
from tengri.expeditions.models import Application
from tengri.geo.borders import BorderMap, border_map
from tengri.geo.elevation import ElevationGrid, elevation_grid
from tengri.geo.maps import MapMarker, draw_hillshade, draw_markers, draw_track, map_extent, save
from tengri.registry.models import Route, Waypoint
from tengri.registry.selectors import route_checkpoints, route_list, route_waypoints

GROUP_COLOUR = "#e60000"
POSITION, CHECKPOINT = "position", "checkpoint"
KHAN_TENGRI = (42.2106, 80.1747)  # the centre of the region, when there is no route to frame


@dataclass(frozen=True)
class GroupPoint:
    """Where one group was last known: a reported position or the checkpoint it last passed."""

    reference: str
    route: str
    lat: float
    lon: float
    at: datetime | None
    source: str  # POSITION or CHECKPOINT
    stage: int | None  # the highest alert stage raised, None when only overdue


def last_known_points(applications: Iterable[Application], stages: dict[int, int] | None = None) -> list[GroupPoint]:
    """The last known point of each group that has one (a group never scanned and never reported is not
    drawn). `stages` maps application id → highest alert stage, for the labels."""
    stages = stages or {}
    applications = list(applications)
    latest_positions = _latest_positions([application.pk for application in applications])
    points = []
    for track in group_tracks(applications):
        application = track.application
        scan = max(track.latest.values(), key=lambda event: (event.occurred_at, str(event.id)), default=None)
        position = latest_positions.get(application.pk)
        place = scan.checkpoint.place if scan is not None else None
        if position is not None and (place is None or scan is None or position.reported_at >= scan.occurred_at):
            point = (position.lat, position.lon, position.reported_at, POSITION)
        elif scan is not None and place is not None:
            point = (place.lat, place.lon, scan.occurred_at, CHECKPOINT)
        else:
            continue
        lat, lon, at, source = point
        points.append(
            GroupPoint(application.reference, application.route.code, lat, lon, at, source, stages.get(application.pk))
        )
    return sorted(points, key=lambda point: point.reference)


def _latest_positions(application_ids: list[int]) -> dict[int, PositionReport]:
    latest: dict[int, PositionReport] = {}
    for position in PositionReport.objects.filter(application_id__in=application_ids).order_by("reported_at", "pk"):
        latest[position.application_id] = position
    return latest


def points_fingerprint(points: Sequence[GroupPoint]) -> str:
    """Changes whenever anything drawn changes: the cache key of the picture (with the language)."""
    rows = [{**asdict(point), "at": point.at.isoformat() if point.at else None} for point in points]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:32]


def last_known_map_image(points: Sequence[GroupPoint], *, fmt: str = "png") -> bytes:
    """The region of the groups' routes (every route when there is no group) with each group's last known
    point, labelled with its reference, the alert stage and the time (UTC)."""
    codes = {point.route for point in points}
    routes = [route for route in route_list() if not codes or route.code in codes]
    tracks = [_track(route_waypoints(route)) for route in routes]
    markers = _route_markers(routes)
    region = [(lat, lon) for track in tracks for lat, lon, _mode in _mountain_part(track)]
    region += [(point.lat, point.lon) for point in points]
    title = _("Last known positions of overdue and alerted groups")
    extent = map_extent(region or [KHAN_TENGRI])
    figure = _draw(extent, tracks, markers, points, title, grid=elevation_grid(), borders=border_map())
    return save(figure, fmt)


def _track(waypoints: list[Waypoint]) -> list[tuple[float, float, str]]:
    return [(waypoint.place.lat, waypoint.place.lon, waypoint.arrival) for waypoint in waypoints]


def _mountain_part(track: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The legs on foot (and where they start): the roads and flights in would stretch the map to the cities."""
    foot = [point for previous, current in pairwise(track) if current[2] == "foot" for point in (previous, current)]
    return foot or track


def _route_markers(routes: list[Route]) -> list[MapMarker]:
    """Checkpoints and camps of the routes, once each."""
    markers: dict[str, MapMarker] = {}
    for route in routes:
        checkpoints = {checkpoint.place_id: checkpoint.code for checkpoint in route_checkpoints(route)}
        for waypoint in route_waypoints(route):
            place = waypoint.place
            if place.pk in checkpoints:
                markers[place.code] = MapMarker(checkpoints[place.pk], place.lat, place.lon, "checkpoint")
            elif place.kind in ("base_camp", "camp", "summit"):
                markers[place.code] = MapMarker(place.name, place.lat, place.lon, place.kind, place.approximate)
    return list(markers.values())


def _draw(extent, tracks, markers, points, title, *, grid: ElevationGrid, borders: BorderMap) -> Figure:
    south, west, north, east = extent
    figure = Figure(figsize=(9, 7.5), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    draw_hillshade(axes, grid, south, west, north, east)
    for line in borders.border_lines(south, west, north, east):
        axes.plot(line[:, 0], line[:, 1], color="#d62728", linewidth=1.6, linestyle=(0, (6, 2, 1, 2)))
    for track in tracks:
        draw_track(axes, track)
    draw_markers(axes, [marker for marker in markers if _inside(marker.lat, marker.lon, extent)])
    _draw_groups(axes, points)
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    axes.set_title(title, fontsize=10)
    axes.plot([], [], color="#d62728", linestyle=(0, (6, 2, 1, 2)), label=_("state border"))
    axes.plot([], [], "*", color=GROUP_COLOUR, markersize=12, label=_("group: last position report"))
    axes.plot([], [], "X", color=GROUP_COLOUR, markersize=9, label=_("group: last checkpoint passed"))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.05), fontsize=7, ncols=3)
    return figure


def _draw_groups(axes, points: Sequence[GroupPoint]) -> None:
    for index, point in enumerate(points):
        symbol, size = ("*", 16) if point.source == POSITION else ("X", 11)
        axes.plot(point.lon, point.lat, symbol, color=GROUP_COLOUR, markeredgecolor="white", markersize=size, zorder=6)
        label = point.reference
        if point.stage:
            label += " · " + _("stage %(stage)d") % {"stage": point.stage}
        if point.at is not None:
            label += f" · {point.at:%d.%m %H:%M} UTC"
        axes.annotate(
            label,
            (point.lon, point.lat),
            textcoords="offset points",
            xytext=(9, 6 + 11 * (index % 3)),
            fontsize=7.5,
            color=GROUP_COLOUR,
            zorder=7,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.85, "lw": 0},
        )


def _inside(lat: float, lon: float, extent: tuple[float, float, float, float]) -> bool:
    south, west, north, east = extent
    return south <= lat <= north and west <= lon <= east
