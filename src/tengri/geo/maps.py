"""Pictures drawn offline with matplotlib: elevation profiles and route maps (hillshade, borders, route).

No tiles are fetched: the relief is shaded from the elevation grid and the borders are the polygons of
`tengri.geo.borders`. Figures are created without pyplot so rendering is safe in threads.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

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


def profile_image(profile: RouteProfile, waypoint_names: Sequence[str], labels: Labels, fmt: str) -> bytes:
    figure = Figure(figsize=(10, 4.2), dpi=110)
    axes = figure.add_subplot()
    _draw_profile_line(axes, profile)
    _draw_country_band(axes, profile)
    for km, name in zip(profile.waypoint_km, waypoint_names, strict=True):
        altitude = float(np.interp(km, profile.distances_km, profile.altitudes_m))
        axes.plot(km, altitude, "o", color="black", markersize=3)
        axes.annotate(name, (km, altitude), textcoords="offset points", xytext=(2, 6), fontsize=7, rotation=35)
    axes.set_xlabel(labels.distance)
    axes.set_ylabel(labels.altitude)
    axes.set_title(labels.title)
    axes.grid(alpha=0.3)
    axes.set_ylim(0, profile.max_altitude_m * 1.18)
    figure.tight_layout()
    return _save(figure, fmt)


def _draw_profile_line(axes, profile: RouteProfile) -> None:
    on_foot = profile.modes == FOOT
    distances, altitudes = profile.distances_km, profile.altitudes_m
    axes.plot(distances, np.where(on_foot, altitudes, np.nan), color="#333333", linewidth=1.4)
    axes.plot(distances, np.where(on_foot, np.nan, altitudes), color="#777777", linewidth=1.0, linestyle="--")
    axes.fill_between(distances, 0, np.where(on_foot, altitudes, np.nan), color="#cccccc", alpha=0.5)


def _draw_country_band(axes, profile: RouteProfile) -> None:
    """A coloured strip under the profile saying whose territory each stretch is in."""
    top = profile.max_altitude_m * 0.04
    for country, colour in COUNTRY_COLOURS.items():
        inside = profile.countries == country
        if inside.any():
            axes.fill_between(profile.distances_km, 0, top, where=inside, color=colour, step="mid", label=country)
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
    """A map of a route: `track` is (lat, lon, arrival mode) per waypoint; markers are labelled points."""
    south, west, north, east = _extent([(lat, lon) for lat, lon, _ in track] + [(m.lat, m.lon) for m in markers])
    figure = Figure(figsize=(9, 9 * (north - south) / ((east - west) * math.cos(math.radians(south)))), dpi=110)
    axes = figure.add_subplot()
    _draw_hillshade(axes, grid, south, west, north, east)
    for line in borders.border_lines(south, west, north, east):
        axes.plot(line[:, 0], line[:, 1], color="#d62728", linewidth=1.6, linestyle=(0, (6, 2, 1, 2)))
    _draw_track(axes, track)
    _draw_markers(axes, markers)
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    axes.set_title(labels.title)
    axes.plot([], [], color="#d62728", linestyle=(0, (6, 2, 1, 2)), label=labels.border)
    axes.plot([], [], linestyle="none", marker="$≈$", color="black", label=labels.approximate)
    axes.legend(loc="lower right", fontsize=7)
    figure.tight_layout()
    return _save(figure, fmt)


def _extent(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    margin_lat = max(0.03, (max(lats) - min(lats)) * 0.12)
    margin_lon = max(0.04, (max(lons) - min(lons)) * 0.12)
    return min(lats) - margin_lat, min(lons) - margin_lon, max(lats) + margin_lat, max(lons) + margin_lon


def _draw_hillshade(axes, grid: ElevationGrid, south, west, north, east) -> None:
    lats, lons, heights = grid.window(south, west, north, east)
    if heights.size == 0:
        return
    cell_m = 111_320 * (lats[1] - lats[0]) if len(lats) > 1 else 460.0
    shade = LightSource(azdeg=315, altdeg=45)
    relief = shade.hillshade(heights, vert_exag=1.5, dx=cell_m * math.cos(math.radians(lats.mean())), dy=cell_m)
    extent = (lons[0], lons[-1], lats[0], lats[-1])
    axes.imshow(relief, extent=extent, origin="lower", cmap="gray", alpha=0.85, aspect="auto")
    axes.contour(lons, lats, heights, levels=[3000, 4000, 5000, 6000], colors="#5b8fb9", linewidths=0.4, alpha=0.6)


def _draw_track(axes, track) -> None:
    for (lat_a, lon_a, _), (lat_b, lon_b, mode) in zip(track, track[1:], strict=False):
        style = {"foot": "-", "vehicle": ":", "helicopter": "--"}.get(mode, "-")
        axes.plot([lon_a, lon_b], [lat_a, lat_b], color="#ffcc00", linewidth=2.4, linestyle=style, zorder=3)
        axes.plot([lon_a, lon_b], [lat_a, lat_b], color="#222222", linewidth=0.8, linestyle=style, zorder=3)


def _draw_markers(axes, markers: Sequence[MapMarker]) -> None:
    for marker in markers:
        symbol, colour = KIND_MARKERS.get(marker.kind, ("o", "#1f1f1f"))
        axes.plot(marker.lon, marker.lat, symbol, color=colour, markeredgecolor="white", markersize=8, zorder=4)
        text = f"≈ {marker.label}" if marker.approximate else marker.label
        axes.annotate(text, (marker.lon, marker.lat), textcoords="offset points", xytext=(6, 4), fontsize=7,
                      zorder=5, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0})


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
