"""Access rules, all in one place. Each takes the acting user and raises `AccessDenied` or returns.

Pages and endpoints call exactly one of these before doing anything; tests/core/test_access.py holds
the matrix proving each rule refuses whom it should.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from tengri.core.errors import AccessDenied

User = AbstractBaseUser | AnonymousUser


def access_registry_read(user: User) -> None:
    """The registry of approved routes, checkpoints and seasons is public information: anyone may read it."""


def is_administrator(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def access_registry_edit(user: User) -> None:
    """Only administrators see and edit routes, places, checkpoints, capacities and seasons (in the admin)."""
    if not is_administrator(user):
        raise AccessDenied("only an administrator may edit the registry")


def allows(rule, user: User) -> bool:
    """A rule as a yes/no answer, for frameworks that ask (the Django admin)."""
    try:
        rule(user)
    except AccessDenied:
        return False
    return True
