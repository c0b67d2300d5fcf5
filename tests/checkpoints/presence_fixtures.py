"""The presence and overdue tests' world: the demo season with keys and people, and its approved group
(KT-2027-000001 on KT-N-KZ, 10–28 July 2027, 4 members, planned in at KRK-HB-KZ and NIB-HP on 13 July and
out at NIB-HP then KRK-HB-KZ on 27 July), on a pinned clock. Crossing events are written straight into
the centre's table (ingest is tested on its own): `scan` is a VALID event unless told otherwise.

A test module takes the fixtures with `pytest_plugins = ["tests.checkpoints.presence_fixtures"]` after importing
its helpers from here; since the module is then imported before pytest registers it, it asks not to have its
asserts rewritten (PYTEST_DONT_REWRITE), which pytest would otherwise warn about.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from tengri.checkpoints.models import CrossingEvent, Device
from tengri.expeditions.models import Application, Member
from tengri.permits.models import Permit
from tengri.registry.models import Checkpoint, Place
from tests.permits.test_issuing import APPROVED, IN_SEASON, Clock, demo_world

KZ_TIME = timezone(timedelta(hours=5))
KG_TIME = timezone(timedelta(hours=6))
# The end of 27 July, the day of the last planned passage out (at KRK-HB-KZ, in Kazakhstan).
PLANNED_EXIT = datetime(2027, 7, 28, 0, 0, tzinfo=KZ_TIME)
ON_THE_WAY_IN = datetime(2027, 7, 13, 8, 0, tzinfo=KZ_TIME)
AT_BASE_CAMP = datetime(2027, 7, 13, 11, 0, tzinfo=KG_TIME)
MID_TRIP = datetime(2027, 7, 20, 12, 0, tzinfo=UTC)


def deadline() -> datetime:
    """Planned exit plus the grace, from the settings (the code under test reads them too)."""
    return PLANNED_EXIT + timedelta(hours=settings.TENGRI_OVERDUE_GRACE_HOURS)


def stage_at(stage: int) -> datetime:
    return deadline() + timedelta(hours=settings.TENGRI_OVERDUE_STAGE_HOURS[stage])


@dataclass
class Trip:
    application: Application
    clock: Clock

    @property
    def members(self) -> list[Member]:
        return list(self.application.members.filter(removed_at__isnull=True).order_by("id"))

    @property
    def leader(self) -> Member:
        return self.application.members.get(role=Member.Role.LEADER)


@pytest.fixture
def presence_clock(monkeypatch) -> Clock:
    """Django's clock, pinned in season before the trip; tests move it with `presence_clock.moment = …`."""
    return Clock(monkeypatch, IN_SEASON)


@pytest.fixture
def trip(demo_season, presence_clock, django_capture_on_commit_callbacks) -> Trip:
    """The demo people, keys and applications; the approved group with its permits."""
    demo_world(django_capture_on_commit_callbacks)
    mail.outbox.clear()  # the demo's own mail (decisions) is not what these tests look at
    return Trip(Application.objects.select_related("route", "company").get(reference=APPROVED), presence_clock)


def user(username: str):
    return get_user_model().objects.get(username=username)


def place(code: str) -> tuple[float, float]:
    found = Place.objects.get(code=code)
    return found.lat, found.lon


def device_at(code: str) -> Device:
    checkpoint = Checkpoint.objects.get(code=code)
    return Device.objects.filter(checkpoint=checkpoint).first() or Device.objects.create(
        checkpoint=checkpoint, label=f"{code} test laptop"
    )


def scan(member: Member, checkpoint: str, direction: str, at: datetime, *, verdict: str = "VALID") -> CrossingEvent:
    """One crossing event of `member` as the centre stores it after a sync without clock skew."""
    device = device_at(checkpoint)
    permit = Permit.objects.filter(member=member, revoked_at=None).first()
    application = member.application
    return CrossingEvent.objects.create(
        id=uuid.uuid4(),
        device=device,
        checkpoint=device.checkpoint,
        direction=direction,
        verdict=verdict,
        detail="valid permit" if verdict == "VALID" else "refused",
        officer="Sgt. Test",
        permit_id=permit.id if permit else None,
        application=application,
        member=member,
        holder_name=member.name,
        nationality=member.nationality,
        reference=application.reference,
        route_code=application.route.code,
        device_time=at,
        received_at=at + timedelta(hours=2),
        clock_skew_s=0.0,
        occurred_at=at,
    )


def scan_all(application: Application, checkpoint: str, direction: str, at: datetime) -> list[CrossingEvent]:
    members = application.members.filter(removed_at__isnull=True).order_by("id")
    return [scan(member, checkpoint, direction, at + timedelta(seconds=n)) for n, member in enumerate(members)]


def walk_in(application: Application) -> None:
    """The whole group in as planned: Karkara heli base, then the North Inylchek base camp helipad."""
    scan_all(application, "KRK-HB-KZ", "in", ON_THE_WAY_IN)
    scan_all(application, "NIB-HP", "in", AT_BASE_CAMP)
