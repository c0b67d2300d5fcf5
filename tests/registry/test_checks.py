from tengri.registry.checks import registry_problems
from tengri.registry.models import Place


def errors():
    return [problem for problem in registry_problems() if problem.severity == "error"]


def test_demo_registry_is_consistent_with_the_grid(demo_season):
    assert errors() == []
    notes = {problem.subject for problem in registry_problems() if problem.severity == "info"}
    assert notes == {"ASH", "KCJ"}  # coordinates not found in any source


def test_a_mistyped_coordinate_is_caught(demo_season):
    # Big Almaty Lake with latitude 43.15 instead of 43.05 lands on a ridge far above 2511 m
    Place.objects.filter(code="big-almaty-lake").update(lat=43.15)
    [problem] = errors()
    assert problem.subject == "big-almaty-lake"
    assert "2511 m" in problem.message and "tolerance" in problem.message


def test_a_mistyped_altitude_is_caught(demo_season):
    Place.objects.filter(code="ozerny-pass").update(altitude_m=5320)
    assert [problem.subject for problem in errors()] == ["ozerny-pass"]


def test_a_place_outside_the_grid_is_reported(demo_season):
    Place.objects.filter(code="almaty").update(lat=51.17, lon=71.43)
    assert "outside the elevation grid" in errors()[0].message
