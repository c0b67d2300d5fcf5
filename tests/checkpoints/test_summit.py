"""The summit notice: filed by the operator (or the leader through their link, tested with the pages) for a
group on its trip, once per peak; how many of the group stood on top and when, checked against the trip's
dates and the group's size; audited; shown with the group's presence. Over the service, the command and
the API, with what each refuses and that a refusal stores nothing."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tengri.checkpoints.models import SummitNotice
from tengri.checkpoints.presence import group_presence
from tengri.checkpoints.services import summit_notice_file
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.expeditions.demo import PASSWORD
from tengri.expeditions.models import Application
from tests.permits.test_issuing import tengri

from .presence_fixtures import KZ_TIME, MID_TRIP, user, walk_in

pytest_plugins = ["tests.checkpoints.presence_fixtures"]

ON_TOP = datetime(2027, 7, 19, 11, 30, tzinfo=KZ_TIME)  # the trip runs 10–28 July 2027 (KT-N-KZ: local is KZ)


def file(trip, **fields) -> SummitNotice:
    values = {"actor": user("operator-kz"), "reached_at": ON_TOP, "persons": 3, "now": MID_TRIP} | fields
    return summit_notice_file(trip.application, **values)


# --- The service --------------------------------------------------------------------------------------------


def test_the_operator_files_it_audited_and_the_group_shows_it(trip):
    walk_in(trip.application)

    notice = file(trip, note="three on top, one waited at camp 3")

    stored = SummitNotice.objects.get()
    assert (stored.peak, stored.reached_at, stored.persons, stored.filed_at) == (
        "Khan Tengri",
        ON_TOP.astimezone(UTC),
        3,
        MID_TRIP,
    )
    assert (stored.filed_by, stored.filed_by_leader, stored.note) == (
        user("operator-kz"),
        False,
        "three on top, one waited at camp 3",
    )
    entry = AuditEntry.objects.get(action="summit_notice.file")
    assert (entry.subject_id, entry.actor_name, entry.reason) == (
        str(trip.application.pk),
        "operator-kz",
        "three on top, one waited at camp 3",
    )
    assert entry.data == {
        "peak": "Khan Tengri",
        "reached_at": "2027-07-19T06:30:00+00:00",
        "persons": 3,
        "by_leader": False,
    }
    [row] = group_presence(trip.application, now=MID_TRIP)["summits"]
    assert (row["id"], row["peak"], row["persons"], row["filed_by"]) == (notice.pk, "Khan Tengri", 3, "operator-kz")
    # A summit is not the way out: the group is still inside.
    assert group_presence(trip.application, now=MID_TRIP)["inside"] == 4


def test_filed_by_the_leader_no_user_is_stored(trip):
    notice = file(trip, actor=None, by_leader=True)

    assert notice.filed_by_leader and notice.filed_by is None


def test_once_per_peak_but_each_peak_once(trip):
    file(trip)

    with pytest.raises(InvalidTransition, match="Khan Tengri summit notice of KT-2027-000001 was filed"):
        file(trip, peak="  khan tengri ", persons=4)
    pobeda = file(trip, peak="Pobeda", reached_at=ON_TOP - timedelta(days=3), persons=2)

    assert pobeda.peak == "Pobeda"
    assert sorted(SummitNotice.objects.values_list("peak", "persons")) == [("Khan Tengri", 3), ("Pobeda", 2)]


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected", "withdrawn", "changes_requested"])
def test_only_a_group_on_its_trip_files_one(trip, state):
    application = Application.objects.filter(state=state, first_approved_at__isnull=True).first()
    assert application is not None
    start = datetime.combine(application.start_date, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)

    with pytest.raises(InvalidTransition, match="only an approved group may file a summit notice"):
        summit_notice_file(application, actor=None, reached_at=start, persons=1, now=start + timedelta(days=1))
    assert not SummitNotice.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"persons": 0}, "from 1 to 4"),
        ({"persons": 5}, "from 1 to 4"),
        ({"persons": -1}, "from 1 to 4"),
        ({"persons": 2.5}, "whole number"),
        ({"persons": "three"}, "whole number"),
        ({"persons": None}, "whole number"),
        ({"persons": True}, "whole number"),
        ({"reached_at": MID_TRIP + timedelta(minutes=6)}, "in the future"),
        ({"reached_at": "2027-07-19 11:30"}, "not a time"),
        # 8 July is two days before the trip: the local day, in Kazakhstan, decides.
        ({"reached_at": datetime(2027, 7, 8, 23, 59, tzinfo=KZ_TIME)}, "outside the trip's dates"),
        (
            {"reached_at": datetime(2027, 7, 30, 0, 0, tzinfo=KZ_TIME), "now": datetime(2027, 8, 2, tzinfo=UTC)},
            "outside",
        ),
        ({"peak": "   "}, "name the peak"),
        ({"peak": "x" * 101}, "longer than 100"),
        ({"note": "x" * 501}, "longer than 500"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(trip, fields, message):
    with pytest.raises(InvalidInput, match=message):
        file(trip, **fields)
    assert not SummitNotice.objects.exists()
    assert not AuditEntry.objects.filter(action="summit_notice.file").exists()


@pytest.mark.parametrize(
    "reached_at",
    [
        datetime(2027, 7, 9, 0, 0, tzinfo=KZ_TIME),  # the day before the trip, local
        datetime(2027, 7, 29, 23, 59, tzinfo=KZ_TIME),  # the day after it, local
        datetime(2027, 7, 19, 6, 30),  # without a zone: UTC
    ],
)
def test_a_day_either_side_of_the_trip_and_a_time_without_zone_are_taken(trip, reached_at):
    notice = file(trip, reached_at=reached_at, now=datetime(2027, 8, 1, tzinfo=UTC))

    expected = reached_at if reached_at.tzinfo else reached_at.replace(tzinfo=UTC)
    assert SummitNotice.objects.get().reached_at == expected == notice.reached_at


def test_the_group_size_is_its_current_members_and_guides(trip):
    leaving = trip.members[-1]
    leaving.removed_at = MID_TRIP - timedelta(days=30)
    leaving.save(update_fields=["removed_at"])

    with pytest.raises(InvalidInput, match="from 1 to 3"):
        file(trip, persons=4)
    assert file(trip, persons=3).persons == 3


# --- The command ----------------------------------------------------------------------------------------------


def test_tengri_summit(trip, capsys):
    trip.clock.moment = MID_TRIP
    reference = trip.application.reference

    code, out, _ = tengri(
        capsys, "summit", reference, "--at", "2027-07-19T11:30:00+05:00", "--persons", "2", "--note", "sat phone"
    )

    assert code == 0 and "2 on Khan Tengri at 2027-07-19T06:30:00+00:00" in out
    notice = SummitNotice.objects.get()
    assert (notice.filed_by, notice.filed_by_leader, notice.note) == (None, False, "sat phone")
    code, _, err = tengri(capsys, "summit", reference, "--peak", "Pobeda", "--at", "2027-07-18T08:00", "--persons", "9")
    assert code == 2 and "from 1 to 4" in err
    code, _, err = tengri(capsys, "summit", reference, "--at", "yesterday", "--persons", "1")
    assert code == 2 and "not an ISO time" in err
    code, _, err = tengri(capsys, "summit", reference, "--at", "2027-07-18T08:00", "--persons", "1")
    assert code == 1 and "was filed" in err  # Khan Tengri, filed above
    assert SummitNotice.objects.count() == 1


# --- POST /api/v1/applications/{reference}/summit ---------------------------------------------------------------


@pytest.fixture
def on_trip(trip):
    walk_in(trip.application)
    trip.clock.moment = MID_TRIP
    return trip


def basic(username: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


def post(client, url: str, username: str | None, body: dict):
    return client.post(url, body, content_type="application/json", **(basic(username) if username else {}))


def summit_url(trip) -> str:
    return f"/api/v1/applications/{trip.application.reference}/summit"


def payload(**changes) -> dict:
    return {"reached_at": "2027-07-19T11:30:00+05:00", "persons": 3, "note": "by inReach"} | changes


def test_the_operator_posts_it_and_the_group_answer_lists_it(on_trip, client):
    response = post(client, summit_url(on_trip), "operator-kz", payload())

    assert response.status_code == 201
    body = response.json()
    assert (body["peak"], body["persons"], body["filed_by"], body["by_leader"]) == (
        "Khan Tengri",
        3,
        "operator-kz",
        False,
    )
    assert body["reached_at"].startswith("2027-07-19T06:30:00")
    group = client.get(f"/api/v1/applications/{on_trip.application.reference}/presence", **basic("rescue-kz")).json()
    assert [(summit["peak"], summit["persons"]) for summit in group["summits"]] == [("Khan Tengri", 3)]
    assert post(client, summit_url(on_trip), "operator-kz", payload(persons=4)).status_code == 409
    assert SummitNotice.objects.count() == 1


def test_the_summit_notice_is_refused_to_others_and_bad_input_too(on_trip, client):
    for username, changes, status in (
        (None, {}, 401),
        ("operator-kg", {}, 403),
        ("officer-kz", {}, 403),
        ("rescue-kz", {}, 403),
        ("checkpoint-krk", {}, 403),
        ("analyst", {}, 403),
        ("operator-kz", {"persons": 0}, 422),
        ("operator-kz", {"persons": "many"}, 422),
        ("operator-kz", {"peak": ""}, 422),
        ("operator-kz", {"note": "x" * 501}, 422),
        ("operator-kz", {"persons": 5}, 400),  # more than the group of 4
        ("operator-kz", {"reached_at": "2027-07-21T12:00:00Z"}, 400),  # a day ahead of the clock
        ("operator-kz", {"reached_at": "2027-06-01T12:00:00Z"}, 400),  # long before the trip
    ):
        response = post(client, summit_url(on_trip), username, payload(**changes))
        assert response.status_code == status, (username, changes, response.content)
    assert not SummitNotice.objects.exists()


def test_a_summit_of_a_draft_is_a_conflict_and_an_unknown_group_not_found(on_trip, client):
    draft = Application.objects.get(state=Application.State.DRAFT)
    response = post(client, f"/api/v1/applications/{draft.reference}/summit", "operator-kg", payload())
    assert response.status_code == 409
    assert post(client, "/api/v1/applications/KT-2027-999999/summit", "operator-kz", payload()).status_code == 404
    assert not SummitNotice.objects.exists()
