"""Data checks on the registry: a guard against typos in coordinates and altitudes.

Each place with a stated altitude is compared with the GEBCO grid at its position. The grid's 15"
(~350 × 460 m) cells smooth sharp relief: summits read up to ~600 m low (Khan Tengri 6446 m vs 7010 m)
and high camps, cols and ridges up to ~500 m low, while valleys, lakes and passes agree within ~150 m. The
tolerance follows the kind of place; a disagreement beyond it usually means a mistyped coordinate.
"""

from dataclasses import dataclass

from tengri.geo.elevation import elevation_grid
from tengri.registry.models import Checkpoint, Place, Route

TOLERANCE_BY_KIND_M: dict[str, int] = {
    Place.Kind.SUMMIT: 700,
    Place.Kind.COL: 550,
    Place.Kind.CAMP: 550,
}
DEFAULT_TOLERANCE_M = 250


@dataclass(frozen=True)
class RegistryProblem:
    subject: str
    message: str
    severity: str = "error"  # "error" fails `tengri registry check`; "info" is printed only


def altitude_problems() -> list[RegistryProblem]:
    grid = elevation_grid()
    problems = []
    for place in Place.objects.exclude(altitude_m=None).order_by("code"):
        stated = int(place.altitude_m or 0)
        if not grid.covers(place.lat, place.lon):
            problems.append(RegistryProblem(place.code, "outside the elevation grid: altitude cannot be checked"))
            continue
        ground = grid.at(place.lat, place.lon)
        tolerance = TOLERANCE_BY_KIND_M.get(place.kind, DEFAULT_TOLERANCE_M)
        if abs(stated - ground) > tolerance:
            problems.append(
                RegistryProblem(
                    place.code,
                    f"stated altitude {stated} m, grid {ground:.0f} m at ({place.lat}, {place.lon}): "
                    f"{stated - ground:+.0f} m, beyond the {tolerance} m tolerance for a {place.kind}",
                )
            )
    return problems


def structure_problems() -> list[RegistryProblem]:
    problems = []
    for route in Route.objects.prefetch_related("waypoints"):
        if route.waypoints.count() < 2:
            problems.append(RegistryProblem(route.code, "fewer than two waypoints"))
    for checkpoint in Checkpoint.objects.filter(place=None):
        problems.append(RegistryProblem(checkpoint.code, "location unknown: not shown on maps", severity="info"))
    return problems


def registry_problems() -> list[RegistryProblem]:
    return altitude_problems() + structure_problems()
