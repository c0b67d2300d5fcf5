"""`tengri capacity ...` and the admin page for a day's capacity."""

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from tengri.capacity import services
from tengri.capacity.models import CapacityOverride, Resource
from tengri.cli import main
from tests import factories
from tests.capacity.conftest import FLY_IN, PAD, set_capacity


def tengri(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_calendar_command_prints_what_is_left(capsys, operator, resources):
    services.hold_place(actor=operator, application=factories.application_complete(actor=operator))
    code, out, _err = tengri(capsys, "capacity", "calendar", "--from", "2027-07-15", "--days", "1", "--json")
    assert code == 0
    cells = {row["resource"]: row["days"][0] for row in json.loads(out)}
    assert cells[PAD] == {"day": "2027-07-15", "capacity": 80, "taken": 4, "reason": ""}
    code, out, _err = tengri(capsys, "capacity", "calendar", "--from", "2027-07-15", "--days", "2")
    assert code == 0 and "checkpoint:NIB-HP" in out and "76/80" in out


def test_set_closes_a_day_with_a_reason_and_check_finds_what_is_over(capsys, operator, resources):
    services.hold_place(actor=operator, application=factories.application_complete(actor=operator))
    assert tengri(capsys, "capacity", "check")[0] == 0
    code, out, _err = tengri(capsys, "capacity", "set", PAD, "2027-07-15", "0", "--reason", "flood")
    assert code == 0 and out.strip() == f"{PAD} 2027-07-15: 0 (flood)"
    code, out, _err = tengri(capsys, "capacity", "check")
    assert code == 1 and f"{PAD} 2027-07-15: 4 held, capacity 0" in out


def test_set_refuses_an_unknown_resource_and_a_bad_date(capsys, resources):
    assert tengri(capsys, "capacity", "set", "checkpoint:NOPE", "2027-07-15", "3", "--reason", "x")[0] == 1
    with pytest.raises(SystemExit) as usage:
        main(["capacity", "set", PAD, "15.07.2027", "3", "--reason", "x"])
    assert usage.value.code == 2


def test_sweep_expires_and_sync_is_idempotent(capsys, operator, resources):
    assert tengri(capsys, "capacity", "sync")[1].strip() == "0 resource(s) added"
    code, out, _err = tengri(capsys, "capacity", "sweep")
    assert code == 0 and out.strip() == "0 expired, 0 caught up, 0 served from the waitlist"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("capacity-admin", password=factories.PASSWORD)


def test_an_administrator_closes_a_day_in_the_admin_and_the_history_keeps_it(client, admin_user, resources):
    client.force_login(admin_user)
    pad = Resource.objects.get(code=PAD)
    response = client.post(
        "/admin/capacity/capacityoverride/add/",
        {"resource": pad.pk, "day": "2027-07-15", "capacity": "0", "reason": "bridge washed away"},
    )
    assert response.status_code == 302, response.content[:2000]
    override = CapacityOverride.objects.get()
    assert (override.resource, override.day, override.capacity, override.created_by) == (pad, FLY_IN, 0, admin_user)
    assert override.history.count() == 1

    response = client.post(
        f"/admin/capacity/capacityoverride/{override.pk}/change/",
        {"resource": pad.pk, "day": "2027-07-16", "capacity": "5", "reason": "moved a day"},
    )
    assert response.status_code == 302
    assert list(CapacityOverride.objects.values_list("day", "capacity")) == [(date(2027, 7, 16), 5)]

    response = client.post(
        f"/admin/capacity/capacityoverride/{CapacityOverride.objects.get().pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302 and not CapacityOverride.objects.exists()


def test_the_admin_refuses_a_day_without_a_reason(client, admin_user, resources):
    client.force_login(admin_user)
    pad = Resource.objects.get(code=PAD)
    response = client.post(
        "/admin/capacity/capacityoverride/add/",
        {"resource": pad.pk, "day": "2027-07-15", "capacity": "0", "reason": ""},
    )
    assert response.status_code == 200 and not CapacityOverride.objects.exists()


def test_resources_are_listed_not_edited_in_the_admin(client, admin_user, resources):
    client.force_login(admin_user)
    assert client.get("/admin/capacity/resource/").status_code == 200
    assert client.get("/admin/capacity/resource/add/").status_code == 403


def test_an_override_made_by_the_set_helper_is_shown_in_the_calendar(operator, resources):
    from tengri.capacity.selectors import calendar
    from tests.capacity.conftest import NOW

    set_capacity(PAD, FLY_IN, 3, reason="wind")
    (row,) = [row for row in calendar(first=FLY_IN, days=1, kind="checkpoint", now=NOW) if row.resource.code == PAD]
    assert (row.cells[0].capacity, row.cells[0].reason) == (3, "wind")
