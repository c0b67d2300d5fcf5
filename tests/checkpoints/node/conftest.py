"""The node tests' world: the demo season with keys and the approved demo group (KT-2027-000001, four
permits, passages at KRK-HB-KZ on 13 July and NIB-HP on 27 July), the clock on the group's way in, and
nodes enrolled through the centre's real API, each in its own home. The set-up itself is in `world.py`,
shared with test_sync_faults.py."""

from collections.abc import Callable, Iterator

import pytest

from tengri.checkpoints.node.node import Node
from tengri.expeditions.models import Application
from tengri.permits.models import Permit
from tests.permits.test_issuing import IN_SEASON, Clock

from . import world
from .centre import CentreTransport, node_enrolled


@pytest.fixture
def node_clock(monkeypatch) -> Clock:
    """One clock for the centre and the nodes: pinned in season while the world is made, then on the trip day."""
    return Clock(monkeypatch, IN_SEASON)


@pytest.fixture
def trip(demo_season, node_clock, django_capture_on_commit_callbacks) -> Application:
    """The approved application, on the day its group enters at KRK-HB-KZ."""
    return world.trip_world(django_capture_on_commit_callbacks, node_clock)


@pytest.fixture
def permits(trip) -> list[Permit]:
    return world.live_permits(trip)


@pytest.fixture
def qr_texts(trip) -> list[str]:
    return world.qr_texts(trip)


@pytest.fixture
def centre(trip) -> CentreTransport:
    return CentreTransport()


@pytest.fixture
def make_node(trip, centre, node_clock, tmp_path) -> Iterator[Callable[..., Node]]:
    """Enrols nodes (each in its own home under tmp_path) and closes them after the test."""
    opened: list[Node] = []

    def make(checkpoint: str = "KRK-HB-KZ", name: str = "", *, transport=None, pulled: bool = True) -> Node:
        home = tmp_path / (name or f"{checkpoint.lower()}-{len(opened)}")
        node = node_enrolled(home, checkpoint, transport=transport or centre, clock=lambda: node_clock.moment)
        opened.append(node)
        if pulled:
            assert node.pull().ok
        return node

    yield make
    for node in opened:
        node.close()


@pytest.fixture
def node(make_node) -> Node:
    """A node at KRK-HB-KZ that has pulled its trust data and manifest."""
    return make_node("KRK-HB-KZ", "krk")
