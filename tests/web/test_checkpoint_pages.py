"""The centre's pages for checkpoints, presence and overdue groups: who reaches each page and form, what a
refused request leaves unchanged, the audited rescue panel, and the leader's summit and descent notices by
permit link.

The world: the demo (people, keys, applications) with its approved group KT-2027-000001 (KT-N-KZ, planned
out of the border zone at KRK-HB-KZ on 27 July). All four members were scanned in at KRK-HB-KZ on 13 July,
someone with a refused permit tried the same day, nobody came out, and the overdue sweep ran on 29 July:
the reminder, the emergency-contact and the rescue stages are raised (the rescue stage for KZ, where the
group was last known).
"""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from tengri.accounts.services import account_create
from tengri.checkpoints.devices import device_register
from tengri.checkpoints.ingest import events_ingest
from tengri.checkpoints.models import AlertAction, DescentNotice, Device, OverdueAlert, PositionReport, SummitNotice
from tengri.checkpoints.overdue import overdue_sweep
from tengri.checkpoints.selectors import refused_scans
from tengri.core.audit import PERSONAL_DATA_READ
from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tengri.expeditions.demo import PASSWORD
from tengri.expeditions.models import Application, Member
from tengri.permits.links import permit_link_token
from tests.permits.test_issuing import APPROVED, IN_SEASON, Clock, demo_world, live_permits

SCANNED_IN = datetime(2027, 7, 13, 4, 0, tzinfo=UTC)
ATTEMPTED = datetime(2027, 7, 28, 3, 0, tzinfo=UTC)  # a refused scan within the presence page's 7 days
AFTER_THE_SWEEP = datetime(2027, 7, 29, 6, 0, tzinfo=UTC)  # past the planned exit + grace + 12 h
UNDER_REVIEW = "KT-2027-000002"  # filed, not approved: never on the rescue page

ROLES = [
    "operator-kz",
    "operator-kg",
    "officer-kz",
    "officer-kg",
    "checkpoint-krk",
    "rescue-kz",
    "rescue-kg",
    "analyst",
    "administrator",
    "superuser",
]
ADMINISTRATORS = {"administrator", "superuser"}


def refused(allowed: set[str]) -> list[str]:
    return [role for role in ROLES if role not in allowed]


# --- The world --------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, IN_SEASON)


@pytest.fixture
def world(demo_season, clock, django_capture_on_commit_callbacks):
    application = demo_world(django_capture_on_commit_callbacks)
    get_user_model().objects.create_superuser("superuser", password=PASSWORD)
    account_create(actor=None, username="administrator", password=PASSWORD, role=Role.ADMINISTRATOR)
    device, _token = device_register(actor=None, checkpoint_code="KRK-HB-KZ", label="KRK laptop 1")
    clock.moment = SCANNED_IN
    events = [scan(permit.id, "VALID", SCANNED_IN) for permit in live_permits(application)]
    events.append(scan(None, "REVOKED", SCANNED_IN, holder_name="EARLIER INTRUDER", nationality="RUS"))
    events_ingest(device=device, sent_at=SCANNED_IN, events=events, now=SCANNED_IN)
    clock.moment = ATTEMPTED
    events = [scan(None, "REVOKED", ATTEMPTED, holder_name="INTRUDER IVAN", nationality="RUS")]
    events_ingest(device=device, sent_at=ATTEMPTED, events=events, now=ATTEMPTED)
    clock.moment = AFTER_THE_SWEEP
    raised = overdue_sweep(now=AFTER_THE_SWEEP)
    assert sorted(alert.stage for alert in raised) == [1, 2, 3]
    return application


def scan(permit_id, verdict: str, at: datetime, **claims) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "checkpoint": "KRK-HB-KZ",
        "direction": "in",
        "verdict": verdict,
        "method": "qr",
        "officer": "Sgt. Omarov",
        "permit_id": str(permit_id) if permit_id else None,
        "device_time": at.isoformat(),
        **claims,
    }


def signed_in(client, role: str):
    assert client.login(username=role, password=PASSWORD)
    return client


def alert(application: Application, stage: int) -> OverdueAlert:
    return application.overdue_alerts.get(stage=stage)


