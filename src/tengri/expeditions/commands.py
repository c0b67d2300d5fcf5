"""Sub-commands of this package (filled in as the package grows)."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Nothing yet."""
