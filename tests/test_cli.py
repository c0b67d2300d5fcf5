import json
import subprocess
import sys
from pathlib import Path

import pytest

from tengri.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("lat", "lon", "country"),
    [("43.2389", "76.8897", "KZ"), ("42.49", "78.39", "KG"), ("39.47", "75.99", "CN"), ("43.91", "81.33", "CN")],
)
def test_where_prints_the_country(capsys, lat, lon, country):
    assert run(capsys, "where", lat, lon) == (0, f"{country}\n", "")


def test_where_json_gives_distances_and_altitude(capsys):
    code, out, _ = run(capsys, "where", "42.2108", "80.1750", "--json")
    data = json.loads(out)
    assert code == 0 and data["country"] == "CN"
    assert data["within_accuracy_of"] == ["CN", "KG", "KZ"]
    assert 6000 < data["grid_altitude_m"] < 7010


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["where", "abc", "76"], "latitude 'abc' is not a number"),
        (["where", "95", "76"], "latitude 95.0 is out of range"),
        (["where", "43", "190.5"], "longitude 190.5 is out of range"),
    ],
)
def test_where_refuses_bad_input_clearly(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and message in err


def test_routes_lists_the_demo_routes(capsys, demo_season):
    code, out, _ = run(capsys, "routes", "--json")
    assert code == 0
    assert [route["code"] for route in json.loads(out)] == ["KT-N-KZ", "KT-S-KG", "KT-S-KZ", "OZR-TREK", "SRB-TREK"]


def test_route_show_json_for_kt_s_kg(capsys, demo_season):
    code, out, _ = run(capsys, "route", "show", "KT-S-KG", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["profile"]["max_altitude_m"] == 7010
    assert any(waypoint["place"] == "south-inylchek-bc" for waypoint in report["waypoints"])
    assert [authority["code"] for authority in report["required_authorities"]] == ["KG", "KZ"]


def test_route_show_text_says_why(capsys, demo_season):
    code, out, _ = run(capsys, "route", "show", "kt-n-kz")
    assert code == 0
    assert "required authorities: KG, KZ" in out
    assert "North Inylchek base camp lies in KG" in out
    assert "never an authority" in out


def test_unknown_route_is_a_clear_error(capsys, demo_season):
    code, out, err = run(capsys, "route", "show", "KT-X")
    assert code == 1 and out == ""
    assert "no route with code 'KT-X'" in err and "KT-S-KG" in err


@pytest.mark.parametrize(("kind", "suffix", "magic"), [("profile", "svg", b"<?xml"), ("map", "png", b"\x89PNG")])
def test_route_pictures(capsys, demo_season, tmp_path, kind, suffix, magic):
    out_file = tmp_path / f"picture.{suffix}"
    code, _, _ = run(capsys, "route", kind, "OZR-TREK", "--out", str(out_file))
    assert code == 0
    assert out_file.read_bytes().startswith(magic)


def test_route_picture_refuses_an_unknown_format(capsys, demo_season, tmp_path):
    code, _, err = run(capsys, "route", "map", "OZR-TREK", "--out", str(tmp_path / "map.gif"))
    assert code == 2 and "must end in .svg or .png" in err


def test_registry_check_passes_on_the_demo(capsys, demo_season):
    code, out, _ = run(capsys, "registry", "check")
    assert code == 0 and "0 problem(s)" in out


def test_the_installed_console_script_answers():
    script = Path(sys.executable).parent / "tengri"
    result = subprocess.run([str(script), "where", "42.49", "78.39"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, "KG\n")


def test_itinerary_check_names_the_helicopter_jump_to_base_camp(capsys, demo_season):
    code, out, _ = run(
        capsys,
        "itinerary",
        "check",
        "--route",
        "KT-S-KZ",
        "--json",
        "kegen",
        "karkara-kz",
        "south-inylchek-bc",
        "south-inylchek-bc",
        "kt-s-camp-1",
    )
    findings = json.loads(out)
    assert code == 1
    assert [(finding["code"], finding["day"]) for finding in findings] == [("acclimatisation.helicopter_jump", 3)]
    assert "2200 m to 4000 m" in findings[0]["message"]


def test_itinerary_check_passes_a_staged_trek(capsys, demo_season):
    code, out, _ = run(capsys, "itinerary", "check", "kolsai-lower", "kolsai-middle", "balbay")
    assert code == 0 and "0 finding(s)" in out


def test_itinerary_check_refuses_unknown_places(capsys, demo_season):
    code, _, err = run(capsys, "itinerary", "check", "kolsai-lower", "atlantis")
    assert code == 2 and "unknown place code(s): atlantis" in err


def test_an_unmigrated_database_is_a_clear_error(tmp_path):
    script = Path(sys.executable).parent / "tengri"
    env = {"PATH": "/usr/bin:/bin", "TENGRI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tengri.config.base"}
    result = subprocess.run([str(script), "routes"], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 1
    assert "run `tengri manage migrate`" in result.stderr


def test_route_show_warns_about_a_route_without_geometry(capsys, demo_season):
    from tengri.registry.models import Route

    Route.objects.get(code="OZR-TREK").waypoints.all().delete()
    code, out, _ = run(capsys, "route", "show", "OZR-TREK")
    assert code == 0 and "warning: the route has fewer than two waypoints" in out
    assert "required authorities: \n" in out


def _every_parser(parser):
    """The parser and every sub-command's parser below it."""
    yield parser
    for action in parser._actions:
        for child in getattr(action, "choices", None) or {}:
            if isinstance(action.choices, dict):
                yield from _every_parser(action.choices[child])


def test_every_command_prints_its_help():
    # argparse %-formats help texts only when --help is asked for: a stray "%" breaks just that.
    from tengri.cli import _parser

    helps = [sub.format_help() for sub in _every_parser(_parser())]
    assert len(helps) > 40 and all("usage:" in text for text in helps)
