"""Access rules, all in one place. Each takes the acting user and raises `AccessDenied` or returns.

Pages and endpoints call exactly one of these before doing anything; tests/core/test_access.py holds
the matrix proving each rule refuses whom it should.
"""

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from tengri.core.errors import AccessDenied
from tengri.core.roles import Role

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


# --- Roles -----------------------------------------------------------------------------------------
# Users carry their role on `user.account` (tengri.accounts). Rules read it without importing the
# accounts package, so that this module stays at the bottom of the dependency graph.


def _account(user: User):
    if not (user.is_authenticated and user.is_active):
        return None
    # A user without a role has no `account`: Django raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(user, "account", None)


def account_of(user: User) -> Any:
    """The acting user's account (role, country, company); call after an access rule let them in."""
    account = _account(user)
    if account is None:
        raise AccessDenied("this user has no role in Tengri")
    return account


def role_of(user: User) -> str:
    account = _account(user)
    return account.role if account else ""


def _require_role(user: User, role: Role, what: str):
    account = _account(user)
    if account is None or account.role != role:
        raise AccessDenied(f"only a {role.label} may {what}")
    return account


def access_operator(user: User) -> None:
    """Pages of the operator's own company: guides, applications list, new application."""
    _require_role(user, Role.OPERATOR, "work with a tour company's applications")


def access_application_create(user: User, *, today: date) -> None:
    account = _require_role(user, Role.OPERATOR, "file an application")
    if not account.company.licence_valid_on(today):
        raise AccessDenied(f"the licence of {account.company.name} expired on {account.company.licence_valid_until}")


def access_application_edit(user: User, application) -> None:
    """Only operators of the company that filed it change an application (officers decide, never edit)."""
    account = _require_role(user, Role.OPERATOR, "change an application")
    if account.company_id != application.company_id:
        raise AccessDenied("this application belongs to another company")


def access_application_read(user: User, application) -> None:
    """The filing company's operators, and officers of an authority that must approve it once it is filed.

    Every read of members' personal data under this rule is audited by the selector that opens it.
    """
    account = _account(user)
    if account and account.role == Role.OPERATOR and account.company_id == application.company_id:
        return
    if account and account.role == Role.BORDER_OFFICER and _reviews(account, application):
        return
    raise AccessDenied("you may not see this application")


def access_review_queue(user: User) -> None:
    _require_role(user, Role.BORDER_OFFICER, "see the review queue")


def access_application_decide(user: User, application) -> None:
    """A border officer decides for their own state only, and only on applications that need it."""
    account = _require_role(user, Role.BORDER_OFFICER, "decide on an application")
    if not _reviews(account, application):
        raise AccessDenied(f"the {account.country} authority does not decide on {application.reference}")


def access_mrz_check(user: User) -> None:
    """Reading an MRZ is a calculation on what the user supplies; operators and officers use it."""
    if role_of(user) not in (Role.OPERATOR, Role.BORDER_OFFICER, Role.CHECKPOINT_OFFICER):
        raise AccessDenied("only operators and officers may check passports")


def _reviews(account, application) -> bool:
    # Officers see an application once it was submitted (a first review round opened), never a draft.
    return application.review_round > 0 and account.country in application.required_authorities


def access_people_admin(user: User) -> None:
    """Companies, accounts (roles) and guides are managed by administrators only (in the admin)."""
    if not is_administrator(user):
        raise AccessDenied("only an administrator may manage companies, accounts and guides")


def access_permit_verify(user: User) -> None:
    """Verifying shows the holder's name and passport number: border and checkpoint officers only."""
    if role_of(user) not in (Role.BORDER_OFFICER, Role.CHECKPOINT_OFFICER):
        raise AccessDenied("only border and checkpoint officers may verify permits here")


def access_permit_read(user: User, permit, *, link_valid: bool = False) -> None:
    """A permit is shown to whoever may read its application, and to its holder through the private
    link the operator hands them (`link_valid`: the link's token matched)."""
    if link_valid:
        return
    access_application_read(user, permit.application)


def access_permit_revoke(user: User, permit) -> None:
    """A lost permit is revoked (and re-issued) by the filing company's operator or by an officer of
    an authority that signed it."""
    account = _account(user)
    application = permit.application
    if account and account.role == Role.OPERATOR and account.company_id == application.company_id:
        return
    if account and account.role == Role.BORDER_OFFICER and _reviews(account, application):
        return
    raise AccessDenied("you may not revoke this permit")


# --- Checkpoints, presence, overdue ------------------------------------------------------------------


def access_device_admin(user: User) -> None:
    """Checkpoint devices are registered, listed and revoked by administrators only."""
    if not is_administrator(user):
        raise AccessDenied("only an administrator may manage checkpoint devices")


