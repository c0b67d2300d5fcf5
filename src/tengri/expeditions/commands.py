"""`tengri demo` and `tengri retention run`."""

import argparse

from tengri.core.commandline import EXIT_OK, print_json


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="load the demo season: routes, companies, users, guides, applications")
    demo.set_defaults(handler=_demo)

    retention = commands.add_parser("retention", help="personal-data retention").add_subparsers(title="retention")
    run = retention.add_parser(
        "run", help="erase personal data of applications closed longer than the retention period"
    )
    run.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_retention_run)


def _demo(args) -> int:
    from django.conf import settings

    from tengri.core.errors import AccessDenied
    from tengri.expeditions.demo import demo_applications_load, demo_people_load
    from tengri.indicators.demo import demo_history_load
    from tengri.indicators.seed import ledger_seed
    from tengri.permits.demo import demo_keys_load
    from tengri.registry.demo.loader import demo_season_load

    if not settings.DEBUG:
        raise AccessDenied("demo logins with published passwords are for development only (DEBUG is off)")
    from django.test.utils import override_settings

    season = demo_season_load(with_users=True)
    logins = season.users + demo_people_load()
    demo_keys_load()  # before the applications, so that the approved one gets its permits
    # The demo's decisions would mail the demo users; keep the console quiet.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        created = demo_applications_load()
    # The command composes every package's demo (as it does permits'): the indicators need a past season.
    history = demo_history_load()
    figures = ledger_seed()
    print(f"Demo season: {season.routes} routes, {season.checkpoints} checkpoints, {created} new application(s).")
    print(f"Indicators: {history} generated application(s) of the past season, {figures} trade figure(s) seeded.")
    for username, password, what in logins:
        print(f"  login {username} / {password}  — {what}")
    return EXIT_OK


def _retention_run(args) -> int:
    from tengri.expeditions.retention import retention_run

    result = retention_run(dry_run=args.dry_run)
    if args.json:
        print_json({"dry_run": result.dry_run, "applications": result.due})
        return EXIT_OK
    verb = "would erase" if result.dry_run else "erased"
    print(f"{verb} the personal data of {len(result.due)} application(s)")
    for reference in result.due:
        print(f"  {reference}")
    return EXIT_OK
