"""The permit tests' world: the demo season with keys and the approved demo group, on a pinned clock."""

import pytest

from .test_issuing import IN_SEASON, Clock, demo_world


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, IN_SEASON)


@pytest.fixture
def world(demo_season, clock, django_capture_on_commit_callbacks):
    return demo_world(django_capture_on_commit_callbacks)
