"""Position reports: a point from a satellite messenger (typed in, posted, or from the command line), checked,
placed in a state by the border data, and audited."""

import math
from datetime import datetime, timedelta

import pytest

from tengri.checkpoints.models import PositionReport
from tengri.checkpoints.services import position_report
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.expeditions.models import Application
from tengri.permits import checking
from tests.permits.test_issuing import tengri

from .presence_fixtures import MID_TRIP, place, user

pytest_plugins = ["tests.checkpoints.presence_fixtures"]


def report(application, lat, lon, *, at=MID_TRIP, now=MID_TRIP, **options) -> PositionReport:
    return position_report(
        actor=user("operator-kz"), application=application, lat=lat, lon=lon, reported_at=at, now=now, **options
    )


@pytest.mark.parametrize(
    ("code", "country"),
    [("north-inylchek-bc", "KG"), ("karkara-kz", "KZ"), ("almaty", "KZ"), ("south-inylchek-bc", "KG")],
)
def test_the_border_data_places_the_point(trip, code, country):
    lat, lon = place(code)

    position = report(trip.application, lat, lon)

    assert (position.country, position.lat, position.lon, position.reported_at) == (country, lat, lon, MID_TRIP)
    assert position.reported_by == user("operator-kz")


def test_a_point_in_china_and_one_far_away(trip):
    assert report(trip.application, 42.2, 80.2).country == "CN"
    assert report(trip.application, 10.0, 10.0).country == ""


def test_a_point_already_placed_is_not_looked_up_again(trip, monkeypatch):
    lat, lon = place("north-inylchek-bc")
    report(trip.application, lat, lon)

    def no_border_data():
        raise AssertionError("the border polygons were loaded again")

    monkeypatch.setattr(checking, "border_map", no_border_data)
    assert report(trip.application, lat, lon).country == "KG"


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        (90.0001, 80.0, "latitude"),
        (-91, 80.0, "latitude"),
        (42.0, 180.5, "longitude"),
        (42.0, -181, "longitude"),
        (math.nan, 80.0, "latitude"),
        (42.0, math.inf, "longitude"),
        ("north", 80.0, "numbers"),
    ],
)
def test_coordinates_out_of_range_are_refused(trip, lat, lon, words):
    with pytest.raises(InvalidInput, match=words):
        report(trip.application, lat, lon)
    assert PositionReport.objects.count() == 0


def test_the_poles_and_the_antimeridian_are_in_range(trip):
    assert report(trip.application, 90, 180).lat == 90
    assert report(trip.application, -90, -180).lon == -180


def test_not_more_than_five_minutes_ahead_of_the_clock(trip):
    lat, lon = place("north-inylchek-bc")
    assert report(trip.application, lat, lon, at=MID_TRIP + timedelta(minutes=5)).reported_at > MID_TRIP

    with pytest.raises(InvalidInput, match="future"):
        report(trip.application, lat, lon, at=MID_TRIP + timedelta(minutes=5, seconds=1))


def test_a_time_without_a_zone_is_utc(trip):
    lat, lon = place("north-inylchek-bc")

    position = report(trip.application, lat, lon, at=datetime(2027, 7, 20, 6, 30))

    assert position.reported_at == datetime.fromisoformat("2027-07-20T06:30:00+00:00")


def test_a_time_out_of_range_is_refused(trip):
    with pytest.raises(InvalidInput, match="range"):
        report(trip.application, 42.0, 80.0, at=datetime.fromisoformat("1999-12-31T23:00:00+00:00"))


@pytest.mark.parametrize(("options", "words"), [({"source": "pigeon"}, "source"), ({"note": "x" * 301}, "300")])
def test_source_and_note_are_checked(trip, options, words):
    with pytest.raises(InvalidInput, match=words):
        report(trip.application, 42.0, 80.0, **options)


def test_only_a_group_on_its_trip_reports_positions(trip):
    draft = Application.objects.get(state=Application.State.DRAFT)

    with pytest.raises(InvalidTransition, match="approved"):
        report(draft, 42.0, 80.0)


def test_every_report_is_audited_without_the_coordinates(trip):
    lat, lon = place("north-inylchek-bc")

    position = report(trip.application, lat, lon, source="radio", note="sat phone call")

    entry = AuditEntry.objects.get(action="position.report")
    assert (entry.subject_type, entry.subject_id, entry.actor_name) == (
        "checkpoints.positionreport",
        str(position.pk),
        "operator-kz",
    )
    assert entry.data == {"application": trip.application.reference, "country": "KG", "source": "radio"}


def test_tengri_position_add(trip, capsys):
    lat, lon = place("north-inylchek-bc")
    trip.clock.moment = MID_TRIP

    code, out, _ = tengri(
        capsys, "position", "add", trip.application.reference, "--lat", str(lat), "--lon", str(lon), "--note", "inReach"
    )

    assert code == 0 and "KG" in out
    position = PositionReport.objects.get()
    assert (position.reported_at, position.note, position.reported_by) == (MID_TRIP, "inReach", None)
    code, _, err = tengri(capsys, "position", "add", trip.application.reference, "--lat", "95", "--lon", "80")
    assert code == 2 and "latitude" in err
