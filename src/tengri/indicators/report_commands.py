"""Placeholder: filled in by the indicators work."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    del commands
