"""Which country a point lies in, from real border polygons shipped in a registry package.

Source: the OpenStreetMap-derived time-zone polygons of timezone-boundary-builder, shipped in PyPI
`timezonefinder-data` (ODbL). In this region each country is one zone: Asia/Almaty is Kazakhstan
(a single zone since 2024), Asia/Bishkek Kyrgyzstan, Asia/Urumqi the Xinjiang part of China. The lines
follow OSM's administrative borders at full resolution; OSM draws the high Tien Shan borders along the
ridges from imagery, so we treat a point within `TENGRI_BORDER_ACCURACY_M` (500 m by default) of a line
as belonging to both sides (see docs/geography.md). Khan Tengri's summit is the KZ–KG–CN tripoint: the
data puts the summit point a few hundred metres on the Chinese side.
"""

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from timezonefinder import TimezoneFinder

from tengri.geo.coords import project_m

BORDER_SOURCE = "OpenStreetMap contributors via timezone-boundary-builder, PyPI timezonefinder-data (ODbL)"
PARTIES = ("KZ", "KG")  # the two states of the cross-border route regime
COUNTRIES = ("KZ", "KG", "CN")
OTHER = "other"

ZONE_COUNTRY = {
    "Asia/Almaty": "KZ",
    "Asia/Qostanay": "KZ",
    "Asia/Qyzylorda": "KZ",
    "Asia/Aqtobe": "KZ",
    "Asia/Aqtau": "KZ",
    "Asia/Atyrau": "KZ",
    "Asia/Oral": "KZ",
    "Asia/Bishkek": "KG",
    "Asia/Urumqi": "CN",
    "Asia/Shanghai": "CN",
}
# Polygons are loaded for this box only (it is also the elevation grid's coverage).
REGION = box(66.1, 36.3, 84.5, 44.7)
REGION_ZONES = ("Asia/Almaty", "Asia/Bishkek", "Asia/Urumqi")


@dataclass(frozen=True)
class Jurisdiction:
    """Where a point lies: the country the data puts it in, and every country within the data's accuracy."""

    country: str
    nearby: frozenset[str]
    distances_m: dict[str, float]  # to each other country's territory (0 for its own)

    @property
    def on_border(self) -> bool:
        return len(self.nearby) > 1


class BorderMap:
    """Country polygons in degrees (for drawing) and in local metres (for distances)."""

    def __init__(self, countries: dict[str, Polygon | MultiPolygon]):
        self.countries = countries
        self.metric = {code: shapely.transform(shape, _project_coords) for code, shape in countries.items()}
        for shape in self.metric.values():
            shapely.prepare(shape)

    def country_at(self, lat: float, lon: float) -> str:
        if not REGION.contains(shapely.Point(lon, lat)):
            return _country_outside_region(lat, lon)
        point = shapely.Point(*project_m(lon, lat))
        for code, shape in self.metric.items():
            if shape.contains(point):
                return code
        return OTHER

    def countries_at(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Vectorised `country_at` for points inside the region."""
        xs, ys = project_m(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        points = shapely.points(xs, ys)
        result = np.full(len(points), OTHER, dtype=object)
        for code, shape in self.metric.items():
            result[shapely.contains(shape, points)] = code
        return result

    def jurisdiction_at(self, lat: float, lon: float, accuracy_m: float) -> Jurisdiction:
        country = self.country_at(lat, lon)
        if not REGION.contains(shapely.Point(lon, lat)):
            # Far from the border region: polygons are not loaded here, only the country is known.
            return Jurisdiction(country=country, nearby=frozenset({country} - {OTHER}), distances_m={})
        point = shapely.Point(*project_m(lon, lat))
        distances = {code: float(shape.distance(point)) for code, shape in self.metric.items()}
        nearby = {code for code, metres in distances.items() if metres <= accuracy_m}
        if country != OTHER:
            nearby.add(country)
        return Jurisdiction(country=country, nearby=frozenset(nearby), distances_m=distances)

    def near_many(self, lats: np.ndarray, lons: np.ndarray, accuracy_m: float) -> dict[str, np.ndarray]:
        """For each country, which of the points lie within `accuracy_m` of (or inside) its territory."""
        xs, ys = project_m(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        points = shapely.points(xs, ys)
        return {code: shapely.dwithin(shape, points, accuracy_m) for code, shape in self.metric.items()}

    def border_lines(self, south: float, west: float, north: float, east: float) -> list[np.ndarray]:
        """The state borders inside a box as (lon, lat) arrays, for maps."""
        window = box(west, south, east, north)
        lines: list[np.ndarray] = []
        for shape in self.countries.values():
            clipped = shape.boundary.intersection(window)
            for part in getattr(clipped, "geoms", [clipped]):
                if not part.is_empty and part.geom_type == "LineString":
                    lines.append(np.asarray(part.coords))
        return lines


def _project_coords(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(project_m(coords[:, 0], coords[:, 1]))


@functools.cache
def _timezone_finder() -> TimezoneFinder:
    return TimezoneFinder()


def _country_outside_region(lat: float, lon: float) -> str:
    zone = _timezone_finder().timezone_at(lng=lon, lat=lat)
    return ZONE_COUNTRY.get(zone or "", OTHER)


def _zone_shape(zone: str) -> Polygon | MultiPolygon:
    polygons = []
    for rings in _timezone_finder().get_geometry(tz_name=zone, coords_as_pairs=False):
        exterior, *holes = (list(zip(lons, lats, strict=True)) for lons, lats in rings)
        polygons.append(Polygon(exterior, holes))
    return shapely.make_valid(MultiPolygon(polygons)).intersection(REGION)


@functools.cache
def border_map() -> BorderMap:
    """Load the three countries' polygons once per process (~1 s)."""
    return BorderMap({ZONE_COUNTRY[zone]: _zone_shape(zone) for zone in REGION_ZONES})


def country_at(lat: float, lon: float) -> str:
    """`KZ`, `KG`, `CN` or `other` for a WGS 84 point."""
    return border_map().country_at(lat, lon)


def data_version() -> str:
    return str(_timezone_finder().data_version)