def reads_of(application: Application) -> int:
    return AuditEntry.objects.filter(
        action=PERSONAL_DATA_READ, subject_type="expeditions.application", subject_id=str(application.pk)
    ).count()


def assert_refused(response, role: str | None) -> None:
    if role is None:
        assert response.status_code == 302 and response["Location"].startswith("/en/login/")
    else:
        assert response.status_code == 403


# --- Presence ---------------------------------------------------------------------------------------

PRESENCE_READERS = {"officer-kz", "officer-kg", "rescue-kz", "rescue-kg"} | ADMINISTRATORS


@pytest.mark.parametrize("role", sorted(PRESENCE_READERS))
def test_presence_shows_who_is_inside_and_the_groups_past_their_exit(client, world, role):
    response = signed_in(client, role).get("/en/presence/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-inside="4"' in html
    assert f'<tr data-reference="{APPROVED}" class="overdue">' in html
    assert html.count(f'data-reference="{APPROVED}"') == 2  # on the mountain, and past its planned exit


@pytest.mark.parametrize("role", [*refused(PRESENCE_READERS), None])
def test_presence_is_refused_to_everyone_else(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.get("/en/presence/"), role)


@pytest.mark.parametrize(("role", "sees"), [("officer-kz", True), ("officer-kg", False), ("administrator", True)])
def test_refused_scans_are_shown_to_the_checkpoints_state(client, world, role, sees):
    html = signed_in(client, role).get("/en/presence/").content.decode()
    assert ("INTRUDER IVAN" in html) is sees
    assert "EARLIER INTRUDER" not in html  # 16 days ago
    if sees:
        assert "REVOKED" in html and "2027-07-28 08:00 (UTC+5)" in html  # KRK-HB-KZ is in Kazakhstan


def test_refused_scans_are_those_of_the_states_checkpoints_newest_first_in_constant_queries(
    world, django_assert_num_queries
):
    later = ATTEMPTED + timedelta(hours=1)
    device, _token = device_register(actor=None, checkpoint_code="NIB-HP", label="NIB laptop 1")  # in Kyrgyzstan
    events = [scan(None, "EXPIRED", later, checkpoint="NIB-HP", holder_name="LATE LENA", nationality="DEU")]
    events_ingest(device=device, sent_at=later, events=events, now=AFTER_THE_SWEEP)
    since = AFTER_THE_SWEEP - timedelta(days=7)

    def shown(**filters) -> list[tuple[str, str, str]]:
        return [(row.event.holder_name, row.event.checkpoint.code, row.country) for row in refused_scans(**filters)]

    with django_assert_num_queries(3):  # checkpoints, their services, the events: not one per event
        everyone = shown(country=None, since=since)
    assert everyone == [("LATE LENA", "NIB-HP", "KG"), ("INTRUDER IVAN", "KRK-HB-KZ", "KZ")]
    assert shown(country="KZ", since=since) == [("INTRUDER IVAN", "KRK-HB-KZ", "KZ")]
    assert shown(country="KG", since=since) == [("LATE LENA", "NIB-HP", "KG")]
    assert shown(country=None, since=since, limit=1) == [("LATE LENA", "NIB-HP", "KG")]
    assert len(shown(country=None, since=SCANNED_IN)) == 3  # with the earlier intruder; never the accepted scans


# --- Rescue -----------------------------------------------------------------------------------------

RESCUERS = {"rescue-kz", "rescue-kg"} | ADMINISTRATORS


@pytest.mark.parametrize("role", sorted(RESCUERS))
def test_the_rescue_page_lists_the_overdue_group_without_reading_personal_data(client, world, role):
    reads = reads_of(world)

    response = signed_in(client, role).get("/en/rescue/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="group-{APPROVED}"' in html and 'data-stage="3"' in html
    assert 'src="/en/rescue/map.png"' in html
    assert "+7 701 555 0101" not in html  # the emergency contact is in the audited panel only
    assert reads_of(world) == reads


@pytest.mark.parametrize("role", [*refused(RESCUERS), None])
def test_the_rescue_page_and_its_map_are_refused_to_everyone_else(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.get("/en/rescue/"), role)
    assert_refused(client.get("/en/rescue/map.png"), role)


def test_the_map_of_last_known_positions_is_a_png(client, world):
    response = signed_in(client, "rescue-kz").get("/en/rescue/map.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    # A new position moves the group on the map: a new picture, not the cached one.
    signed_in(client, "operator-kz").post(
        f"/en/applications/{APPROVED}/positions",
        {"lat": "42.21", "lon": "80.17", "reported_at": "2027-07-29T09:00", "zone": "KZ", "source": "messenger"},
    )
    again = signed_in(client, "rescue-kz").get("/en/rescue/map.png")
    assert again.status_code == 200 and again["ETag"] != response["ETag"]


@pytest.mark.parametrize("role", sorted(RESCUERS))
def test_the_members_and_contact_panel_is_audited_once_per_view(client, world, role):
    signed_in(client, role)
    reads = reads_of(world)

    for view in (1, 2):
        response = client.get(f"/en/rescue/{APPROVED}/people", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html = response.content.decode()
        assert "+7 701 555 0101" in html and "Saule Nurlanovna" in html
        assert "ZHUMABEKOV" in html and "MUELLER" in html
        assert reads_of(world) == reads + view
    entry = AuditEntry.objects.filter(action=PERSONAL_DATA_READ).order_by("-sequence").first()
    assert entry.actor_name == role and "emergency_contact_phone" in entry.data["fields"]


@pytest.mark.parametrize("role", [*refused(RESCUERS), None])
def test_the_members_and_contact_panel_is_refused_and_unaudited(client, world, role):
    reads = reads_of(world)
    if role:
        signed_in(client, role)
    response = client.get(f"/en/rescue/{APPROVED}/people")
    assert_refused(response, role)
    assert b"555 0101" not in response.content
    assert reads_of(world) == reads


def test_the_panel_opens_only_for_groups_on_the_rescue_page(client, world):
    application = Application.objects.get(reference=UNDER_REVIEW)
    reads = reads_of(application)
    response = signed_in(client, "rescue-kz").get(f"/en/rescue/{UNDER_REVIEW}/people")
    assert response.status_code == 404
    assert reads_of(application) == reads


# --- Alerts -----------------------------------------------------------------------------------------


def act(client, alert_id: int, kind: str, note: str, **headers):
    return client.post(f"/en/alerts/{alert_id}/act", {"kind": kind, "note": note}, **headers)


def test_a_rescue_officer_acknowledges_the_rescue_alert_with_a_note(client, world):
    rescue = alert(world, 3)

    response = act(
        signed_in(client, "rescue-kz"), rescue.pk, "acknowledge", "helicopter crew alerted", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert f'data-alert="{rescue.pk}" data-stage="3" data-alert-state="acknowledged"' in response.content.decode()
    rescue.refresh_from_db()
    assert rescue.state == OverdueAlert.State.ACKNOWLEDGED
    assert list(rescue.actions.values_list("kind", "note")) == [("acknowledge", "helicopter crew alerted")]


def test_without_javascript_acting_returns_to_the_page_it_came_from(client, world):
    rescue = alert(world, 3)
    signed_in(client, "rescue-kz")
    response = client.post(f"/en/alerts/{rescue.pk}/act", {"kind": "close", "note": "found", "next": "/en/rescue/"})
    assert response.status_code == 302 and response["Location"] == "/en/rescue/"
    response = client.post(
        f"/en/alerts/{alert(world, 2).pk}/act", {"kind": "close", "note": "x", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/en/applications/{APPROVED}/presence"


def test_an_action_without_a_note_is_refused_and_shown(client, world):
    rescue = alert(world, 3)
    response = act(signed_in(client, "rescue-kz"), rescue.pk, "close", "  ", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() and "note is required" in response.content.decode()
    rescue.refresh_from_db()
    assert rescue.state == OverdueAlert.State.OPEN and not rescue.actions.exists()


@pytest.mark.parametrize(
    ("role", "stage"),
    [
        (None, 3),
        ("rescue-kg", 3),  # the rescue stage is Kazakhstan's: the group was last known there
        ("operator-kz", 3),  # operators never act on the rescue stage
        ("operator-kg", 1),  # another company's group
        ("officer-kz", 1),
        ("checkpoint-krk", 1),
        ("analyst", 1),
    ],
)
def test_acting_on_an_alert_is_refused_to_others_and_changes_nothing(client, world, role, stage):
    target = alert(world, stage)
    if role:
        signed_in(client, role)
    assert_refused(act(client, target.pk, "close", "not mine to close"), role)
    target.refresh_from_db()
    assert target.state == OverdueAlert.State.OPEN and not AlertAction.objects.exists()


def test_the_operator_acknowledges_the_reminder_of_their_group(client, world):
    reminder = alert(world, 1)
    response = act(
        signed_in(client, "operator-kz"), reminder.pk, "acknowledge", "calling the leader", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.state == OverdueAlert.State.ACKNOWLEDGED


# --- One group: presence, positions, descent notice ------------------------------------------------

GROUP_READERS = {"operator-kz", "officer-kz", "officer-kg", "rescue-kz", "rescue-kg"} | ADMINISTRATORS


@pytest.mark.parametrize("role", sorted(GROUP_READERS))
def test_planned_and_actual_passages(client, world, role):
    response = signed_in(client, role).get(f"/en/applications/{APPROVED}/presence")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-passage="KRK-HB-KZ-in"' in html and 'data-done="4"' in html  # all four in, on the planned day
    assert html.count('data-member-state="inside"') == 4
    assert "data-overdue-note" in html


@pytest.mark.parametrize("role", [*refused(GROUP_READERS), None])
def test_the_group_page_is_refused_to_everyone_else(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.get(f"/en/applications/{APPROVED}/presence"), role)


# North Inylchek base camp, in Kyrgyzstan.
POSITION = {"lat": "42.24", "lon": "80.13", "reported_at": "2027-07-29T10:30", "zone": "KG", "source": "messenger"}


@pytest.mark.parametrize("role", ["operator-kz", "rescue-kz", "officer-kg", "administrator"])
def test_a_position_is_recorded_in_utc_and_placed(client, world, role):
    response = signed_in(client, role).post(
        f"/en/applications/{APPROVED}/positions", {**POSITION, "note": "InReach"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    position = PositionReport.objects.get()
    assert position.reported_at == datetime(2027, 7, 29, 4, 30, tzinfo=UTC)  # 10:30 in Kyrgyzstan (UTC+6)
    assert position.reported_by.username == role and position.note == "InReach"
    assert position.country == "KG"
    assert "data-position" in response.content.decode()


def test_the_rescue_page_form_gets_its_own_answer(client, world):
    response = signed_in(client, "rescue-kz").post(
        f"/en/applications/{APPROVED}/positions", {**POSITION, "panel": "position"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<div id="position-{APPROVED}"') and "data-recorded" in html


@pytest.mark.parametrize(
    "fields", [{"lat": "north"}, {"lat": "95"}, {"reported_at": "yesterday"}, {"zone": "CN"}, {"source": "pigeon"}]
)
def test_a_bad_position_is_refused_and_nothing_recorded(client, world, fields):
    response = signed_in(client, "operator-kz").post(
        f"/en/applications/{APPROVED}/positions", {**POSITION, **fields}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.content.decode()
    assert not PositionReport.objects.exists()


@pytest.mark.parametrize("role", [*refused(GROUP_READERS), None])
def test_reporting_a_position_is_refused_to_others(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.post(f"/en/applications/{APPROVED}/positions", POSITION), role)
    assert not PositionReport.objects.exists()


def test_the_operator_files_the_descent_notice(client, world):
    signed_in(client, "operator-kz")
    response = client.post(f"/en/applications/{APPROVED}/descent", {"note": "all down at Karkara"})
    assert response.status_code == 302
    notice = DescentNotice.objects.get(application=world)
    assert notice.filed_by.username == "operator-kz" and not notice.filed_by_leader
    assert notice.filed_at == AFTER_THE_SWEEP and notice.note == "all down at Karkara"
    again = client.post(f"/en/applications/{APPROVED}/descent", {"note": "twice"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 400 and "was filed" in again.content.decode()
    assert DescentNotice.objects.count() == 1


@pytest.mark.parametrize("role", [*refused({"operator-kz"}), None])
def test_the_descent_notice_is_refused_to_everyone_but_the_operator(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.post(f"/en/applications/{APPROVED}/descent", {"note": "down"}), role)
    assert not DescentNotice.objects.exists()


def test_the_application_page_shows_the_group_and_its_forms(client, world):
    html = signed_in(client, "operator-kz").get(f"/en/applications/{APPROVED}/").content.decode()
    assert 'id="presence"' in html and 'data-passage="KRK-HB-KZ-in"' in html
    assert 'id="descent-notice-form"' in html and f"/en/applications/{APPROVED}/positions" in html
    client.logout()
    html = signed_in(client, "officer-kz").get(f"/en/applications/{APPROVED}/").content.decode()
    assert 'id="presence"' in html and f"/en/applications/{APPROVED}/positions" in html
    assert 'id="descent-notice-form"' not in html  # only the operator (or the leader) files it


def test_an_application_never_approved_has_no_presence_section(client, world):
    html = signed_in(client, "operator-kz").get(f"/en/applications/{UNDER_REVIEW}/").content.decode()
    assert 'id="presence"' not in html


# --- The leader's private link ------------------------------------------------------------------------


def permit_of(application: Application, role: str):
    return next(permit for permit in live_permits(application) if permit.member.role == role)


def test_the_leader_files_the_descent_notice_through_their_permit_link(client, world):
    permit = permit_of(world, Member.Role.LEADER)
    token = permit_link_token(str(permit.id))
    page = client.get(f"/en/permits/{permit.id}/?t={token}").content.decode()
    assert 'id="descent-notice-form"' in page

    response = client.post(f"/en/permits/{permit.id}/descent", {"t": token, "note": "we are at Karkara"})

    assert response.status_code == 302 and response["Location"] == f"/en/permits/{permit.id}/?t={token}"
    notice = DescentNotice.objects.get(application=world)
    assert notice.filed_by_leader and notice.filed_by is None and notice.note == "we are at Karkara"
    page = client.get(response["Location"]).content.decode()
    assert "data-descent-filed" in page and 'id="descent-notice-form"' not in page


def test_a_members_link_does_not_file_the_descent_notice(client, world):
    permit = permit_of(world, Member.Role.MEMBER)
    token = permit_link_token(str(permit.id))
    assert 'id="descent-notice-form"' not in client.get(f"/en/permits/{permit.id}/?t={token}").content.decode()

    response = client.post(f"/en/permits/{permit.id}/descent", {"t": token})
    assert_refused(response, None)
    response = signed_in(client, "operator-kg").post(f"/en/permits/{permit.id}/descent", {"t": token})
    assert_refused(response, "operator-kg")
    assert not DescentNotice.objects.exists()


def test_a_wrong_token_on_the_leaders_permit_is_refused(client, world):
    permit = permit_of(world, Member.Role.LEADER)
    other = permit_of(world, Member.Role.MEMBER)
    for token in ("0" * 32, permit_link_token(str(other.id)), ""):
        assert_refused(client.post(f"/en/permits/{permit.id}/descent", {"t": token}), None)
    assert not DescentNotice.objects.exists()


# --- Summit notices: the operator on the group's page, the leader through their link -------------------

# 10:15 on 20 July in Kyrgyzstan (UTC+6): 04:15 UTC.
SUMMIT = {"peak": "Khan Tengri", "reached_at": "2027-07-20T10:15", "zone": "KG", "persons": "3", "note": "by radio"}
ON_TOP = datetime(2027, 7, 20, 4, 15, tzinfo=UTC)


def test_the_operator_files_a_summit_notice_and_the_group_shows_it(client, world):
    signed_in(client, "operator-kz")
    page = client.get(f"/en/applications/{APPROVED}/presence").content.decode()
    assert 'id="summit-notice-form"' in page and "data-summit=" not in page

    response = client.post(f"/en/applications/{APPROVED}/summit", SUMMIT)

    assert response.status_code == 302 and response["Location"] == f"/en/applications/{APPROVED}/presence"
    notice = SummitNotice.objects.get(application=world)
    assert (notice.peak, notice.reached_at, notice.persons, notice.note) == ("Khan Tengri", ON_TOP, 3, "by radio")
    assert notice.filed_by.username == "operator-kz" and not notice.filed_by_leader
    assert notice.filed_at == AFTER_THE_SWEEP
    page = client.get(response["Location"]).content.decode()
    assert 'data-summit="Khan Tengri"' in page and 'data-persons="3"' in page
    again = client.post(f"/en/applications/{APPROVED}/summit", SUMMIT, HTTP_HX_REQUEST="true")
    assert again.status_code == 400 and "was filed" in again.content.decode()
    assert SummitNotice.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"persons": "three"},
        {"persons": "0"},
        {"persons": "5"},  # the group is 4
        {"reached_at": "last week"},
        {"reached_at": "2027-07-30T12:00"},  # after the sweep's clock: in the future
        {"reached_at": "2027-07-01T12:00"},  # long before the trip
        {"zone": "CN"},
        {"peak": " "},
    ],
)
def test_a_bad_summit_notice_is_refused_and_nothing_stored(client, world, fields):
    response = signed_in(client, "operator-kz").post(
        f"/en/applications/{APPROVED}/summit", {**SUMMIT, **fields}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.content.decode()
    assert not SummitNotice.objects.exists()


@pytest.mark.parametrize("role", [*refused({"operator-kz"}), None])
def test_the_summit_notice_is_refused_to_everyone_but_the_operator(client, world, role):
    if role:
        signed_in(client, role)
    assert_refused(client.post(f"/en/applications/{APPROVED}/summit", SUMMIT), role)
    assert not SummitNotice.objects.exists()


def test_readers_see_summits_without_the_form(client, world):
    signed_in(client, "operator-kz").post(f"/en/applications/{APPROVED}/summit", SUMMIT)
    client.logout()
    html = signed_in(client, "rescue-kg").get(f"/en/applications/{APPROVED}/presence").content.decode()
    assert 'data-summit="Khan Tengri"' in html and 'id="summit-notice-form"' not in html


def test_the_leader_files_a_summit_notice_through_their_permit_link(client, world):
    permit = permit_of(world, Member.Role.LEADER)
    token = permit_link_token(str(permit.id))
    page = client.get(f"/en/permits/{permit.id}/?t={token}").content.decode()
    assert 'id="summit-notice-form"' in page

    response = client.post(f"/en/permits/{permit.id}/summit", {**SUMMIT, "t": token, "persons": "4"})

    assert response.status_code == 302 and response["Location"] == f"/en/permits/{permit.id}/?t={token}"
    notice = SummitNotice.objects.get(application=world)
    assert notice.filed_by_leader and notice.filed_by is None
    assert (notice.reached_at, notice.persons) == (ON_TOP, 4)
    page = client.get(response["Location"]).content.decode()
    assert 'data-summit-filed="Khan Tengri"' in page
    # The same peak again is refused and shown.
    refused_again = client.post(f"/en/permits/{permit.id}/summit", {**SUMMIT, "t": token})
    assert refused_again.status_code == 400 and "was filed" in refused_again.content.decode()
    assert SummitNotice.objects.count() == 1


def test_a_bad_summit_through_the_leaders_link_is_shown_and_nothing_stored(client, world):
    permit = permit_of(world, Member.Role.LEADER)
    token = permit_link_token(str(permit.id))
    response = client.post(f"/en/permits/{permit.id}/summit", {**SUMMIT, "t": token, "persons": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error" role="alert"' in html and "from 1 to 4" in html
    assert not SummitNotice.objects.exists()


def test_a_members_or_wrong_link_does_not_file_a_summit_notice(client, world):
    member_permit = permit_of(world, Member.Role.MEMBER)
    token = permit_link_token(str(member_permit.id))
    assert 'id="summit-notice-form"' not in client.get(f"/en/permits/{member_permit.id}/?t={token}").content.decode()
    assert_refused(client.post(f"/en/permits/{member_permit.id}/summit", {**SUMMIT, "t": token}), None)
    leader_permit = permit_of(world, Member.Role.LEADER)
    for wrong in ("0" * 32, token, ""):
        assert_refused(client.post(f"/en/permits/{leader_permit.id}/summit", {**SUMMIT, "t": wrong}), None)
    response = signed_in(client, "operator-kg").post(f"/en/permits/{member_permit.id}/summit", {**SUMMIT, "t": token})
    assert_refused(response, "operator-kg")
    assert not SummitNotice.objects.exists()


# --- Devices ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ADMINISTRATORS))
def test_an_administrator_registers_a_device_and_sees_its_token_once(client, world, role):
    signed_in(client, role)
    response = client.post("/en/devices/register", {"checkpoint": "NIB-HP", "label": "NIB laptop 2"})

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    device = Device.objects.get(label="NIB laptop 2")
    token = html.split('id="enrolment-token">')[1].split("<")[0]
    assert hashlib.sha256(token.encode()).hexdigest() == device.enrolment_token_hash
    assert f"tengri checkpoint init --checkpoint NIB-HP --server http://testserver --token {token}" in html
    listing = client.get("/en/devices/").content.decode()
    assert f'data-device="{device.pk}" data-device-state="waiting"' in listing and token not in listing


def test_a_device_needs_a_label_and_a_known_checkpoint(client, world):
    signed_in(client, "administrator")
    count = Device.objects.count()
    for form in ({"checkpoint": "NIB-HP", "label": " "}, {"checkpoint": "NOPE", "label": "x"}):
        response = client.post("/en/devices/register", form)
        assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Device.objects.count() == count


def test_an_administrator_revokes_a_device_with_a_reason(client, world):
    device = Device.objects.get()
    signed_in(client, "administrator")
    assert client.post(f"/en/devices/{device.pk}/revoke", {"reason": " "}).status_code == 400
    device.refresh_from_db()
    assert device.revoked_at is None

    response = client.post(f"/en/devices/{device.pk}/revoke", {"reason": "stolen"})

    assert response.status_code == 302 and response["Location"] == "/en/devices/"
    device.refresh_from_db()
    assert device.revoked_at == AFTER_THE_SWEEP and device.revoke_reason == "stolen"
    listing = client.get("/en/devices/").content.decode()
    assert 'data-device-state="revoked"' in listing and "stolen" in listing
    assert client.post(f"/en/devices/{device.pk}/revoke", {"reason": "again"}).status_code == 400


def test_the_devices_list_shows_skew_and_last_seen(client, world):
    device = Device.objects.get()  # it uploaded on 13 and 28 July with a correct clock
    html = signed_in(client, "administrator").get("/en/devices/").content.decode()
    assert f'data-device="{device.pk}" data-device-state="expired"' in html  # never enrolled; its token lapsed
    assert "2027-07-28 08:00 (UTC+5)" in html and "0 s" in html  # its last upload


@pytest.mark.parametrize("role", [*refused(ADMINISTRATORS), None])
def test_the_devices_pages_are_refused_to_everyone_else(client, world, role):
    device = Device.objects.get()
    if role:
        signed_in(client, role)
    assert_refused(client.get("/en/devices/"), role)
    assert_refused(client.post("/en/devices/register", {"checkpoint": "NIB-HP", "label": "rogue"}), role)
    assert_refused(client.post(f"/en/devices/{device.pk}/revoke", {"reason": "mischief"}), role)
    assert Device.objects.count() == 1
    device.refresh_from_db()
    assert device.revoked_at is None


# --- Navigation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "lands_on"), [("rescue-kz", "/en/rescue/"), ("officer-kz", "/en/review/")])
def test_signing_in_lands_on_the_roles_page(client, world, role, lands_on):
    response = client.post("/en/login/", {"username": role, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == lands_on


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("officer-kz", {"presence"}),
        ("rescue-kg", {"presence", "rescue"}),
        ("administrator", {"presence", "rescue", "devices"}),
        ("operator-kz", set()),
        ("analyst", set()),
    ],
)
def test_the_menu_offers_the_pages_a_role_may_open(client, world, role, links):
    html = signed_in(client, role).get("/en/routes/").content.decode()
    nav = html.split("<nav>")[1].split("</nav>")[0]
    shown = {name for name in ("presence", "rescue", "devices") if f'href="/en/{name}/"' in nav}
    assert shown == links
