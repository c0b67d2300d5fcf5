"""API endpoints: devices (filled in by the checkpoints work)."""

from ninja import Router

router = Router(tags=["devices"])
