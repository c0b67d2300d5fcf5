"""What operators, officers and administrators see of capacity through the pages and the API: the
calendar, usage, an application's hold with why it does not fit, and the waitlist button."""

import base64

import pytest
from django.contrib.auth import get_user_model

from tengri.capacity import services
from tengri.capacity.models import WaitlistEntry
from tests import factories
from tests.capacity.conftest import FLY_IN, NOW, PAD, set_capacity


def basic(user) -> dict:
    token = base64.b64encode(f"{user.get_username()}:{factories.PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def crowded(operator, resources):
    """The helipad takes six on the fly-in day; one group of four holds it, another of four does not fit."""
    set_capacity(PAD, FLY_IN, 6, reason="one landing pad under repair")
    holder, waiter = (factories.application_complete(actor=operator) for _ in range(2))
    assert services.hold_place(actor=operator, application=holder).fits
    assert not services.hold_place(actor=operator, application=waiter).fits
    return holder, waiter


def test_the_application_page_says_why_the_group_does_not_fit_and_offers_the_waitlist(client, operator, crowded):
    _holder, waiter = crowded
    client.force_login(operator)

    html = client.get(f"/en/applications/{waiter.reference}/").content.decode()

    assert 'data-hold="short"' in html
    assert "NIB-HP on 2027-07-15: 2 left, the group needs 4 (one landing pad under repair)" in html
    assert 'id="join-waitlist"' in html

    response = client.post(f"/en/applications/{waiter.reference}/waitlist", headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-waiting" in html and 'id="join-waitlist"' not in html
    assert WaitlistEntry.objects.filter(application=waiter, state="waiting").count() == 1


def test_submitting_a_group_that_does_not_fit_is_refused_on_the_page_with_the_reason(client, operator, crowded):
    _holder, waiter = crowded
    client.force_login(operator)
    response = client.post(f"/en/applications/{waiter.reference}/submit", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "there is no room for the group: NIB-HP on 2027-07-15: 2 left" in response.content.decode()
    waiter.refresh_from_db()
    assert waiter.state == "draft"


def test_hold_again_on_the_page_places_the_hold_when_room_was_made(client, operator, crowded):
    holder, waiter = crowded
    services.hold_release(actor=operator, application=holder, reason="cancelled")
    client.force_login(operator)
    response = client.post(f"/en/applications/{waiter.reference}/hold", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-hold="held"' in response.content.decode()


def test_the_calendar_page_shows_what_is_left_and_why_a_day_is_reduced(client, operator, crowded):
    client.force_login(operator)
    html = client.get("/en/capacity/?first=2027-07-14&days=3&kind=checkpoint").content.decode()
    assert 'data-resource="checkpoint:NIB-HP"' in html
    assert 'data-day="2027-07-15" data-left="2"' in html and "2/6" in html
    assert "NIB-HP 2027-07-15: one landing pad under repair" in html
    assert "base_camp:" not in html


def test_the_calendar_api_counts_holds_per_resource_and_day(client, operator, crowded):
    response = client.get(
        "/api/v1/capacity/calendar", {"first": "2027-07-15", "days": 1, "kind": "checkpoint"}, headers=basic(operator)
    )
    assert response.status_code == 200
    cells = {row["resource"]: row["days"][0] for row in response.json()}
    assert cells[PAD] == {
        "day": "2027-07-15",
        "capacity": 6,
        "taken": 4,
        "left": 2,
        "reason": "one landing pad under repair",
    }
    assert cells["checkpoint:KRK-HB-KZ"]["taken"] == 4


def test_asking_for_a_hold_through_the_api_answers_fits_or_why_not(client, operator, crowded):
    holder, waiter = crowded
    answer = client.post(f"/api/v1/applications/{waiter.reference}/hold", headers=basic(operator))
    assert answer.status_code == 200
    hold = answer.json()
    assert (hold["state"], hold["fits"], hold["lines"]) == ("short", False, [])
    assert hold["shortfalls"] == [
        {
            "resource": PAD,
            "day": "2027-07-15",
            "needed": 4,
            "left": 2,
            "reason": "one landing pad under repair",
            "message": "NIB-HP on 2027-07-15: 2 left, the group needs 4 (one landing pad under repair)",
        }
    ]
    joined = client.post(f"/api/v1/applications/{waiter.reference}/waitlist", headers=basic(operator))
    assert joined.status_code == 201 and joined.json()["waitlist_position"] == 0
    assert [row["resource"] for row in joined.json()["waiting"]] == [PAD]

    held = client.post(f"/api/v1/applications/{holder.reference}/hold", headers=basic(operator)).json()
    assert (held["state"], held["fits"], len(held["lines"])) == ("held", True, 14)
    assert client.post(f"/api/v1/applications/{holder.reference}/waitlist", headers=basic(operator)).status_code == 409


def test_an_incomplete_application_cannot_ask_for_a_hold(client, operator, resources):
    draft = factories.application_draft(actor=operator)
    answer = client.post(f"/api/v1/applications/{draft.reference}/hold", headers=basic(operator))
    assert answer.status_code == 409 and "complete the itinerary first" in answer.json()["detail"]
    assert client.get(f"/api/v1/applications/{draft.reference}/hold", headers=basic(operator)).json()["state"] == "none"


def test_administrators_see_who_holds_what(client, operator, crowded):
    holder, _waiter = crowded
    admin = get_user_model().objects.create_superuser("capacity-admin", password=factories.PASSWORD)
    usage = client.get("/api/v1/capacity/usage", {"first": "2027-07-15", "days": 1}, headers=basic(admin)).json()
    assert {(row["resource"], row["reference"], row["people"]) for row in usage} >= {(PAD, holder.reference, 4)}
    client.force_login(admin)
    html = client.get("/en/capacity/usage?first=2027-07-15&days=1").content.decode()
    assert f'data-usage="{holder.reference}"' in html


def test_a_period_out_of_range_is_bad_input(client, operator, resources):
    for query in ({"first": "9999-12-30"}, {"first": "0001-01-01"}, {"first": "2027-07-01", "days": 0}):
        response = client.get("/api/v1/capacity/calendar", query, headers=basic(operator))
        assert response.status_code == 400, query


def test_whoami_answers_the_signed_in_user_and_role(client, operator):
    response = client.get("/api/v1/whoami", headers=basic(operator))
    assert response.json() == {"username": operator.get_username(), "role": "operator"}
    assert client.get("/api/v1/whoami").status_code == 401


def test_an_expired_hold_shows_as_expired_before_the_sweep(operator, resources):
    from datetime import timedelta

    from tengri.capacity.selectors import hold_view

    application = factories.application_complete(actor=operator)
    services.hold_place(actor=operator, application=application, now=NOW)
    assert hold_view(application, now=NOW + timedelta(minutes=31)).state == "expired"
