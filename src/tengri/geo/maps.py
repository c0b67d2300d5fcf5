"""Pictures drawn offline with matplotlib: elevation profiles and route maps (hillshade, borders, route).

No tiles are fetched: the relief is shaded from the elevation grid and the borders are the polygons of
`tengri.geo.borders`. Figures are created without pyplot so rendering is safe in threads.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from matplotlib.colors import LightSource
from matplotlib.figure import Figure

from tengri.geo.borders import BorderMap
from tengri.geo.elevation import ElevationGrid
from tengri.geo.profile import FOOT, RouteProfile

COUNTRY_COLOURS = {"KZ": "#1f77b4", "KG": "#d62728", "CN": "#7f7f7f", "other": "#bcbd22"}
KIND_MARKERS = {
    "summit": ("^", "#000000"),
    "base_camp": ("s", "#ff7f0e"),
    "camp": ("o", "#ff7f0e"),
    "helipad": ("P", "#2ca02c"),
    "crossing_point": ("D", "#9467bd"),
    "checkpoint": ("D", "#9467bd"),
    "col": ("v", "#8c564b"),
    "pass": ("v", "#8c564b"),
}


@dataclass(frozen=True)
class MapMarker:
    label: str
    lat: float
    lon: float
    kind: str
    approximate: bool = False


@dataclass(frozen=True)
class Labels:
    """Texts drawn on pictures, already translated by the caller."""

    title: str
    distance: str = "distance, km"
    altitude: str = "altitude, m"
    approximate: str = "≈ approximate position"
    border: str = "state border"
    distance_shortened: str = "distance, km (road and helicopter legs shortened)"
    transport: dict = field(default_factory=lambda: {"vehicle": "road %(km)s km", "helicopter": "helicopter %(km)s km"})
    detail: str = "on foot"


def profile_image(profile: RouteProfile, waypoint_names: Sequence[str], labels: Labels, fmt: str) -> bytes:
    """Altitude against distance. Transport legs are shortened on the axis (and say how long they are) so
    that the part on foot, where altitude matters, gets the width."""
    figure = Figure(figsize=(10, 4.6), dpi=110)
    axes = figure.add_subplot()
    shown_km = _shortened_distances(profile)
    _draw_profile_line(axes, profile, shown_km)
    _draw_country_band(axes, profile, shown_km)
    _label_transport_legs(axes, profile, shown_km, labels)
    waypoint_x = np.interp(profile.waypoint_km, profile.distances_km, shown_km)
    for index, (x, km, name) in enumerate(zip(waypoint_x, profile.waypoint_km, waypoint_names, strict=True)):
        altitude = float(np.interp(km, profile.distances_km, profile.altitudes_m))
        axes.plot(x, altitude, "o", color="black", markersize=3)
        axes.annotate(
            name,
            (x, altitude),
            textcoords="offset points",
            xytext=(4, 8 + 12 * (index % 3)),
            fontsize=7,
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#999999"},
        )
    axes.set_xlabel(labels.distance_shortened if len(profile.legs) > _foot_legs(profile) else labels.distance)
    axes.set_ylabel(labels.altitude)
    axes.set_title(labels.title)
    axes.grid(alpha=0.3)
    axes.set_ylim(0, profile.max_altitude_m * 1.25)
    axes.set_xlim(shown_km[0], shown_km[-1] + (shown_km[-1] - shown_km[0]) * 0.12)
    figure.tight_layout()
    return save(figure, fmt)


def _foot_legs(profile: RouteProfile) -> int:
    return sum(1 for leg in profile.legs if leg.mode == FOOT)


def _shortened_distances(profile: RouteProfile) -> np.ndarray:
    """Distance along the axis: true on foot; each transport leg squeezed to a short fixed width."""
    step = np.diff(profile.distances_km, prepend=profile.distances_km[0])
    on_foot = profile.modes == FOOT
    if on_foot.all() or not on_foot.any():
        return profile.distances_km
    width_per_transport_leg = max(0.5, 0.1 * profile.foot_distance_km)
    transport_legs = len(profile.legs) - _foot_legs(profile)
    scale = width_per_transport_leg * transport_legs / float(step[~on_foot].sum())
    return np.cumsum(np.where(on_foot, step, step * scale))


def _draw_profile_line(axes, profile: RouteProfile, shown_km: np.ndarray) -> None:
    on_foot = profile.modes == FOOT
    altitudes = profile.altitudes_m
    axes.plot(shown_km, np.where(on_foot, altitudes, np.nan), color="#333333", linewidth=1.4)
    axes.plot(shown_km, np.where(on_foot, np.nan, altitudes), color="#777777", linewidth=1.0, linestyle="--")
    axes.fill_between(shown_km, 0, np.where(on_foot, altitudes, np.nan), color="#cccccc", alpha=0.5)


def _label_transport_legs(axes, profile: RouteProfile, shown_km: np.ndarray, labels: Labels) -> None:
    starts = np.interp(profile.waypoint_km, profile.distances_km, shown_km)
    for leg, x0, x1, km0 in zip(profile.legs, starts, starts[1:], profile.waypoint_km, strict=False):
        if leg.mode == FOOT:
            continue
        altitude = float(np.interp(km0, profile.distances_km, profile.altitudes_m))
        text = labels.transport.get(leg.mode, leg.mode) % {"km": f"{leg.distance_km:.0f}"}
        axes.annotate(
            text,
            ((x0 + x1) / 2, altitude),
            textcoords="offset points",
            xytext=(0, -14),
            fontsize=7,
            ha="center",
            color="#555555",
        )


def _draw_country_band(axes, profile: RouteProfile, shown_km: np.ndarray) -> None:
    """A coloured strip under the profile saying whose territory each stretch is in."""
    top = profile.max_altitude_m * 0.04
    for country, colour in COUNTRY_COLOURS.items():
        inside = profile.countries == country
        if inside.any():
            axes.fill_between(shown_km, 0, top, where=inside, color=colour, step="mid", label=country)
    axes.legend(loc="upper left", fontsize=7, ncols=4)


def map_image(
    track: Sequence[tuple[float, float, str]],
    markers: Sequence[MapMarker],
    *,
    grid: ElevationGrid,
    borders: BorderMap,
    labels: Labels,
    fmt: str,
) -> bytes:
    """A map of a route: `track` is (lat, lon, arrival mode) per waypoint; markers are labelled points.

    When the part on foot is small next to the approach by road and air (the Khan Tengri routes), a second
    panel shows it enlarged: the overview then labels only the points outside the detail.
    """
    whole = map_extent([(lat, lon) for lat, lon, _ in track] + [(m.lat, m.lon) for m in markers])
    foot_points = [
        (lat, lon)
        for previous, current in pairwise(track)
        if current[2] == "foot"
        for lat, lon, _ in (previous, current)
    ]
    detail = map_extent(foot_points) if foot_points else whole
    needs_detail = (detail[2] - detail[0]) * (detail[3] - detail[1]) < 0.1 * (whole[2] - whole[0]) * (
        whole[3] - whole[1]
    )
    panels = [(whole, labels.title)] + ([(detail, f"{labels.title}: {labels.detail}")] if needs_detail else [])
    figure = Figure(figsize=(9, 6.5 * len(panels)), dpi=110, layout="constrained")
    for index, (extent, title) in enumerate(panels):
        axes = figure.add_subplot(len(panels), 1, index + 1)
        inside_detail = needs_detail and index == 0
        shown = [m for m in markers if not (inside_detail and _within(m, detail))]
        _draw_map_panel(axes, extent, track, shown, grid, borders, title)
        if inside_detail:
            south, west, north, east = detail
            axes.plot([west, east, east, west, west], [south, south, north, north, south], color="#0b5394", lw=1.2)
    legend_axes = figure.axes[-1]
    legend_axes.plot([], [], color="#d62728", linestyle=(0, (6, 2, 1, 2)), label=labels.border)
    legend_axes.plot([], [], linestyle="none", marker="$≈$", color="black", label=labels.approximate)
    legend_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=7, ncols=2)
    return save(figure, fmt)


def _within(marker: MapMarker, extent: tuple[float, float, float, float]) -> bool:
    south, west, north, east = extent
    return south <= marker.lat <= north and west <= marker.lon <= east


def _draw_map_panel(axes, extent, track, markers, grid, borders, title) -> None:
    south, west, north, east = extent
    draw_hillshade(axes, grid, south, west, north, east)
    for line in borders.border_lines(south, west, north, east):
        axes.plot(line[:, 0], line[:, 1], color="#d62728", linewidth=1.6, linestyle=(0, (6, 2, 1, 2)))
    draw_track(axes, track)
    draw_markers(axes, markers)
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    axes.set_title(title, fontsize=10)


def map_extent(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The (south, west, north, east) that frames `points` (lat, lon) with a margin: 15% of their spread,
    at least about 2 km, so that a single point still gets a map around it."""
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    margin_lat = max(0.02, (max(lats) - min(lats)) * 0.15)
    margin_lon = max(0.03, (max(lons) - min(lons)) * 0.15)
    return min(lats) - margin_lat, min(lons) - margin_lon, max(lats) + margin_lat, max(lons) + margin_lon


