"""The access matrix for what exists so far: public registry pages and API, administrator-only admin."""

import pytest
from django.contrib.auth import get_user_model

from tengri.core.access import access_registry_edit, access_registry_read, allows, is_administrator
from tengri.core.errors import AccessDenied

ADMIN_PAGES = [
    "/admin/registry/route/",
    "/admin/registry/route/add/",
    "/admin/registry/place/",
    "/admin/registry/checkpoint/",
    "/admin/registry/authority/",
    "/admin/registry/basecamp/",
    "/admin/registry/helicopterleg/",
    "/admin/capacity/capacityoverride/",
    "/admin/capacity/capacityoverride/add/",
    "/admin/capacity/resource/",
]
PUBLIC_PAGES = [
    "/en/routes/",
    "/en/routes/KT-S-KG/",
    "/en/checkpoints/",
    "/en/routes/KT-S-KG/profile.svg",
    "/api/v1/routes",
    "/api/v1/routes/KT-S-KG",
    "/api/v1/checkpoints",
    "/api/v1/openapi.json",
]


@pytest.fixture
def staff_user(db):
    """Staff (may log in to the admin) but not an administrator: must not reach the registry."""
    user = get_user_model().objects.create_user("officer", password="x", is_staff=True)
    return user


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_is_sent_to_login_from_the_admin(client, demo_season, path):
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_who_are_not_administrators_are_refused(client, demo_season, staff_user, path):
    client.force_login(staff_user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_administrators_reach_the_registry_admin(admin_client, demo_season, path):
    assert admin_client.get(path).status_code == 200


def test_an_administrator_corrects_a_place_in_the_admin_and_history_keeps_who_and_what(admin_client, demo_season):
    from django.forms.models import model_to_dict

    from tengri.registry.models import Place

    camp = Place.objects.get(code="south-inylchek-bc")
    form = {key: ("" if value is None else value) for key, value in model_to_dict(camp).items() if key != "id"}
    form["altitude_m"] = 4050
    form["source"] = camp.source + "; corrected after the 2026 survey"
    response = admin_client.post(f"/admin/registry/place/{camp.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    camp.refresh_from_db()
    assert camp.altitude_m == 4050
    latest = camp.history.first()
    assert latest.altitude_m == 4050 and latest.history_user.username == "admin"
    assert latest.prev_record.altitude_m == 4000
    assert admin_client.get(f"/admin/registry/place/{camp.pk}/history/").status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_published_registry_is_open_to_anyone(client, demo_season, path):
    assert client.get(path).status_code == 200


def test_rules(db, staff_user):
    from django.contrib.auth.models import AnonymousUser

    admin = get_user_model().objects.create_superuser("root", password="x")
    inactive_admin = get_user_model().objects.create_superuser("gone", password="x", is_active=False)
    assert allows(access_registry_read, AnonymousUser())
    assert not allows(access_registry_edit, AnonymousUser())
    assert not allows(access_registry_edit, staff_user)
    assert not allows(access_registry_edit, inactive_admin)
    assert allows(access_registry_edit, admin) and is_administrator(admin)


# --- The application rules, one by one (tests/core/test_access_matrix.py drives them through every page) ---


@pytest.fixture
def people(db):
    """One user per role, two companies (one whose licence ran out), and nobody at all."""
    from datetime import date

    from django.contrib.auth.models import AnonymousUser

    from tengri.accounts.services import account_create, company_register
    from tengri.core.roles import Role

    alpine = company_register(
        actor=None, name="Alpine", country="KZ", licence_number="KZ-1", licence_valid_until=date(2027, 12, 31)
    )
    lapsed = company_register(
        actor=None, name="Lapsed", country="KG", licence_number="KG-1", licence_valid_until=date(2026, 6, 30)
    )
    made = {
        "operator": account_create(actor=None, username="op", password="x", role=Role.OPERATOR, company=alpine),
        "lapsed-operator": account_create(actor=None, username="op2", password="x", role=Role.OPERATOR, company=lapsed),
        "officer-kz": account_create(actor=None, username="kz", password="x", role=Role.BORDER_OFFICER, country="KZ"),
        "officer-kg": account_create(actor=None, username="kg", password="x", role=Role.BORDER_OFFICER, country="KG"),
        "checkpoint": account_create(
            actor=None, username="cp", password="x", role=Role.CHECKPOINT_OFFICER, country="KZ"
        ),
        "rescue": account_create(actor=None, username="re", password="x", role=Role.RESCUE_OFFICER, country="KG"),
        "analyst": account_create(actor=None, username="an", password="x", role=Role.ANALYST),
        "administrator": account_create(actor=None, username="ad", password="x", role=Role.ADMINISTRATOR),
        "no-role": get_user_model().objects.create_user("plain", password="x"),
        "anonymous": AnonymousUser(),
    }
    return made, alpine, lapsed


def _application(company, *, state="submitted", review_round=1, authorities=("KZ", "KG")):
    from tengri.expeditions.models import Application

    return Application(
        reference="KT-2027-999999",
        company=company,
        state=state,
        review_round=review_round,
        required_authorities=list(authorities),
    )


def _who(rule, users, *args, **kwargs) -> set[str]:
    def passes(user) -> bool:
        try:
            rule(user, *args, **kwargs)
        except AccessDenied:
            return False
        return True

    return {name for name, user in users.items() if passes(user)}


def test_application_rules(people):
    from datetime import date

    from tengri.core.access import (
        access_application_create,
        access_application_decide,
        access_application_edit,
        access_application_read,
        access_mrz_check,
        access_operator,
        access_people_admin,
        access_review_queue,
    )

    users, alpine, lapsed = people
    officers = {"officer-kz", "officer-kg"}
    assert _who(access_operator, users) == {"operator", "lapsed-operator"}
    assert _who(access_application_create, users, today=date(2027, 5, 3)) == {"operator"}
    assert _who(access_application_create, users, today=date(2028, 1, 1)) == set()  # Alpine's licence ran out too
    assert _who(access_review_queue, users) == officers
    assert _who(access_mrz_check, users) == {"operator", "lapsed-operator", "checkpoint"} | officers
    assert _who(access_people_admin, users) == {"administrator"}

    filed = _application(alpine)
    assert _who(access_application_read, users, filed) == {"operator"} | officers
    assert _who(access_application_edit, users, filed) == {"operator"}
    assert _who(access_application_decide, users, filed) == officers
    assert _who(access_application_read, users, _application(lapsed)) == {"lapsed-operator"} | officers

    draft = _application(alpine, state="draft", review_round=0)
    assert _who(access_application_read, users, draft) == {"operator"}
    assert _who(access_application_decide, users, draft) == set()

    kyrgyz_only = _application(alpine, authorities=("KG",))
    assert _who(access_application_read, users, kyrgyz_only) == {"operator", "officer-kg"}
    assert _who(access_application_decide, users, kyrgyz_only) == {"officer-kg"}


def test_a_switched_off_user_loses_every_role(people):
    from tengri.core.access import access_application_read, access_operator, role_of

    users, alpine, _ = people
    for name in ("operator", "officer-kz"):
        users[name].is_active = False
        assert role_of(users[name]) == ""
    with pytest.raises(AccessDenied):
        access_operator(users["operator"])
    with pytest.raises(AccessDenied):
        access_application_read(users["officer-kz"], _application(alpine))
