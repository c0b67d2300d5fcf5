"""API endpoints: presence (filled in by the checkpoints work)."""

from ninja import Router

router = Router(tags=["presence"])
