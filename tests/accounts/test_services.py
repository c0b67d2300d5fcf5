"""Companies and accounts: one role per user, officers of one state, operators of one company."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from tengri.accounts.models import Account, Company
from tengri.accounts.services import account_create, company_register
from tengri.core.audit import audit_verify
from tengri.core.errors import InvalidInput
from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tests import factories

User = get_user_model()


def test_registering_a_company_twice_updates_it_by_licence_number(db):
    first = company_register(
        actor=None, name="Tengri Tours", country="KZ", licence_number="KZ-1", licence_valid_until=date(2027, 12, 31)
    )
    again = company_register(
        actor=None, name="Tengri Tours LLP", country="KZ", licence_number="KZ-1", licence_valid_until=date(2028, 12, 31)
    )
    assert again.pk == first.pk and Company.objects.count() == 1
    again.refresh_from_db()
    assert (again.name, again.licence_valid_until) == ("Tengri Tours LLP", date(2028, 12, 31))
    assert again.licence_valid_on(date(2028, 12, 31)) and not again.licence_valid_on(date(2029, 1, 1))
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["company.register"] * 2


@pytest.mark.parametrize(
    ("role", "country", "with_company"),
    [
        (Role.OPERATOR, "", True),
        (Role.BORDER_OFFICER, "KZ", False),
        (Role.BORDER_OFFICER, "KG", False),
        (Role.CHECKPOINT_OFFICER, "KZ", False),
        (Role.RESCUE_OFFICER, "KG", False),
        (Role.ANALYST, "", False),
        (Role.ADMINISTRATOR, "", False),
    ],
)
def test_each_role_gets_an_account(db, role, country, with_company):
    company = factories.company() if with_company else None
    user = account_create(
        actor=None, username="someone", password="s3cret-enough", role=role, country=country, company=company
    )
    user.refresh_from_db()
    assert (user.account.role, user.account.country, user.account.company) == (role, country, company)
    assert user.check_password("s3cret-enough")
    assert user.is_superuser == user.is_staff == (role == Role.ADMINISTRATOR)
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.data == {"role": role, "country": country} and "s3cret" not in entry.canonical_contents().decode()


@pytest.mark.parametrize(
    ("role", "country", "message"),
    [
        (Role.OPERATOR, "", "tour company"),
        (Role.BORDER_OFFICER, "", "give the country"),
        (Role.BORDER_OFFICER, "CN", "give the country"),
        (Role.CHECKPOINT_OFFICER, "", "give the country"),
        (Role.RESCUE_OFFICER, "UZ", "give the country"),
        ("climber", "", "role must be one of"),
    ],
)
def test_an_account_without_what_its_role_needs_is_refused_and_nothing_is_saved(db, role, country, message):
    with pytest.raises(InvalidInput, match=message):
        account_create(actor=None, username="someone", password="x", role=role, country=country)
    assert not User.objects.exists() and not Account.objects.exists() and not AuditEntry.objects.exists()


def test_a_role_without_a_state_keeps_no_country(db):
    user = account_create(actor=None, username="analyst", password="x", role=Role.ANALYST, country="KZ")
    assert user.account.country == ""


def test_creating_an_account_again_changes_the_role_in_place(db):
    officer = account_create(actor=None, username="aigul", password="one", role=Role.BORDER_OFFICER, country="KG")
    again = account_create(actor=None, username="aigul", password="two", role=Role.ADMINISTRATOR)
    assert again.pk == officer.pk and User.objects.count() == Account.objects.count() == 1
    again.refresh_from_db()
    assert (again.account.role, again.account.country, again.is_superuser) == (Role.ADMINISTRATOR, "", True)
    assert again.check_password("two") and not again.check_password("one")
    assert audit_verify() == []
