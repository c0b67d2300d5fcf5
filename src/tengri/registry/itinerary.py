"""Check a day-by-day list of sleeping places from the registry against the WMS ascent guidance."""

from collections.abc import Sequence

from tengri.core.errors import InvalidInput
from tengri.geo.acclimatisation import AcclimatisationFinding, Night, check_itinerary
from tengri.geo.elevation import elevation_grid
from tengri.registry.models import Place, Route, Waypoint


def itinerary_check(
    *, place_codes: Sequence[str], route: Route | None = None, start_altitude_m: float | None = None
) -> list[AcclimatisationFinding]:
    """Night n is spent at `place_codes[n - 1]`. With a route, a night at a place the route reaches by
    helicopter, right after a night elsewhere, counts as arriving by helicopter.
    Raises `InvalidInput` for an unknown place code."""
    places = _places(place_codes)
    flown_to = _helicopter_destinations(route) if route else set()
    nights = []
    for day, code in enumerate(place_codes, start=1):
        place = places[code]
        previous = place_codes[day - 2] if day > 1 else None
        nights.append(
            Night(
                day=day,
                place=place.name,
                sleeping_altitude_m=_sleeping_altitude(place),
                by_helicopter=code in flown_to and previous != code,
            )
        )
    return check_itinerary(nights, start_altitude_m=start_altitude_m)


def _places(codes: Sequence[str]) -> dict[str, Place]:
    if not codes:
        raise InvalidInput("give at least one sleeping place (place codes, one per night)")
    found = {place.code: place for place in Place.objects.filter(code__in=set(codes))}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise InvalidInput(f"unknown place code(s): {', '.join(unknown)}")
    return found


def _helicopter_destinations(route: Route) -> set[str]:
    arrivals = route.waypoints.filter(arrival=Waypoint.Arrival.HELICOPTER).select_related("place")
    return {waypoint.place.code for waypoint in arrivals}


def _sleeping_altitude(place: Place) -> float:
    if place.altitude_m is not None:
        return float(place.altitude_m)
    return elevation_grid().at(place.lat, place.lon)