def draw_hillshade(axes, grid: ElevationGrid, south, west, north, east) -> None:
    """The shaded relief of the grid inside the box, with contour lines at 3000, 4000, 5000 and 6000 m;
    nothing when the grid does not cover the box."""
    lats, lons, heights = grid.window(south, west, north, east)
    if heights.size == 0:
        return
    cell_m = 111_320 * (lats[1] - lats[0]) if len(lats) > 1 else 460.0
    shade = LightSource(azdeg=315, altdeg=45)
    relief = shade.hillshade(heights, vert_exag=1.5, dx=cell_m * math.cos(math.radians(lats.mean())), dy=cell_m)
    extent = (lons[0], lons[-1], lats[0], lats[-1])
    axes.imshow(relief, extent=extent, origin="lower", cmap="gray", alpha=0.85, aspect="auto", interpolation="bicubic")
    axes.contour(lons, lats, heights, levels=[3000, 4000, 5000, 6000], colors="#5b8fb9", linewidths=0.4, alpha=0.6)


def draw_track(axes, track: Sequence[tuple[float, float, str]]) -> None:
    """A route's legs from waypoint to waypoint, each (lat, lon, arrival mode): solid on foot, dotted by
    road, dashed by helicopter."""
    for (lat_a, lon_a, _), (lat_b, lon_b, mode) in pairwise(track):
        style = {"foot": "-", "vehicle": ":", "helicopter": "--"}.get(mode, "-")
        axes.plot([lon_a, lon_b], [lat_a, lat_b], color="#ffcc00", linewidth=2.4, linestyle=style, zorder=3)
        axes.plot([lon_a, lon_b], [lat_a, lat_b], color="#222222", linewidth=0.8, linestyle=style, zorder=3)


def draw_markers(axes, markers: Sequence[MapMarker]) -> None:
    """Labelled points, symbol and colour by kind (`KIND_MARKERS`); approximate places are marked "≈".
    Labels alternate sides and heights so that neighbours do not cover each other."""
    for index, marker in enumerate(markers):
        symbol, colour = KIND_MARKERS.get(marker.kind, ("o", "#1f1f1f"))
        axes.plot(marker.lon, marker.lat, symbol, color=colour, markeredgecolor="white", markersize=8, zorder=4)
        text = f"≈ {marker.label}" if marker.approximate else marker.label
        right = index % 2 == 0
        offset = (7 if right else -7, 4 - 10 * (index % 3))
        axes.annotate(
            text,
            (marker.lon, marker.lat),
            textcoords="offset points",
            xytext=offset,
            fontsize=7,
            ha="left" if right else "right",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0},
        )


def save(figure: Figure, fmt: str) -> bytes:
    """The figure as a file's bytes in `fmt` (png, svg, ...); SVGs without the creation date."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
