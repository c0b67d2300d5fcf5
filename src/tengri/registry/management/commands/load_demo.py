"""`tengri manage load_demo`: load the demo season and print the demo logins (a wrapper over the service)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tengri.registry.demo.loader import demo_season_load


class Command(BaseCommand):
    help = "Load the demo season: Khan Tengri routes, crossing points, camps, helicopter legs, demo users."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="registry data only, no demo logins")

    def handle(self, *args, **options):
        with_users = not options["no_users"]
        if with_users and not settings.DEBUG:
            raise CommandError("demo users with published passwords are for development only (DEBUG is off)")
        result = demo_season_load(with_users=with_users)
        self.stdout.write(
            f"Demo season loaded: {result.routes} routes, {result.places} places, {result.checkpoints} checkpoints."
        )
        for username, password, role in result.users:
            self.stdout.write(f"  login {username} / {password}  — {role}")
