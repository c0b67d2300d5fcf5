import pytest
from django.db import IntegrityError, transaction

from tengri.registry.demo.loader import demo_season_load
from tengri.registry.models import Checkpoint, Place, Route, Waypoint
from tengri.registry.reports import route_report
from tengri.registry.selectors import route_get

ROUTE_CODES = ["KT-N-KZ", "KT-S-KG", "KT-S-KZ", "OZR-TREK", "SRB-TREK"]


def test_demo_season_has_the_routes_and_the_five_agreement_points(demo_season):
    assert sorted(Route.objects.values_list("code", flat=True)) == ROUTE_CODES
    agreement = Checkpoint.objects.filter(kind="agreement_crossing").values_list("code", flat=True)
    assert sorted(agreement) == ["ASH", "KCJ", "KRK", "OZR", "SRB"]
    assert Checkpoint.objects.filter(kind="heli_base", code__startswith="KRK").count() == 2
    assert Checkpoint.objects.filter(kind="road").count() == 1


def test_loading_twice_changes_nothing(demo_season):
    counts = (Route.objects.count(), Place.objects.count(), Waypoint.objects.count(), Checkpoint.objects.count())
    demo_season_load(with_users=False)
    assert counts == (
        Route.objects.count(),
        Place.objects.count(),
        Waypoint.objects.count(),
        Checkpoint.objects.count(),
    )


def test_estimates_keep_their_flag_and_source(demo_season):
    camp = Place.objects.get(code="south-inylchek-bc")
    assert camp.approximate and "approx" in camp.source
    summit = Place.objects.get(code="khan-tengri")
    assert not summit.approximate and summit.altitude_m == 7010


def test_kt_s_kg_reaches_7010_from_south_inylchek(demo_season):
    report = route_report(route_get(code="KT-S-KG"))
    assert report["profile"]["max_altitude_m"] == 7010
    assert "south-inylchek-bc" in [waypoint["place"] for waypoint in report["waypoints"]]
    assert report["access_country"] == "KG"


@pytest.mark.parametrize("code", ["KT-S-KG", "KT-S-KZ", "KT-N-KZ"])
def test_khan_tengri_routes_need_both_authorities_and_show_china_as_non_party(demo_season, code):
    report = route_report(route_get(code=code))
    assert [authority["code"] for authority in report["required_authorities"]] == ["KG", "KZ"]
    assert report["non_party_jurisdictions"] == ["CN"]
    summit_reasons = {
        (r["country"], r["kind"]) for r in report["jurisdiction_reasons"] if r["subject"] == "Khan Tengri"
    }
    assert summit_reasons == {("CN", "inside"), ("KG", "within_accuracy"), ("KZ", "within_accuracy")}


def test_the_kazakh_access_route_needs_kyrgyzstan_because_the_helicopter_flies_over_it(demo_season):
    report = route_report(route_get(code="KT-S-KZ"))
    helicopter_reasons = [r for r in report["jurisdiction_reasons"] if r["kind"] == "leg" and r["country"] == "KG"]
    assert any("Karkara" in r["subject"] and r["metres"] > 10_000 for r in helicopter_reasons)
    assert report["profile"]["km_by_country"]["KZ"] > 100


@pytest.mark.parametrize("code", ["SRB-TREK", "OZR-TREK"])
def test_treks_cross_from_kazakhstan_to_kyrgyzstan(demo_season, code):
    report = route_report(route_get(code=code))
    waypoints = report["waypoints"]
    assert [authority["code"] for authority in report["required_authorities"]] == ["KG", "KZ"]
    assert report["non_party_jurisdictions"] == []
    first, last = waypoints[0]["place"], waypoints[-1]["place"]
    inside = {(r["subject"], r["country"]) for r in report["jurisdiction_reasons"] if r["kind"] == "inside"}
    names = {w["place"]: w["name"] for w in waypoints}
    assert (names[first], "KZ") in inside
    assert (names[last], "KG") in inside


def test_a_closed_route_must_say_why(demo_season):
    route = Route.objects.get(code="SRB-TREK")
    with pytest.raises(IntegrityError), transaction.atomic():
        Route.objects.filter(pk=route.pk).update(status="closed", closed_reason="")
    Route.objects.filter(pk=route.pk).update(status="closed", closed_reason="rockfall on the pass")
    assert route_get(code="srb-trek").status == "closed"


@pytest.mark.postgres
def test_demo_season_and_constraints_on_postgresql(on_postgres, demo_season):
    assert Route.objects.count() == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkpoint.objects.filter(code="KRK").update(status="closed", closed_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Waypoint.objects.create(route=Route.objects.get(code="KT-S-KG"), position=1, place=Place.objects.first())


def test_demo_users_can_log_in(client, db):
    result = demo_season_load()
    username, password, _ = result.users[0]
    assert client.login(username=username, password=password)
    assert client.get("/admin/registry/route/").status_code == 200
