"""Capacity tests work on the factories' KT-N-KZ programme (tests/factories.py): a group of four
(leader and three climbers) flies Karkara → North Inylchek BC on 15 July 2027 (checkpoints KRK-HB-KZ
and NIB-HP in), sleeps eight nights at the base camp and flies back on 29 July."""

from datetime import UTC, date, datetime

import pytest

from tengri.capacity import services
from tengri.capacity.demand import resources_sync
from tengri.capacity.models import Resource

NOW = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)  # the factories' filing day, at noon UTC
FLY_IN = date(2027, 7, 15)
FLY_OUT = date(2027, 7, 29)
PAD = "checkpoint:NIB-HP"  # the base camp's helipad: the tightest spot in these tests


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def resources(demo_season) -> dict[str, Resource]:
    resources_sync()
    return {resource.code: resource for resource in Resource.objects.all()}


def set_capacity(code: str, day: date, capacity: int, reason: str = "one landing pad under repair"):
    return services.capacity_override_set(
        actor=None, resource=Resource.objects.get(code=code), day=day, capacity=capacity, reason=reason
    )
