"""The `tengri` command. Each domain package registers its own sub-commands (`<package>/commands.py`);
`tengri manage ...` is Django's manage.py."""

import argparse
import os
import sys
from importlib import import_module

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tengri.core.errors import InvalidInput, TengriError

# Modules whose `register(commands)` adds sub-commands, in the order `tengri --help` lists them.
COMMAND_MODULES = (
    "tengri.registry.commands",
    "tengri.documents.commands",
    "tengri.expeditions.commands",
    "tengri.permits.commands",
    "tengri.capacity.commands",
    "tengri.checkpoints.device_commands",
    "tengri.checkpoints.node.commands",
    "tengri.checkpoints.commands",
    "tengri.indicators.ledger_commands",
    "tengri.indicators.report_commands",
    "tengri.core.commands",
)

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["manage"]:
        return _manage(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    _django_setup()
    from django.db import DatabaseError

    try:
        return args.handler(args)
    except DatabaseError as error:
        print(f"tengri: error: the database is not ready ({error}); run `tengri manage migrate`", file=sys.stderr)
        return EXIT_FAILED
    except InvalidInput as error:
        print(f"tengri: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except TengriError as error:
        print(f"tengri: error: {error}", file=sys.stderr)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tengri", description="Tengri: routes, borders and permits around Khan Tengri"
    )
    commands = parser.add_subparsers(title="commands")
    commands.add_parser("manage", help="Django management commands (migrate, createsuperuser, ...)")
    for module in COMMAND_MODULES:
        import_module(module).register(commands)
    return parser


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tengri.config.base")
    import django

    django.setup()


def _manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tengri.config.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tengri manage", *argv])
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
