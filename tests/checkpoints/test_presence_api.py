"""The presence endpoints: who is inside (border and rescue officers), one group (whoever reads it, rescue
officers of its states), position reports, the descent notice (the operator), overdue alerts and acting on them.
Each is refused to whom its access rule refuses; the emergency contact is read only with a reason, audited."""

import base64

import pytest
from django.contrib.auth import get_user_model

from tengri.approvals.services import decision_record
from tengri.checkpoints.models import AlertAction, DescentNotice, OverdueAlert, PositionReport
from tengri.core.audit import PERSONAL_DATA_READ
from tengri.core.models import AuditEntry
from tengri.expeditions.demo import PASSWORD
from tengri.expeditions.models import Application
from tests import factories

from .presence_fixtures import MID_TRIP, deadline, place, stage_at, user, walk_in

pytest_plugins = ["tests.checkpoints.presence_fixtures"]

ADMIN = "admin-presence"


def basic(username: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


def get(client, url: str, username: str | None, **params):
    return client.get(url, params, **(basic(username) if username else {}))


def post(client, url: str, username: str | None, payload: dict):
    return client.post(url, payload, content_type="application/json", **(basic(username) if username else {}))


@pytest.fixture
def world(trip):
    get_user_model().objects.create_superuser(ADMIN, "admin@tengri.example", PASSWORD)
    walk_in(trip.application)
    trip.clock.moment = MID_TRIP
    return trip


# --- GET /presence ---------------------------------------------------------------------------------------------------


def test_officers_see_who_is_inside(world, client):
    for username in ("officer-kz", "officer-kg", "rescue-kz", "rescue-kg", ADMIN):
        response = get(client, "/api/v1/presence", username)

        assert response.status_code == 200, username
        body = response.json()
        assert body["inside"] == 4
        assert body["by_country"] == [{"country": "KG", "inside": 4}]
        [group] = body["groups"]
        assert (group["reference"], group["inside"], group["last_known"]["country"]) == (
            world.application.reference,
            4,
            "KG",
        )


def test_presence_is_refused_to_others(world, client):
    for username, status in ((None, 401), ("operator-kz", 403), ("checkpoint-krk", 403), ("analyst", 403)):
        assert get(client, "/api/v1/presence", username).status_code == status, username


# --- GET /applications/{reference}/presence ---------------------------------------------------------------------------


def group_url(trip) -> str:
    return f"/api/v1/applications/{trip.application.reference}/presence"


def test_one_group_for_those_who_may_read_it(world, client):
    for username in ("operator-kz", "officer-kz", "rescue-kg", "rescue-kz", ADMIN):
        response = get(client, group_url(world), username)

        assert response.status_code == 200, username
        body = response.json()
        assert [passage["done"] for passage in body["passages"]] == [4, 4, 0, 0]
        assert {member["state"] for member in body["members"]} == {"inside"}
        assert body["emergency_contact"] is None
    assert not AuditEntry.objects.filter(action=PERSONAL_DATA_READ).exists()


def test_one_group_is_refused_to_others(world, client):
    for username, status in ((None, 401), ("operator-kg", 403), ("checkpoint-krk", 403), ("analyst", 403)):
        assert get(client, group_url(world), username).status_code == status, username


def test_an_unknown_group_is_not_found(world, client):
    assert get(client, "/api/v1/applications/KT-2027-999999/presence", "rescue-kz").status_code == 404


def test_the_emergency_contact_only_with_a_reason_and_audited(world, client):
    response = get(client, group_url(world), "rescue-kz", reason="stage 2: calling the family")

    assert response.status_code == 200
    assert response.json()["emergency_contact"] == {"name": "Saule Nurlanovna", "phone": "+7 701 555 0101"}
    entry = AuditEntry.objects.get(action=PERSONAL_DATA_READ)
    assert (entry.actor_name, entry.subject_id, entry.reason, entry.data) == (
        "rescue-kz",
        str(world.application.pk),
        "stage 2: calling the family",
        {"fields": ["emergency_contact_name", "emergency_contact_phone"]},
    )


# --- POST /applications/{reference}/positions -------------------------------------------------------------------------


def position_payload(**changes) -> dict:
    lat, lon = place("north-inylchek-bc")
    return {"lat": lat, "lon": lon, "reported_at": MID_TRIP.isoformat(), "source": "messenger", **changes}


def test_a_position_is_posted(world, client):
    url = f"/api/v1/applications/{world.application.reference}/positions"
    for username in ("operator-kz", "rescue-kz", "officer-kg"):
        response = post(client, url, username, position_payload(note="inReach"))

        assert response.status_code == 201, username
        assert (response.json()["country"], response.json()["note"], response.json()["reported_by"]) == (
            "KG",
            "inReach",
            username,
        )
        assert PositionReport.objects.latest("id").reported_by == user(username)


def test_a_position_is_refused(world, client):
    url = f"/api/v1/applications/{world.application.reference}/positions"
    for username, changes, status in (
        (None, {}, 401),
        ("analyst", {}, 403),
        ("operator-kg", {}, 403),
        ("checkpoint-krk", {}, 403),
        ("operator-kz", {"lat": 95}, 422),
        ("operator-kz", {"source": "pigeon"}, 422),
        ("operator-kz", {"reported_at": "2027-07-21T12:00:00Z"}, 400),  # a day ahead of the clock
    ):
        assert post(client, url, username, position_payload(**changes)).status_code == status, (username, changes)
    assert PositionReport.objects.count() == 0


def test_a_position_of_a_draft_is_a_conflict(world, client):
    draft = Application.objects.get(state=Application.State.DRAFT)

    response = post(client, f"/api/v1/applications/{draft.reference}/positions", "operator-kg", position_payload())

    assert response.status_code == 409


# --- POST /applications/{reference}/descent ---------------------------------------------------------------------------


def descent_url(trip) -> str:
    return f"/api/v1/applications/{trip.application.reference}/descent"


def test_the_operator_files_the_descent_notice_once(world, client):
    response = post(client, descent_url(world), "operator-kz", {"note": "all down at Karkara"})

    assert response.status_code == 201
    assert response.json()["filed_by"] == "operator-kz" and response.json()["by_leader"] is False
    assert post(client, descent_url(world), "operator-kz", {"note": "again"}).status_code == 409
    assert get(client, "/api/v1/presence", "rescue-kz").json()["inside"] == 0


def test_the_descent_notice_is_refused_to_others(world, client):
    for username, status in (
        (None, 401),
        ("operator-kg", 403),
        ("officer-kz", 403),
        ("rescue-kz", 403),
        ("checkpoint-krk", 403),
    ):
        assert post(client, descent_url(world), username, {"note": "down"}).status_code == status, username
    assert DescentNotice.objects.count() == 0


# --- Alerts -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def alerts(world):
    """The demo group (its route enters KZ and KG) with stages 1–2 for KZ and 3 for KG; a Kazakh-only hike
    (only KZ decides on it) with stage 1 for KZ and a stage 3 for KG (its group was last seen over the border)."""
    hike = factories.application_within_kazakhstan(actor=factories.operator())
    decision_record(actor=factories.border_officer("KZ"), application=hike, authority="KZ", verdict="approve")
    made = {}
    for application, stage, country in (
        (world.application, 1, "KZ"),
        (world.application, 2, "KZ"),
        (world.application, 3, "KG"),
        (hike, 1, "KZ"),
        (hike, 3, "KG"),
    ):
        made[(application.reference, stage)] = OverdueAlert.objects.create(
            application=application, stage=stage, country=country, due_at=deadline(), raised_at=stage_at(stage)
        )
    return made


def seen(client, username: str, **params) -> set[tuple[str, int]]:
    response = get(client, "/api/v1/alerts", username, **params)
    assert response.status_code == 200
    return {(alert["reference"], alert["stage"]) for alert in response.json()}


def test_who_sees_which_alerts(alerts, client):
    demo, hike = sorted({reference for reference, _ in alerts})
    everything = set(alerts)

    assert seen(client, "rescue-kz") == everything
    assert seen(client, "rescue-kg") == {(demo, 1), (demo, 2), (demo, 3), (hike, 3)}
    assert seen(client, "operator-kz") == {(demo, 1), (demo, 2)}
    assert seen(client, "operator-kg") == set()
    assert seen(client, ADMIN) == everything


def test_closed_alerts_only_when_asked(alerts, client):
    closed = next(iter(alerts.values()))
    OverdueAlert.objects.filter(pk=closed.pk).update(state=OverdueAlert.State.CLOSED)

    assert (closed.application.reference, closed.stage) not in seen(client, ADMIN)
    assert (closed.application.reference, closed.stage) in seen(client, ADMIN, include_closed="true")


def test_alerts_are_refused_to_others(alerts, client):
    for username, status in ((None, 401), ("officer-kz", 403), ("checkpoint-krk", 403), ("analyst", 403)):
        assert get(client, "/api/v1/alerts", username).status_code == status, username


def act(client, alert: OverdueAlert, username: str | None, **payload):
    return post(client, f"/api/v1/alerts/{alert.pk}/act", username, payload)


def act_entries() -> list[AuditEntry]:
    return [entry for entry in AuditEntry.objects.order_by("sequence") if entry.action.startswith("overdue_alert.")]


def test_acting_on_alerts(alerts, world, client):
    demo = world.application.reference
    first, third = alerts[(demo, 1)], alerts[(demo, 3)]

    response = act(client, first, "rescue-kz", kind="acknowledge", note="calling the operator")
    assert response.status_code == 200
    assert (response.json()["state"], [a["note"] for a in response.json()["actions"]]) == (
        "acknowledged",
        ["calling the operator"],
    )
    assert act(client, first, "operator-kz", kind="close", note="spoke to the leader").json()["state"] == "closed"
    assert act(client, third, "rescue-kg", kind="acknowledge", note="helicopter on standby").status_code == 200

    assert [(entry.action, entry.actor_name, entry.reason) for entry in act_entries()] == [
        ("overdue_alert.acknowledge", "rescue-kz", "calling the operator"),
        ("overdue_alert.close", "operator-kz", "spoke to the leader"),
        ("overdue_alert.acknowledge", "rescue-kg", "helicopter on standby"),
    ]
    assert AlertAction.objects.count() == 3


@pytest.mark.parametrize(
    ("username", "stage", "payload", "status"),
    [
        (None, 1, {"kind": "acknowledge", "note": "x"}, 401),
        ("rescue-kg", 1, {"kind": "acknowledge", "note": "not my state"}, 403),  # a KZ alert
        ("rescue-kz", 3, {"kind": "close", "note": "not my state"}, 403),  # a KG alert
        ("operator-kz", 3, {"kind": "close", "note": "they are fine"}, 403),  # the rescue stage
        ("operator-kg", 1, {"kind": "acknowledge", "note": "not my group"}, 403),
        ("officer-kz", 1, {"kind": "acknowledge", "note": "x"}, 403),
        ("rescue-kz", 1, {"kind": "close"}, 422),
        ("rescue-kz", 1, {"kind": "close", "note": ""}, 422),
        ("rescue-kz", 1, {"kind": "close", "note": "   "}, 400),
        ("rescue-kz", 1, {"kind": "ignore", "note": "x"}, 422),
        ("rescue-kg", 3, {"kind": "escalate", "note": "more"}, 409),  # nothing after the rescue stage
    ],
)
def test_acts_refused(alerts, world, client, username, stage, payload, status):
    alert = alerts[(world.application.reference, stage)]

    assert post(client, f"/api/v1/alerts/{alert.pk}/act", username, payload).status_code == status
    alert.refresh_from_db()
    assert alert.state == OverdueAlert.State.OPEN
    assert act_entries() == [] and AlertAction.objects.count() == 0


def test_a_closed_alert_is_a_conflict_and_an_unknown_one_not_found(alerts, world, client):
    first = alerts[(world.application.reference, 1)]
    assert act(client, first, "rescue-kz", kind="close", note="group down").status_code == 200

    assert act(client, first, "rescue-kz", kind="acknowledge", note="again").status_code == 409
    assert post(client, "/api/v1/alerts/999999/act", "rescue-kz", {"kind": "close", "note": "x"}).status_code == 404
    assert post(client, "/api/v1/alerts/0/act", "rescue-kz", {"kind": "close", "note": "x"}).status_code == 422


def test_escalating_over_the_api_raises_the_next_stage(world, client, django_capture_on_commit_callbacks):
    first = OverdueAlert.objects.create(
        application=world.application, stage=1, country="KZ", due_at=deadline(), raised_at=stage_at(1)
    )
    world.clock.moment = stage_at(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, first, "operator-kz", kind="escalate", note="no answer from the leader")

    assert response.status_code == 200
    second = OverdueAlert.objects.get(application=world.application, stage=2)
    assert (second.raised_by, second.raised_at, second.country) == (user("operator-kz"), stage_at(1), "KZ")
