"""What an itinerary needs: checkpoints on passage days, base camp beds on nights there, helicopter
seats on the days the group crosses a waypoint reached by helicopter (each way its own resource)."""

from datetime import date, timedelta

from tengri.capacity.demand import application_demand, itinerary_complete, resources_sync
from tengri.capacity.models import Resource
from tengri.expeditions import services as expeditions
from tests import factories
from tests.capacity.conftest import FLY_IN, FLY_OUT


def named(demand) -> dict[tuple[str, date], int]:
    codes = dict(Resource.objects.values_list("pk", "code"))
    return {(codes[resource], day): people for (resource, day), people in demand.items()}


def test_the_north_route_programme_needs_pads_flights_and_base_camp_beds(operator, resources):
    application = factories.application_complete(actor=operator)
    nights_at_camp = [3, 4, 5, 7, 8, 11, 12, 16]  # the programme's nights at North Inylchek BC
    expected = {
        ("checkpoint:KRK-HB-KZ", FLY_IN): 4,
        ("checkpoint:NIB-HP", FLY_IN): 4,
        ("helicopter:karkara-kz>north-inylchek-bc", FLY_IN): 4,
        ("checkpoint:KRK-HB-KZ", FLY_OUT): 4,
        ("checkpoint:NIB-HP", FLY_OUT): 4,
        ("helicopter:north-inylchek-bc>karkara-kz", FLY_OUT): 4,
    }
    expected.update({("base_camp:north-inylchek-bc", factories.START + timedelta(days=n)): 4 for n in nights_at_camp})
    assert named(application_demand(application)) == expected


def test_the_south_route_flies_from_maida_adyr_and_sleeps_at_south_inylchek(operator, resources):
    application = factories.application_complete(actor=operator, route_code="KT-S-KG", leader=None)
    demand = named(application_demand(application))
    fly_in, fly_out = factories.START + timedelta(days=2), factories.START + timedelta(days=15)
    assert demand[("helicopter:maida-adyr>south-inylchek-bc", fly_in)] == 4
    assert demand[("helicopter:south-inylchek-bc>maida-adyr", fly_out)] == 4
    assert demand[("checkpoint:MAD-HB", fly_in)] == demand[("checkpoint:SIB-HP", fly_out)] == 4
    assert sum(1 for code, _day in demand if code == "base_camp:south-inylchek-bc") == 8
    assert not any(code.startswith("helicopter:karkara") for code, _day in demand)


def test_a_trek_needs_its_crossing_point_only(operator, resources):
    application = factories.application_complete(actor=operator, route_code="SRB-TREK", leader=None, climbers=2)
    start = factories.START
    assert named(application_demand(application)) == {
        ("checkpoint:SRB", start + timedelta(days=2)): 3,
        ("checkpoint:SRB", start + timedelta(days=3)): 3,
    }


def test_everyone_counts_and_a_removed_member_no_longer_does(operator, resources):
    application = factories.application_complete(actor=operator, climbers=5)
    assert set(application_demand(application).values()) == {6}
    member = application.members.filter(role="member").first()
    expeditions.member_remove(actor=operator, application=application, member_id=member.pk, today=factories.TODAY)
    assert set(application_demand(application).values()) == {5}


def test_an_itinerary_without_every_night_is_not_complete(operator, resources):
    application = factories.application_draft(actor=operator)
    assert not itinerary_complete(application)
    complete = factories.application_complete(actor=operator)
    assert itinerary_complete(complete)


def test_resources_are_made_once_for_every_checkpoint_camp_and_both_ways_of_each_leg(demo_season):
    from tengri.registry.models import BaseCamp, Checkpoint, HelicopterLeg

    added = resources_sync()
    assert added == Checkpoint.objects.count() + BaseCamp.objects.count() + 2 * HelicopterLeg.objects.count()
    assert resources_sync() == 0
    assert Resource.objects.filter(kind="helicopter", way_back=True).count() == HelicopterLeg.objects.count()
