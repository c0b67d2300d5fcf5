"""Writes of companies and accounts (administrators do these; the demo season uses them too)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from tengri.accounts.models import Account, Company
from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput
from tengri.core.roles import COUNTRY_ROLES, Role


@transaction.atomic
def company_register(
    *, actor, name: str, country: str, licence_number: str, licence_valid_until: date, email: str = ""
) -> Company:
    company, _ = Company.objects.update_or_create(
        licence_number=licence_number,
        defaults={"name": name, "country": country, "licence_valid_until": licence_valid_until, "email": email},
    )
    audit_record(actor=actor, action="company.register", subject=company, data={"country": country})
    return company


@transaction.atomic
def account_create(*, actor, username: str, password: str, role: str, email: str = "", country: str = "", company=None):
    """A user with one role. Officers need a country, operators a company; administrators are superusers."""
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}")
    if role in COUNTRY_ROLES and country not in ("KZ", "KG"):
        raise InvalidInput(f"a {role} acts for KZ or KG: give the country")
    if role == Role.OPERATOR and company is None:
        raise InvalidInput("an operator belongs to a tour company")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first() or user_model(username=username)
    user.email = email
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    user.set_password(password)
    user.save()
    Account.objects.update_or_create(
        user=user, defaults={"role": role, "country": country if role in COUNTRY_ROLES else "", "company": company}
    )
    audit_record(actor=actor, action="account.create", subject=user, data={"role": role, "country": country})
    return user
