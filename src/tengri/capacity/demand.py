"""What an application's itinerary needs, per resource and day: {(resource id, day): people}.

- a checkpoint: the group on the day of each planned passage (entering and leaving the same day
  crosses twice);
- a base camp: the group on each night it sleeps at the camp's place;
- a helicopter leg: the group on the day it moves between two stops (the night before and the night
  of that day) across a waypoint the route reaches by helicopter; flying the other way books the
  leg's way back. The trip starts at the route's first waypoint and comes back to it on the last
  day: every helicopter route in the registry is there and back.

People are everyone on the application (leader, guides, members), as the group size counts them.
Pure reads; `resources_sync` may add missing resource rows (idempotent, conflict-free).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from django.db import connection
from django.db.models import Value

from tengri.capacity.models import Resource
from tengri.expeditions.models import Application
from tengri.registry.models import BaseCamp, Checkpoint, HelicopterLeg, Waypoint

Demand = dict[tuple[int, date], int]
# The pre-screen's findings that mean the itinerary cannot say yet what it needs.
INCOMPLETE = frozenset({"itinerary.nights_missing", "passages.entry_and_exit_needed"})
PASSAGE, NIGHT = "passage", "night"


def application_people(application: Application) -> int:
    """Everyone on the application; counted by the statement that locked it when that one did
    (`placement.application_locked`), else here."""
    counted = getattr(application, "people_now", None)
    if counted is not None:
        return counted
    return application.members.filter(removed_at__isnull=True).count()


def itinerary_complete(application: Application, *, people: int | None = None) -> bool:
    """Every night has a sleeping place, there is a way in and out, and someone goes (the pre-screen's
    findings as saved with the application)."""
    codes = {finding["code"] for finding in application.findings}
    people = application_people(application) if people is None else people
    return not codes & INCOMPLETE and people > 0


def application_demand(application: Application, *, people: int | None = None) -> Demand:
    """What the application's itinerary needs as it is now (empty when nobody goes)."""
    people = application_people(application) if people is None else people
    if people == 0:
        return {}
    passages, nights = _passages_and_nights(application)
    resources = _Resources.load()
    if any(checkpoint not in resources.checkpoint for checkpoint, _day in passages) or not resources.checkpoint:
        resources_sync()  # a checkpoint added since (the registry's signals normally see to it)
        resources = _Resources.load()
    need: Counter[tuple[int, date]] = Counter()
    for checkpoint_id, day in passages:
        need[(resources.checkpoint[checkpoint_id], day)] += people
    for day, place_id in nights:
        resource = resources.base_camp.get(place_id)
        if resource is not None:
            need[(resource, day)] += people
    for day, resource in _flights(application, nights, resources):
        need[(resource, day)] += people
    return dict(need)


def _passages_and_nights(application: Application) -> tuple[list[tuple[int, date]], list[tuple[date, int]]]:
    """(checkpoint, day) of each planned passage and (day, sleeping place) of each night, by day: one
    round trip for both, since every booking asks."""
    passages = application.passages.order_by().values_list(Value(PASSAGE), "checkpoint_id", "date")
    nights = application.itinerary.order_by().values_list(Value(NIGHT), "sleeping_place_id", "date")
    rows = list(passages.union(nights, all=True))
    return (
        [(place, day) for kind, place, day in rows if kind == PASSAGE],
        sorted((day, place) for kind, place, day in rows if kind == NIGHT),
    )


def _flights(application: Application, nights: list[tuple[date, int]], resources: "_Resources"):
    """(day, helicopter resource) for every helicopter waypoint crossed between two stops."""
    waypoints = list(application.route.waypoints.order_by("position").values_list("place_id", "arrival"))
    if not waypoints:
        return
    position: dict[int, int] = {}
    for index, (place_id, _arrival) in enumerate(waypoints):
        position.setdefault(place_id, index)
    home = waypoints[0][0]
    stops = [(application.start_date, home), *nights, (application.end_date, home)]
    for (_before, here), (day, there) in pairwise(stops):
        if here not in position or there not in position:
            continue
        for origin, destination in _crossed(waypoints, position[here], position[there]):
            resource = resources.helicopter.get((origin, destination))
            if resource is not None:
                yield day, resource


def _crossed(waypoints: list[tuple[int, str]], start: int, end: int):
    """The helicopter hops (origin place, destination place) between two positions, in travel order."""
    if end > start:
        for index in range(start + 1, end + 1):
            if waypoints[index][1] == Waypoint.Arrival.HELICOPTER:
                yield waypoints[index - 1][0], waypoints[index][0]
    else:
        for index in range(start, end, -1):
            if waypoints[index][1] == Waypoint.Arrival.HELICOPTER:
                yield waypoints[index][0], waypoints[index - 1][0]


@dataclass
class _Resources:
    """Resource ids by what the itinerary names: checkpoint id, base camp place id, (origin, destination)."""

    checkpoint: dict[int, int]
    base_camp: dict[int, int]
    helicopter: dict[tuple[int, int], int]

    @classmethod
    def load(cls) -> "_Resources":
        found = cls({}, {}, {})
        for pk, checkpoint, camp_place, origin, destination, way_back in _resource_rows():
            if checkpoint:
                found.checkpoint[checkpoint] = pk
            elif camp_place:
                found.base_camp[camp_place] = pk
            elif origin:
                found.helicopter[(destination, origin) if way_back else (origin, destination)] = pk
        return found


def _resource_rows() -> list[tuple]:
    return list(
        Resource.objects.values_list(
            "pk",
            "checkpoint_id",
            "base_camp__place_id",
            "helicopter_leg__origin_id",
            "helicopter_leg__destination_id",
            "way_back",
        )
    )


def registry_size() -> int:
    """How many resources the registry makes: one round trip, since every booking asks."""
    tables = [model._meta.db_table for model in (Checkpoint, BaseCamp, HelicopterLeg)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {tables[0]}) + (SELECT COUNT(*) FROM {tables[1]})"  # noqa: S608 (model tables)
            f" + 2 * (SELECT COUNT(*) FROM {tables[2]})"
        )
        return int(cursor.fetchone()[0])


def resources_sync() -> int:
    """A resource for every checkpoint, base camp and helicopter leg (both ways); returns how many
    were added. Safe to run at the same time as itself: a row another request added is skipped."""
    wanted = [
        Resource(kind=Resource.Kind.CHECKPOINT, code=f"checkpoint:{c.code}", checkpoint=c)
        for c in Checkpoint.objects.all()
    ]
    wanted += [
        Resource(kind=Resource.Kind.BASE_CAMP, code=f"base_camp:{camp.place.code}", base_camp=camp)
        for camp in BaseCamp.objects.select_related("place")
    ]
    for leg in HelicopterLeg.objects.select_related("origin", "destination"):
        out, back = f"{leg.origin.code}>{leg.destination.code}", f"{leg.destination.code}>{leg.origin.code}"
        wanted.append(Resource(kind=Resource.Kind.HELICOPTER, code=f"helicopter:{out}", helicopter_leg=leg))
        wanted.append(
            Resource(kind=Resource.Kind.HELICOPTER, code=f"helicopter:{back}", helicopter_leg=leg, way_back=True)
        )
    before = Resource.objects.count()
    Resource.objects.bulk_create(wanted, ignore_conflicts=True)
    return Resource.objects.count() - before
