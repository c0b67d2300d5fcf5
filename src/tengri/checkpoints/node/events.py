"""A crossing event as the node records it and sends it (docs/offline-sync.md, "Events").

The event is made to fit the centre's columns when it is recorded, not when it is sent: a batch is
all-or-nothing at the centre, so one over-long field refused there would hold every later event back, and
the copy the node keeps must be exactly the copy the centre stores.
"""

import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tengri.checkpoints.node.uuid7 import uuid7

DIRECTIONS = ("in", "out")
# "paper": a crossing kept on the paper log while the laptop was down, entered later with its real time.
METHODS = ("qr", "image", "lookup", "paper")
# The centre's column sizes (tengri.checkpoints.models.CrossingEvent).
LIMITS = {
    "checkpoint": 12,
    "verdict": 20,
    "detail": 300,
    "officer": 100,
    "holder_name": 200,
    "nationality": 3,
    "reference": 20,
    "route_code": 20,
}


@dataclass(frozen=True)
class NodeEvent:
    """One scan at this checkpoint, accepted or refused. Carries no QR text, passport number or birth
    date: the centre finds the member through `permit_id`."""

    id: str
    checkpoint: str
    direction: str
    verdict: str
    detail: str
    method: str
    officer: str
    permit_id: str | None
    holder_name: str
    nationality: str
    reference: str
    route_code: str
    device_time: str  # ISO 8601, UTC

    @classmethod
    def new(
        cls,
        *,
        checkpoint: str,
        direction: str,
        verdict: str,
        detail: str,
        method: str,
        officer: str,
        device_time: datetime,
        permit_id: UUID | None = None,
        holder_name: str = "",
        nationality: str = "",
        reference: str = "",
        route_code: str = "",
    ) -> "NodeEvent":
        """A new event with a fresh UUIDv7, its texts cut to the centre's sizes. Raises ValueError for a
        direction or method outside the contract, or a naive time (the caller's mistakes)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        if device_time.tzinfo is None:
            raise ValueError("device_time must be an aware datetime")
        texts = {
            "checkpoint": checkpoint,
            "verdict": verdict,
            "detail": detail,
            "officer": officer,
            "holder_name": holder_name,
            "nationality": nationality,
            "reference": reference,
            "route_code": route_code,
        }
        fitted = {name: _fit(value, LIMITS[name]) for name, value in texts.items()}
        return cls(
            id=str(uuid7()),
            direction=direction,
            method=method,
            permit_id=str(permit_id) if permit_id else None,
            device_time=device_time.astimezone(UTC).isoformat(),
            **fitted,
        )

    def wire(self) -> dict[str, Any]:
        """The event as `POST /api/v1/device/events` takes it."""
        return asdict(self)

    @property
    def accepted(self) -> bool:
        return self.verdict == "VALID"


def _fit(text: str, limit: int) -> str:
    """One line of printable text within `limit` characters. A refused permit's claims are whatever its
    maker wrote: a NUL or a lone surrogate would make the centre refuse the batch, and every later batch
    with it."""
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cs") or char.isspace())
    text = " ".join(text.split())  # a detail never needs a newline, and a scanner may add one
    return text if len(text) <= limit else text[: limit - 1] + "…"
