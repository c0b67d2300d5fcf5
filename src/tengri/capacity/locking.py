"""Locking the resource-days a request makes less available: once, late, in sorted order, in one
statement; then the caller recounts from the source rows while it holds the locks.

PostgreSQL: missing rows are created first (`INSERT ... ON CONFLICT DO NOTHING`, so two requests
creating the same row never fail; the same statement sets the lock timeout), then
`SELECT ... WHERE ... ORDER BY resource_id, day FOR UPDATE` locks them all: the rows are locked in
that order, so two requests needing overlapping sets wait for each other and never deadlock.
`lock_timeout` (TENGRI_CAPACITY_LOCK_TIMEOUT_MS, set for the rest of the transaction) bounds the wait;
a request that runs out of it is answered `Busy` (HTTP 503, retry).

SQLite: the project's transactions begin IMMEDIATE (config/env.py), so a writer holds the database's
one write lock from its first statement and needs no row lock; a writer that waited past the busy
timeout is answered `Busy` as well (`capacity_transaction`).
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q

from tengri.capacity.models import ResourceDay
from tengri.core.errors import Busy

# Switched off only by the control test, to show the oversell the lock prevents. Never in production.
LOCKING = True
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
DEADLOCK_DETECTED = "40P01"  # a backstop: the lock order is meant to make it impossible; retrying is safe

Key = tuple[int, date]
P = ParamSpec("P")
R = TypeVar("R")


def resource_days_lock(keys: Iterable[Key]) -> dict[Key, int]:
    """Lock the resource-day rows of `keys` (creating missing ones) until the transaction ends and return
    their ids. Must run inside a transaction. Raises Busy when another request held them too long."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = ResourceDay.objects.filter(_matching(keys)).order_by("resource_id", "day")
    if LOCKING:
        rows = rows.select_for_update()
    with _busy_on_timeout():  # the insert too may wait, for another request's uncommitted row of the same day
        _insert_missing(keys)
        return {(resource, day): pk for pk, resource, day in rows.values_list("pk", "resource_id", "day")}


def resource_days_find(keys: Iterable[Key]) -> dict[Key, int]:
    """Ids of the resource-day rows of `keys` that exist, without locking (for lines that only shrink)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = ResourceDay.objects.filter(_matching(keys)).values_list("pk", "resource_id", "day")
    return {(resource, day): pk for pk, resource, day in rows}


def capacity_transaction(function: Callable[P, R]) -> Callable[P, R]:
    """One durable transaction around a capacity service; a lock wait that ran out becomes Busy."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic(durable=True):
                return function(*args, **kwargs)
        except OperationalError as error:
            if lock_timed_out(error):
                raise Busy("capacity is being booked by others right now: try again in a moment") from error
            raise

    return run


def lock_timed_out(error: OperationalError) -> bool:
    if connection.vendor == "postgresql":
        return getattr(error.__cause__, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)
    return "database is locked" in str(error)


def _matching(keys: list[Key]) -> Q:
    days: dict[int, list[date]] = defaultdict(list)
    for resource, day in keys:
        days[resource].append(day)
    condition = Q()
    for resource, wanted in days.items():
        condition |= Q(resource_id=resource, day__in=wanted)
    return condition


def _insert_missing(keys: list[Key]) -> None:
    """Create the rows of `keys` that do not exist yet, in sorted order. On PostgreSQL the same statement
    first bounds the wait for row locks for the rest of the transaction (`lock_timeout`, the audit
    chain's lock included: a booking that waits that long for it is just as busy): one round trip, not
    two, on the path every booking takes. The cross join with the one-row `timeout` makes PostgreSQL
    evaluate `set_config` before it inserts (and so before any wait on another request's new row)."""
    if connection.vendor != "postgresql":
        ResourceDay.objects.bulk_create(
            [ResourceDay(resource_id=resource, day=day) for resource, day in keys], ignore_conflicts=True
        )
        return
    # The only name put into the text is the model's own table.
    sql = (
        "WITH timeout AS (SELECT set_config('lock_timeout', %s, true)) "  # noqa: S608
        f"INSERT INTO {ResourceDay._meta.db_table} (resource_id, day) "
        "SELECT wanted.resource_id, wanted.day FROM unnest(%s::bigint[], %s::date[]) AS wanted(resource_id, day), "
        "timeout ORDER BY 1, 2 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                f"{settings.TENGRI_CAPACITY_LOCK_TIMEOUT_MS}ms",
                [resource for resource, _day in keys],
                [day for _resource, day in keys],
            ],
        )


class _busy_on_timeout:
    """A lock wait that ran out (PostgreSQL's lock_timeout, SQLite's busy timeout) is Busy."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> None:
        if isinstance(error, OperationalError) and lock_timed_out(error):
            raise Busy("capacity is being booked by others right now: try again in a moment") from error
