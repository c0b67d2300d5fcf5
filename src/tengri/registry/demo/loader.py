"""Loads the demo season (the Khan Tengri routes and their infrastructure) idempotently.

Used by `tengri manage load_demo` (which `make run` calls) and by the tests. Re-running updates the rows
in place by their codes, so an administrator's additions are kept; edits to demo rows are overwritten.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from tengri.registry.demo import khan_tengri as data
from tengri.registry.models import Authority, BaseCamp, Checkpoint, HelicopterLeg, Place, Route, Waypoint

DEMO_USERS = [
    # (username, password, what they may do)
    ("admin", "tengri-admin-2026", "administrator: registry, users, keys (Django admin at /admin/)"),
]


@dataclass(frozen=True)
class DemoLoadResult:
    routes: int
    places: int
    checkpoints: int
    users: list[tuple[str, str, str]]


@transaction.atomic
def demo_season_load(*, with_users: bool = True) -> DemoLoadResult:
    """Create or update every demo row. Locks nothing beyond the rows it writes; raises on bad demo data."""
    authorities = {row["code"]: _upsert(Authority, "code", row) for row in data.AUTHORITIES}
    places = {row["code"]: _upsert(Place, "code", row) for row in data.PLACES}
    for row in data.CHECKPOINTS:
        _checkpoint_load(row, places, authorities)
    for row in data.BASE_CAMPS:
        BaseCamp.objects.update_or_create(place=places[row["place"]], defaults=_without(row, "place"))
    for row in data.HELICOPTER_LEGS:
        HelicopterLeg.objects.update_or_create(
            origin=places[row["origin"]],
            destination=places[row["destination"]],
            defaults=_without(row, "origin", "destination"),
        )
    for row in data.ROUTES:
        _route_load(row, places)
    return DemoLoadResult(
        routes=len(data.ROUTES),
        places=len(data.PLACES),
        checkpoints=len(data.CHECKPOINTS),
        users=_users_load() if with_users else [],
    )


def _upsert(model, key: str, row: dict):
    instance, _ = model.objects.update_or_create(**{key: row[key]}, defaults=_without(row, key))
    instance.full_clean()
    return instance


def _without(row: dict, *keys: str) -> dict:
    return {name: value for name, value in row.items() if name not in keys}


def _checkpoint_load(row: dict, places: dict, authorities: dict) -> None:
    fields = _without(row, "code", "place", "authorities")
    fields["place"] = places[row["place"]] if row.get("place") else None
    checkpoint, _ = Checkpoint.objects.update_or_create(code=row["code"], defaults=fields)
    checkpoint.full_clean()
    checkpoint.authorities.set([authorities[code] for code in row["authorities"]])


def _route_load(row: dict, places: dict) -> None:
    route, _ = Route.objects.update_or_create(code=row["code"], defaults=_without(row, "code", "waypoints"))
    route.full_clean()
    route.waypoints.all().delete()
    for position, (place_code, arrival) in enumerate(row["waypoints"], start=1):
        Waypoint.objects.create(route=route, position=position, place=places[place_code], arrival=arrival)


def _users_load() -> list[tuple[str, str, str]]:
    users = get_user_model().objects
    for username, password, _ in DEMO_USERS:
        user = users.filter(username=username).first() or users.create_superuser(username, f"{username}@tengri.local")
        user.set_password(password)
        user.save(update_fields=["password"])
    return DEMO_USERS
