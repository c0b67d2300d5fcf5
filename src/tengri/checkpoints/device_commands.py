"""Sub-commands of `tengri` (filled in by the checkpoints work)."""


def register(commands) -> None:
    """Adds this module's sub-commands to the `tengri` parser."""
