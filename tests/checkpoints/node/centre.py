"""The centre as a checkpoint node meets it in the tests: the real Django application, in-process, behind
httpx's WSGI transport (so requests run the real endpoints on the test database), optionally behind a
transport that injects the network's and the server's faults."""

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from tengri.checkpoints.devices import device_register
from tengri.checkpoints.node.node import Node

# 08:00 at Karkara (UTC+5) on the approved demo group's way in: its permits are valid at KRK-HB-KZ today.
TRIP_DAY = datetime(2027, 7, 13, 3, 0, tzinfo=UTC)
# WSGI transports ignore the address; a real client sent there finds nothing listening (port 9: discard).
SERVER = "http://127.0.0.1:9"


@contextmanager
def _connections_kept() -> Iterator[None]:
    """A WSGI request ends by closing 'old' database connections, which would end the test's transaction;
    Django's own test client lifts that for its requests, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class CentreTransport(httpx.WSGITransport):
    """The centre's WSGI application, called in this process and on this test's database."""

    def __init__(self) -> None:
        super().__init__(app=get_wsgi_application())
        self.requests: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        with _connections_kept():
            response = super().handle_request(request)
            response.read()
        return response


class DeviceKilled(BaseException):
    """The node's process dies mid-request: nothing in the node may catch it (like SIGKILL)."""


FAULTS = (
    "pass",
    "lost_request",  # never arrives: connection refused
    "lost_answer",  # arrives and commits, the answer is lost (connection cut, read timeout)
    "error_before",  # a 500 before the application saw it (a proxy, a restarting server)
    "error_after",  # the application committed, then the proxy answered 502
    "cut_answer",  # the answer's body arrives truncated
    "twice",  # delivered twice (a retrying proxy); the node sees the second answer
    "shuffled",  # the batch's events reordered in transit; the answer is matched by id
    "delayed",  # held in the network and delivered later, after newer requests; the node saw a timeout
    "killed",  # arrives and commits, and the device dies before it reads the answer
)


@dataclass
class FaultyNetwork(httpx.BaseTransport):
    """Between a node and the centre: each request meets the next planned fault, or passes when none is
    left. Delayed requests are delivered at `deliver_delayed` (and their answers thrown away)."""

    centre: CentreTransport
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    plan: list[str] = field(default_factory=list)
    delayed: list[httpx.Request] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else "pass"
        self.seen.append(fault)
        if fault == "lost_request":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "error_before":
            return httpx.Response(500, json={"detail": "server error"}, request=request)
        if fault == "delayed":
            self.delayed.append(_copy(request))
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "shuffled":
            request = self._shuffled(request)
        response = self.centre.handle_request(request)
        if fault == "twice":
            response = self.centre.handle_request(_copy(request))
        if fault == "lost_answer":
            raise httpx.ReadError("connection reset by peer", request=request)
        if fault == "killed":
            raise DeviceKilled
        if fault == "error_after":
            return httpx.Response(502, text="bad gateway", request=request)
        if fault == "cut_answer":
            body = response.content
            return httpx.Response(response.status_code, content=body[: len(body) // 2], request=request)
        return response

    def deliver_delayed(self) -> None:
        while self.delayed:
            self.centre.handle_request(self.delayed.pop(self.rng.randrange(len(self.delayed))))

    def _shuffled(self, request: httpx.Request) -> httpx.Request:
        if request.method != "POST" or not request.url.path.endswith("/device/events"):
            return request
        body = json.loads(request.content)
        self.rng.shuffle(body["events"])
        return httpx.Request(request.method, request.url, headers=_headers(request), json=body)


def _copy(request: httpx.Request) -> httpx.Request:
    return httpx.Request(request.method, request.url, headers=_headers(request), content=request.content)


def _headers(request: httpx.Request) -> dict[str, str]:
    return {name: value for name, value in request.headers.items() if name.lower() != "content-length"}


def node_enrolled(
    home: Path,
    checkpoint: str,
    *,
    transport: httpx.BaseTransport,
    clock: Callable[[], datetime],
    label: str = "",
) -> Node:
    """A device registered by the administrator's service, and a node enrolled with its token through the API."""
    _, token = device_register(actor=None, checkpoint_code=checkpoint, label=label or f"{checkpoint} {home.name}")
    return Node.init(home, checkpoint=checkpoint, server=SERVER, token=token, transport=transport, clock=clock)
