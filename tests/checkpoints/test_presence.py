"""Presence at the centre: who is inside now (per route, base camp, country), one group's plan against its
passages, the planned exit in local time, and where a group was last known."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tengri.checkpoints.models import DescentNotice, PositionReport
from tengri.checkpoints.presence import group_presence, presence_now
from tengri.checkpoints.tracks import country_of_checkpoint_code, last_known, planned_exit
from tengri.expeditions.models import Application, PlannedPassage
from tests import factories
from tests.permits.test_issuing import tengri

from .presence_fixtures import (
    AT_BASE_CAMP,
    KG_TIME,
    KZ_TIME,
    MID_TRIP,
    ON_THE_WAY_IN,
    PLANNED_EXIT,
    place,
    scan,
    scan_all,
    walk_in,
)

pytest_plugins = ["tests.checkpoints.presence_fixtures"]


def group_of(presence: dict, reference: str) -> dict:
    return next(group for group in presence["groups"] if group["reference"] == reference)


def position(application: Application, code: str, at: datetime) -> PositionReport:
    """A position report as the service stores it (the service is tested in test_positions)."""
    from tengri.permits.checking import country_at

    lat, lon = place(code)
    return PositionReport.objects.create(
        application=application, lat=lat, lon=lon, country=country_at(lat, lon), reported_at=at
    )


# --- Planned exit ----------------------------------------------------------------------------------------


def test_planned_exit_is_the_end_of_the_last_planned_exit_day_in_the_exit_checkpoints_state(trip):
    assert country_of_checkpoint_code("KRK-HB-KZ") == "KZ"
    assert planned_exit(trip.application) == PLANNED_EXIT
    assert planned_exit(trip.application).tzinfo == UTC


def test_planned_exit_at_a_kyrgyz_checkpoint_ends_on_kyrgyz_time(demo_season):
    operator, officers = factories.operator(), factories.officers()
    application = factories.application_approved(actor=operator, officers_by_authority=officers, route_code="KT-S-KG")
    last_out = application.passages.filter(direction="out").order_by("date", "id").last()
    assert last_out.checkpoint.code == "MAD-HB" and country_of_checkpoint_code("MAD-HB") == "KG"

    assert planned_exit(application) == datetime.combine(
        last_out.date + timedelta(days=1), datetime.min.time(), KG_TIME
    )


def test_without_a_planned_exit_passage_the_end_date_counts_in_the_access_state(trip):
    PlannedPassage.objects.filter(application=trip.application, direction="out").delete()

    assert trip.application.end_date == date(2027, 7, 28)
    assert planned_exit(trip.application) == datetime(2027, 7, 29, 0, 0, tzinfo=KZ_TIME)


# --- Who is inside ----------------------------------------------------------------------------------------------


def test_nobody_is_inside_before_the_first_scan(trip):
    presence = presence_now(now=MID_TRIP)

    assert presence["inside"] == 0
    assert presence["by_route"] == presence["by_base_camp"] == presence["by_country"] == []


def test_inside_per_route_base_camp_and_country(trip):
    walk_in(trip.application)

    presence = presence_now(now=MID_TRIP)

    assert presence["inside"] == 4
    assert presence["by_route"] == [{"route": "KT-N-KZ", "name": trip.application.route.name, "inside": 4}]
    [camp] = presence["by_base_camp"]
    assert (camp["place"], camp["inside"], camp["beds"]) == ("north-inylchek-bc", 4, 120)
    assert presence["by_country"] == [{"country": "KG", "inside": 4}]


def test_only_the_karkara_scan_places_the_group_in_kazakhstan_and_at_no_base_camp(trip):
    scan_all(trip.application, "KRK-HB-KZ", "in", ON_THE_WAY_IN)

    presence = presence_now(now=MID_TRIP)

    assert presence["by_country"] == [{"country": "KZ", "inside": 4}]
    assert presence["by_base_camp"] == []


def test_leaving_the_base_camp_and_the_zone_counts_out(trip):
    walk_in(trip.application)
    first, second, *_ = trip.members
    scan(first, "NIB-HP", "out", MID_TRIP)
    scan(first, "KRK-HB-KZ", "out", MID_TRIP + timedelta(hours=2))
    scan(second, "NIB-HP", "out", MID_TRIP)  # on the helicopter: out of the base camp, not yet scanned at Karkara

    presence = presence_now(now=MID_TRIP + timedelta(hours=3))

    assert presence["inside"] == 2
    assert presence["by_base_camp"][0]["inside"] == 2
    group = group_of(presence, trip.application.reference)
    assert (group["inside"], group["out"], group["never_scanned"]) == (2, 2, 0)


def test_a_forged_or_unreadable_permit_moves_nobody(trip):
    walk_in(trip.application)
    scan(trip.members[0], "KRK-HB-KZ", "out", MID_TRIP, verdict="BAD_SIGNATURE")
    scan(trip.members[1], "KRK-HB-KZ", "out", MID_TRIP, verdict="MISSING_SIGNATURE")

    assert presence_now(now=MID_TRIP + timedelta(hours=1))["inside"] == 4


@pytest.mark.parametrize("verdict", ["EXPIRED", "OUTSIDE_WINDOW", "REVOKED", "WRONG_CHECKPOINT", "NOT_YET_VALID"])
def test_leaving_with_an_authentic_permit_refused_for_time_or_place_is_an_exit(trip, verdict):
    """A late group's permits have expired, an amended group's old ones are revoked: they have still left."""
    walk_in(trip.application)
    scan(trip.members[0], "KRK-HB-KZ", "out", MID_TRIP, verdict=verdict)

    assert presence_now(now=MID_TRIP + timedelta(hours=1))["inside"] == 3


def test_a_refused_entry_was_turned_back(trip):
    scan(trip.members[0], "KRK-HB-KZ", "in", ON_THE_WAY_IN, verdict="OUTSIDE_WINDOW")

    assert presence_now(now=ON_THE_WAY_IN + timedelta(hours=1))["inside"] == 0


def test_the_latest_event_is_the_one_that_happened_last_not_the_one_that_arrived_last(trip):
    member = trip.members[0]
    scan(member, "KRK-HB-KZ", "out", MID_TRIP)  # synced first, happened later
    scan(member, "KRK-HB-KZ", "in", ON_THE_WAY_IN)

    group = group_of(presence_now(now=MID_TRIP + timedelta(hours=1)), trip.application.reference)

    assert (group["inside"], group["out"], group["never_scanned"]) == (0, 1, 3)


def test_a_later_position_report_moves_the_country_of_those_inside(trip):
    walk_in(trip.application)
    position(trip.application, "karkara-kz", MID_TRIP)

    presence = presence_now(now=MID_TRIP + timedelta(hours=1))

    assert presence["by_country"] == [{"country": "KZ", "inside": 4}]
    group = group_of(presence, trip.application.reference)
    assert group["last_known"] == {"country": "KZ", "at": MID_TRIP, "source": "position"}
    lat, lon = place("karkara-kz")
    assert group["last_position"] == {"lat": lat, "lon": lon, "country": "KZ", "reported_at": MID_TRIP}


def test_a_descent_notice_closes_the_groups_presence_until_someone_is_scanned_in_again(trip):
    walk_in(trip.application)
    DescentNotice.objects.create(application=trip.application, filed_at=MID_TRIP)

    presence = presence_now(now=MID_TRIP + timedelta(hours=1))
    assert presence["inside"] == 0
    assert presence["groups"] == []

    scan(trip.members[0], "KRK-HB-KZ", "in", MID_TRIP + timedelta(hours=2))
    presence = presence_now(now=MID_TRIP + timedelta(hours=3))
    assert presence["inside"] == 1
    assert group_of(presence, trip.application.reference)["descent_notice_at"] == MID_TRIP


def test_groups_withdrawn_before_they_went_are_not_counted(trip):
    Application.objects.filter(pk=trip.application.pk).update(state=Application.State.WITHDRAWN)

    presence = presence_now(now=MID_TRIP)

    assert presence["inside"] == 0 and presence["groups"] == []


def test_a_group_withdrawn_while_inside_is_still_inside(trip):
    """Withdrawing revokes the permits; it does not bring anyone down from the mountain."""
    walk_in(trip.application)
    Application.objects.filter(pk=trip.application.pk).update(state=Application.State.WITHDRAWN)

    presence = presence_now(now=MID_TRIP)

    assert presence["inside"] == 4 and group_of(presence, trip.application.reference)["inside"] == 4


def test_an_amendment_under_review_keeps_the_group_on_its_trip(trip):
    walk_in(trip.application)
    Application.objects.filter(pk=trip.application.pk).update(state=Application.State.UNDER_REVIEW)

    assert presence_now(now=MID_TRIP)["inside"] == 4


# --- Groups on the mountain and past their planned exit ----------------------------------------------------


def test_a_group_whose_trip_began_is_listed_even_if_never_scanned(trip):
    before = presence_now(now=datetime(2027, 7, 9, 18, 0, tzinfo=UTC))  # 9 July, 23:00 in Kazakhstan
    after = presence_now(now=datetime(2027, 7, 9, 19, 0, tzinfo=UTC))  # 10 July has begun there

    assert trip.application.reference not in [group["reference"] for group in before["groups"]]
    group = group_of(after, trip.application.reference)
    assert (group["inside"], group["out"], group["never_scanned"]) == (0, 0, 4)


def test_past_planned_exit_from_one_second_after_the_planned_exit(trip):
    walk_in(trip.application)
    second = timedelta(seconds=1)

    before = presence_now(now=PLANNED_EXIT - second)
    after = presence_now(now=PLANNED_EXIT + second)

    assert before["past_planned_exit"] == []
    assert [group["reference"] for group in after["past_planned_exit"]] == [trip.application.reference]
    assert after["past_planned_exit"][0]["overdue"] is False  # the grace runs first


def test_a_group_that_came_out_is_not_past_its_planned_exit(trip):
    walk_in(trip.application)
    scan_all(trip.application, "KRK-HB-KZ", "out", PLANNED_EXIT - timedelta(hours=3))

    presence = presence_now(now=PLANNED_EXIT + timedelta(days=1))

    assert presence["past_planned_exit"] == [] and presence["groups"] == []


# --- One group ------------------------------------------------------------------------------------------------


def test_planned_passages_against_what_each_member_did(trip):
    leader, second, third, fourth = trip.members
    for member in (leader, second, third):
        scan(member, "KRK-HB-KZ", "in", ON_THE_WAY_IN)
    # 20:30 UTC on 13 July is already 14 July at Karkara (UTC+5): a day late by the checkpoint's calendar.
    scan(fourth, "KRK-HB-KZ", "in", datetime(2027, 7, 13, 20, 30, tzinfo=UTC))
    scan(leader, "NIB-HP", "in", AT_BASE_CAMP)
    scan(second, "KGR", "in", ON_THE_WAY_IN)  # a checkpoint the plan does not use
    scan(third, "NIB-HP", "in", AT_BASE_CAMP, verdict="REVOKED")

    group = group_presence(trip.application, now=MID_TRIP)

    karkara_in, base_camp_in, base_camp_out, karkara_out = group["passages"]
    assert (karkara_in["checkpoint"], karkara_in["direction"], karkara_in["date"]) == (
        "KRK-HB-KZ",
        "in",
        date(2027, 7, 13),
    )
    assert (karkara_in["done"], karkara_in["on_plan"]) == (4, 3)
    late = next(row for row in karkara_in["members"] if row["member_id"] == fourth.pk)
    assert (late["local_date"], late["on_plan"]) == (date(2027, 7, 14), False)
    assert (base_camp_in["done"], base_camp_in["on_plan"]) == (1, 1)
    assert [row["name"] for row in base_camp_in["members"] if row["at"]] == [leader.name]
    assert base_camp_out["done"] == karkara_out["done"] == 0
    assert [(event["checkpoint"], event["name"]) for event in group["unplanned"]] == [("KGR", second.name)]
    assert [(event["checkpoint"], event["verdict"]) for event in group["refused"]] == [("NIB-HP", "REVOKED")]
    states = {member["id"]: (member["state"], member["country"], member["base_camp"]) for member in group["members"]}
    assert states[leader.pk] == ("inside", "KG", "north-inylchek-bc")
    assert states[fourth.pk] == ("inside", "KZ", "")
    assert group["planned_exit"] == PLANNED_EXIT and group["overdue"] is False


def test_a_group_shows_its_positions_descent_notice_and_no_emergency_contact(trip):
    position(trip.application, "north-inylchek-bc", MID_TRIP)
    DescentNotice.objects.create(application=trip.application, filed_at=MID_TRIP, note="all down")

    group = group_presence(trip.application, now=MID_TRIP)

    assert [(p["country"], p["reported_at"]) for p in group["positions"]] == [("KG", MID_TRIP)]
    assert group["descent_notice"]["note"] == "all down"
    assert "emergency_contact" not in group
    assert "+7" not in str(group)


# --- Last known ----------------------------------------------------------------------------------------------------


def test_last_known_is_nothing_before_any_scan_or_position(trip):
    assert last_known(trip.application) == ("", None, "")


def test_last_known_the_later_of_scan_and_position_wins(trip):
    scan_all(trip.application, "KRK-HB-KZ", "in", ON_THE_WAY_IN)
    assert last_known(trip.application) == ("KZ", ON_THE_WAY_IN + timedelta(seconds=3), "scan")

    position(trip.application, "north-inylchek-bc", MID_TRIP)
    assert last_known(trip.application) == ("KG", MID_TRIP, "position")

    scan(trip.members[0], "KRK-HB-KZ", "in", MID_TRIP + timedelta(minutes=1))
    assert last_known(trip.application) == ("KZ", MID_TRIP + timedelta(minutes=1), "scan")


def test_a_position_outside_the_border_data_places_nothing(trip):
    scan_all(trip.application, "KRK-HB-KZ", "in", ON_THE_WAY_IN)
    PositionReport.objects.create(application=trip.application, lat=10, lon=10, country="", reported_at=MID_TRIP)

    assert last_known(trip.application).country == "KZ"


# --- The command --------------------------------------------------------------------------------------------------


def test_tengri_presence(trip, capsys):
    walk_in(trip.application)
    at = MID_TRIP.isoformat()

    code, out, _ = tengri(capsys, "presence", "--at", at, "--json")
    assert code == 0
    presence = json.loads(out)
    assert (presence["inside"], presence["by_country"]) == (4, [{"country": "KG", "inside": 4}])

    code, out, _ = tengri(capsys, "presence", "--group", trip.application.reference, "--at", at, "--json")
    assert code == 0
    assert [passage["done"] for passage in json.loads(out)["passages"]] == [4, 4, 0, 0]

    code, out, _ = tengri(capsys, "presence", "--at", at)
    assert code == 0 and "inside now: 4" in out and trip.application.reference in out
    code, _, err = tengri(capsys, "presence", "--group", "KT-2027-999999")
    assert code == 1 and "no application" in err
