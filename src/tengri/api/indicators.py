"""Placeholder: filled in by the indicators work."""

from ninja import Router

router = Router(tags=["indicators"])
