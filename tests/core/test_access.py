"""The access matrix for what exists so far: public registry pages and API, administrator-only admin."""

import pytest
from django.contrib.auth import get_user_model

from tengri.core.access import access_registry_edit, access_registry_read, allows, is_administrator

ADMIN_PAGES = [
    "/admin/registry/route/",
    "/admin/registry/route/add/",
    "/admin/registry/place/",
    "/admin/registry/checkpoint/",
    "/admin/registry/authority/",
    "/admin/registry/basecamp/",
    "/admin/registry/helicopterleg/",
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