def access_device_checkpoint(device, checkpoint_code: str) -> None:
    """An enrolled, unrevoked device acts for its own checkpoint only (authentication found the device)."""
    if device.revoked_at is not None:
        raise AccessDenied("this device was revoked")
    if device.checkpoint.code != checkpoint_code:
        raise AccessDenied(f"this device belongs to {device.checkpoint.code}, not {checkpoint_code}")


def access_presence_read(user: User) -> None:
    """Who is in the border zone now: border and rescue officers of both states, administrators."""
    if is_administrator(user) or role_of(user) in (Role.BORDER_OFFICER, Role.RESCUE_OFFICER):
        return
    raise AccessDenied("only border and rescue officers may see who is in the border zone")


def access_rescue_read(user: User) -> None:
    """The rescue page (overdue groups, members, emergency contacts): rescue officers and administrators."""
    if is_administrator(user) or role_of(user) == Role.RESCUE_OFFICER:
        return
    raise AccessDenied("only rescue officers may see the rescue page")


def access_group_presence_read(user: User, application) -> None:
    """One group's planned and actual passages: whoever reads the application, rescue officers of a
    state the route enters once the group was approved (never a draft or a mere request), administrators."""
    account = _account(user)
    if is_administrator(user):
        return
    rescue = account and account.role == Role.RESCUE_OFFICER
    if rescue and application.first_approved_at is not None and account.country in application.required_authorities:
        return
    access_application_read(user, application)


def access_alert_act(user: User, alert) -> None:
    """Rescue officers of the alert's state act on every stage; the filing company's operators may
    acknowledge or close the first two (they are the ones calling the group), never the rescue stage."""
    account = _account(user)
    if is_administrator(user):
        return
    if account and account.role == Role.RESCUE_OFFICER and account.country == alert.country:
        return
    operator_stage = alert.stage < 3
    if account and account.role == Role.OPERATOR and account.company_id == alert.application.company_id:
        if operator_stage:
            return
        raise AccessDenied("only the rescue service acts on a rescue alert")
    raise AccessDenied("you may not act on this alert")


def access_position_report(user: User, application) -> None:
    """A position from a satellite messenger is typed in by the group's operator, a rescue officer of a
    state the route enters, a border officer reviewing it, or an administrator."""
    access_group_presence_read(user, application)


def access_descent_notice(user: User, application, *, link_valid: bool = False) -> None:
    """The descent notice is filed by the operator, or by the leader through their permit's private link."""
    if link_valid:
        return
    access_application_edit(user, application)


# --- Capacity ---------------------------------------------------------------------------------------


def access_signed_in(user: User) -> None:
    """Anyone signed in with an active user: who am I, and nothing more."""
    if not (user.is_authenticated and user.is_active):
        raise AccessDenied("sign in first")


def access_capacity_calendar(user: User) -> None:
    """How much is left per resource and day: operators planning, border officers reviewing,
    administrators. Counts only; which application holds what is the usage (administrators)."""
    if is_administrator(user) or role_of(user) in (Role.OPERATOR, Role.BORDER_OFFICER):
        return
    raise AccessDenied("only operators, border officers and administrators see the capacity calendar")


def access_capacity_usage(user: User) -> None:
    """Which application holds what on each resource-day (references and head counts, no personal data)."""
    if not is_administrator(user):
        raise AccessDenied("only an administrator sees who holds the capacity")


# --- Indicators -------------------------------------------------------------------------------------


def access_indicators_read(user: User) -> None:
    """The season's tourism indicators, the dashboard and the season report: the council secretariat's
    analysts and administrators. Aggregates only, but unsuppressed (small cells shown), so not public."""
    if is_administrator(user) or role_of(user) == Role.ANALYST:
        return
    raise AccessDenied("only analysts and administrators see the indicators")


def access_ledger_read(user: User) -> None:
    """The trade ledger and the claim check: analysts and administrators."""
    access_indicators_read(user)


def access_ledger_edit(user: User) -> None:
    """Entering or importing reported trade figures: analysts and administrators. Every change is audited."""
    access_indicators_read(user)


def access_open_data(user: User, period_last: date, today: date) -> None:
    """Open data (suppressed aggregates) is public, for everyone alike, but only for a season that closed
    more than `TENGRI_OPEN_DATA_DELAY_DAYS` (default 30) days before today: counts for today would tell
    anyone how many people are in the border zone right now, and late scans and corrections come in
    after the close. Which periods exist at all (one season per year) is `indicators.opendata`'s."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils.translation import gettext as _

    del user
    delay = int(getattr(settings, "TENGRI_OPEN_DATA_DELAY_DAYS", 30))
    if not period_last + timedelta(days=delay) < today:
        raise AccessDenied(
            _("open data is published only for seasons that closed at least %(days)s days ago") % {"days": delay}
        )
