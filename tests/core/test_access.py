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


def test_administrator_edit_is_kept_in_history(admin_client, demo_season):
    from tengri.registry.models import Route

    route = Route.objects.get(code="SRB-TREK")
    history_before = route.history.count()
    response = admin_client.get(f"/admin/registry/route/{route.pk}/history/")
    assert response.status_code == 200
    Route.objects.get(pk=route.pk).__class__.objects.filter(pk=route.pk)
    route.closed_reason = "snow on the pass"
    route.status = "closed"
    route.save(update_fields=["status", "closed_reason"])
    assert route.history.count() == history_before + 1
    assert route.history.first().closed_reason == "snow on the pass"


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
