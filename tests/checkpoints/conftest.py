"""Checkpoint tests' world. Device fixtures (`device_*`): the demo season with keys and the approved demo group
(KT-2027-000001 on KT-N-KZ, 4 permits, passages at KRK-HB-KZ and NIB-HP on 13 and 27 July) on a pinned
clock, and devices registered and enrolled through their services."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tengri.checkpoints.devices import device_enrol, device_register
from tengri.checkpoints.models import Device
from tengri.expeditions.models import Application
from tests.permits.test_issuing import IN_SEASON, Clock, demo_world

DURING_TRIP = datetime(2027, 7, 13, 4, 0, tzinfo=UTC)  # 09:00 at Karkara (UTC+5): the group's way in


@pytest.fixture
def device_clock(monkeypatch) -> Clock:
    """Django's clock, pinned in season (before the trip); tests move it with `device_clock.moment = …`."""
    return Clock(monkeypatch, IN_SEASON)


@pytest.fixture
def device_world(demo_season, device_clock, django_capture_on_commit_callbacks) -> Application:
    """The demo people, keys and applications; returns the approved application with its permits."""
    return demo_world(django_capture_on_commit_callbacks)


@pytest.fixture
def device_enrolled(demo_season) -> Callable[..., tuple[Device, str]]:
    """Registers and enrols a device at a checkpoint: returns it and its credential."""

    def enrolled(checkpoint: str = "KRK-HB-KZ", label: str = "") -> tuple[Device, str]:
        _, token = device_register(actor=None, checkpoint_code=checkpoint, label=label or f"{checkpoint} laptop")
        return device_enrol(token=token)

    return enrolled


def scan(checkpoint: str = "KRK-HB-KZ", **fields) -> dict:
    """One event as a node sends it (after `model_dump`): a VALID entry unless told otherwise."""
    return {
        "id": uuid.uuid4(),
        "checkpoint": checkpoint,
        "direction": "in",
        "verdict": "VALID",
        "detail": "valid permit",
        "method": "qr",
        "officer": "Serik",
        "permit_id": None,
        "holder_name": "MUELLER ANNA",
        "nationality": "D<<",
        "reference": "KT-2027-000001",
        "route_code": "KT-N-KZ",
        "device_time": DURING_TRIP,
        **fields,
    }
