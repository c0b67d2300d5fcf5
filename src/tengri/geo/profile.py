"""Route profile: densify the legs, give every sample an altitude and a country, and sum it up.

Altitudes: a surveyed waypoint altitude wins over the grid; between two waypoints on foot the grid
gives the shape of the ground and is shifted by the waypoints' corrections, blended linearly along
the leg, so the profile is continuous and meets every surveyed altitude. Transport legs (vehicle,
helicopter) are drawn straight between their ends and count no ascent: nobody walks them.

Jurisdiction: a route enters a country when a waypoint lies in it or within the border data's
accuracy of it, or when a foot or helicopter leg passes through it (airspace counts). Road legs have
no geometry here (no road data offline), so a road leg is attributed to the countries of its ends.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tengri.core.errors import InvalidInput
from tengri.geo.borders import OTHER, PARTIES, BorderMap
from tengri.geo.coords import haversine_m
from tengri.geo.elevation import ElevationGrid
from tengri.geo.travel import munter_hours, naismith_hours, tobler_hours

SAMPLE_SPACING_KM = 0.1
FOOT, VEHICLE, HELICOPTER = "foot", "vehicle", "helicopter"
ARRIVAL_MODES = (FOOT, VEHICLE, HELICOPTER)


@dataclass(frozen=True)
class RoutePoint:
    name: str
    lat: float
    lon: float
    altitude_m: float | None
    arrival: str = FOOT  # how this point is reached from the previous one


@dataclass(frozen=True)
class Leg:
    start: str
    end: str
    mode: str
    distance_km: float
    ascent_m: float
    descent_m: float
    km_by_country: dict[str, float]
    tobler_h: float | None = None
    naismith_h: float | None = None
    munter_h: float | None = None


@dataclass(frozen=True)
class JurisdictionReason:
    """Why a route enters a country: a waypoint inside it or near its border, or a leg through it."""

    country: str
    kind: str  # "inside" | "within_accuracy" | "leg"
    subject: str
    metres: float  # distance to the territory for within_accuracy, length inside it for leg, else 0


@dataclass(frozen=True)
class RouteProfile:
    distances_km: np.ndarray
    altitudes_m: np.ndarray
    countries: np.ndarray
    modes: np.ndarray
    waypoint_km: list[float]
    legs: list[Leg]
    reasons: list[JurisdictionReason] = field(default_factory=list)
    max_altitude_m: float = 0.0

    @property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @property
    def foot_distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs if leg.mode == FOOT)

    @property
    def ascent_m(self) -> float:
        return sum(leg.ascent_m for leg in self.legs)

    @property
    def descent_m(self) -> float:
        return sum(leg.descent_m for leg in self.legs)

    @property
    def km_by_country(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for leg in self.legs:
            for country, km in leg.km_by_country.items():
                totals[country] = totals.get(country, 0.0) + km
        return dict(sorted(totals.items()))

    @property
    def jurisdictions(self) -> list[str]:
        return sorted({reason.country for reason in self.reasons} - {OTHER})

    @property
    def required_authorities(self) -> list[str]:
        """The parties whose territory the route enters: each must approve (never a non-party)."""
        return [party for party in PARTIES if party in self.jurisdictions]

    @property
    def non_party_jurisdictions(self) -> list[str]:
        return [country for country in self.jurisdictions if country not in PARTIES]

    def reasons_for(self, country: str) -> list[JurisdictionReason]:
        return [reason for reason in self.reasons if reason.country == country]


def route_profile(
    points: Sequence[RoutePoint], *, grid: ElevationGrid, borders: BorderMap, accuracy_m: float
) -> RouteProfile:
    """Profile of a route given as its ordered waypoints. Raises `InvalidInput` for fewer than two."""
    if len(points) < 2:
        raise InvalidInput("a route needs at least two waypoints for a profile")
    altitudes = [_waypoint_altitude(point, grid) for point in points]
    pieces = [_sample_leg(a, b, alt_a, alt_b, grid, borders) for a, b, alt_a, alt_b in _pairs(points, altitudes)]
    legs = [piece.leg for piece in pieces]
    offsets = np.cumsum([0.0] + [leg.distance_km for leg in legs])
    reasons = _waypoint_reasons(points, borders, accuracy_m) + _leg_reasons(legs)
    all_altitudes = np.concatenate([piece.altitudes for piece in pieces])
    return RouteProfile(
        distances_km=np.concatenate([piece.distances + offsets[i] for i, piece in enumerate(pieces)]),
        altitudes_m=all_altitudes,
        countries=np.concatenate([piece.countries for piece in pieces]),
        modes=np.concatenate([np.full(len(piece.distances), piece.leg.mode, dtype=object) for piece in pieces]),
        waypoint_km=[float(km) for km in offsets],
        legs=legs,
        reasons=reasons,
        max_altitude_m=float(max(np.nanmax(all_altitudes), *altitudes)),
    )


@dataclass(frozen=True)
class _LegSamples:
    leg: Leg
    distances: np.ndarray
    altitudes: np.ndarray
    countries: np.ndarray


def _pairs(points, altitudes):
    return zip(points, points[1:], altitudes, altitudes[1:], strict=False)


def _waypoint_altitude(point: RoutePoint, grid: ElevationGrid) -> float:
    return point.altitude_m if point.altitude_m is not None else grid.at(point.lat, point.lon)


def _sample_leg(a: RoutePoint, b: RoutePoint, alt_a: float, alt_b: float, grid, borders) -> _LegSamples:
    mode = b.arrival
    if mode not in ARRIVAL_MODES:
        raise InvalidInput(f"unknown way of arrival {mode!r} at {b.name} (use {', '.join(ARRIVAL_MODES)})")
    length_km = haversine_m(a.lat, a.lon, b.lat, b.lon) / 1000
    steps = max(1, math.ceil(length_km / SAMPLE_SPACING_KM))
    t = np.linspace(0.0, 1.0, steps + 1)
    lats, lons = a.lat + (b.lat - a.lat) * t, a.lon + (b.lon - a.lon) * t
    if mode == FOOT:
        ground = grid.at_many(lats, lons)
        correction_a, correction_b = alt_a - ground[0], alt_b - ground[-1]
        altitudes = ground + correction_a * (1 - t) + correction_b * t
    else:
        altitudes = alt_a + (alt_b - alt_a) * t
    countries = _sample_countries(mode, lats, lons, t, a, b, borders)
    distances = t * length_km
    return _LegSamples(_summarise_leg(a, b, mode, distances, altitudes, countries), distances, altitudes, countries)


def _sample_countries(mode, lats, lons, t, a, b, borders: BorderMap) -> np.ndarray:
    if mode != VEHICLE:
        return borders.countries_at(lats, lons)
    start, end = borders.country_at(a.lat, a.lon), borders.country_at(b.lat, b.lon)
    return np.where(t < 0.5, start, end).astype(object)


def _summarise_leg(a, b, mode, distances, altitudes, countries) -> Leg:
    step_km = np.diff(distances)
    by_country: dict[str, float] = {}
    for country, km in zip(countries[1:], step_km, strict=True):
        by_country[country] = by_country.get(country, 0.0) + float(km)
    length_km = float(distances[-1])
    if mode != FOOT:
        return Leg(a.name, b.name, mode, length_km, 0.0, 0.0, by_country)
    rises = np.diff(altitudes)
    ascent, descent = float(rises[rises > 0].sum()), float(-rises[rises < 0].sum())
    return Leg(
        a.name,
        b.name,
        mode,
        length_km,
        ascent,
        descent,
        by_country,
        tobler_h=tobler_hours(distances, altitudes),
        naismith_h=naismith_hours(length_km, ascent),
        munter_h=munter_hours(length_km, float(altitudes[-1] - altitudes[0])),
    )


def _waypoint_reasons(points, borders: BorderMap, accuracy_m: float) -> list[JurisdictionReason]:
    reasons = []
    for point in points:
        where = borders.jurisdiction_at(point.lat, point.lon, accuracy_m)
        for country in sorted(where.nearby):
            if country == where.country:
                reasons.append(JurisdictionReason(country, "inside", point.name, 0.0))
            else:
                reasons.append(JurisdictionReason(country, "within_accuracy", point.name, where.distances_m[country]))
    return reasons


def _leg_reasons(legs: list[Leg]) -> list[JurisdictionReason]:
    return [
        JurisdictionReason(country, "leg", f"{leg.start} → {leg.end}", km * 1000)
        for leg in legs
        if leg.mode != VEHICLE
        for country, km in leg.km_by_country.items()
        if country != OTHER and km > 0
    ]
