"""`tengri where|routes|route|itinerary|registry`: geography and registry look-ups."""

import argparse
from collections.abc import Callable
from pathlib import Path

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    where = commands.add_parser("where", help="print the country (KZ, KG, CN or other) of a point")
    where.add_argument("lat", help="latitude, decimal degrees")
    where.add_argument("lon", help="longitude, decimal degrees")
    where.add_argument("--json", action="store_true", help="also give distances to each country and the altitude")
    where.set_defaults(handler=_where)

    routes = commands.add_parser("routes", help="list the approved routes")
    routes.add_argument("--json", action="store_true")
    routes.set_defaults(handler=_routes)

    route = commands.add_parser("route", help="one route: show, profile, map").add_subparsers(title="route commands")
    show = route.add_parser("show", help="waypoints, profile figures, jurisdictions and required authorities")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_route_show)
    for name, helptext, handler in (
        ("profile", "draw the elevation profile (.svg or .png)", _route_profile),
        ("map", "draw the route map with hillshade and borders (.png or .svg)", _route_map),
    ):
        drawing = route.add_parser(name, help=helptext)
        drawing.add_argument("code")
        drawing.add_argument("--out", required=True, type=Path)
        drawing.set_defaults(handler=handler)

    itinerary = commands.add_parser("itinerary", help="itineraries").add_subparsers(title="itinerary commands")
    acclimatisation = itinerary.add_parser(
        "check", help="check sleeping places night by night against the WMS ascent guidance"
    )
    acclimatisation.add_argument("places", nargs="+", metavar="PLACE", help="place code of each night, in order")
    acclimatisation.add_argument("--route", help="route code: tells which places are reached by helicopter")
    acclimatisation.add_argument("--start-altitude", type=float, help="altitude before the first night, m")
    acclimatisation.add_argument("--json", action="store_true")
    acclimatisation.set_defaults(handler=_itinerary_check)

    registry = commands.add_parser("registry", help="registry data").add_subparsers(title="registry commands")
    check = registry.add_parser("check", help="compare waypoint altitudes with the grid and check the routes")
    check.set_defaults(handler=_registry_check)


def _where(args) -> int:
    from django.conf import settings

    from tengri.geo.borders import border_map
    from tengri.geo.coords import parse_lat_lon
    from tengri.geo.elevation import elevation_grid

    point = parse_lat_lon(args.lat, args.lon)
    where = border_map().jurisdiction_at(point.lat, point.lon, settings.TENGRI_BORDER_ACCURACY_M)
    if not args.json:
        print(where.country)
        return EXIT_OK
    grid = elevation_grid()
    print_json(
        {
            "lat": point.lat,
            "lon": point.lon,
            "country": where.country,
            "within_accuracy_of": sorted(where.nearby),
            "distance_m": {code: round(metres) for code, metres in where.distances_m.items()},
            "accuracy_m": settings.TENGRI_BORDER_ACCURACY_M,
            "grid_altitude_m": round(grid.at(point.lat, point.lon)) if grid.covers(point.lat, point.lon) else None,
        }
    )
    return EXIT_OK


def _routes(args) -> int:
    from tengri.registry.reports import route_summary
    from tengri.registry.selectors import route_list

    summaries = [route_summary(route) for route in route_list()]
    if args.json:
        print_json(summaries)
        return EXIT_OK
    for summary in summaries:
        season = f"{summary['season']['opens']}..{summary['season']['closes']}"
        print(
            f"{summary['code']:<9} {summary['grade']:<4} {summary['access_country']}  {season}  "
            f"{summary['status']:<6} {summary['name']}"
        )
    return EXIT_OK


def _route_show(args) -> int:
    from tengri.registry.reports import route_report
    from tengri.registry.selectors import route_get
    from tengri.registry.text import route_report_text

    report = route_report(route_get(code=args.code))
    if args.json:
        print_json(report)
    else:
        print(route_report_text(report))
    return EXIT_OK


def _drawing(args, render: Callable) -> int:
    from tengri.registry.selectors import route_get

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise InvalidInput(f"--out must end in .svg or .png, not {args.out.name!r}")
    route = route_get(code=args.code)
    args.out.write_bytes(render(route, suffix))
    print(args.out)
    return EXIT_OK


def _route_profile(args) -> int:
    from tengri.registry.drawings import route_profile_image

    return _drawing(args, route_profile_image)


def _route_map(args) -> int:
    from tengri.registry.drawings import route_map_image

    return _drawing(args, route_map_image)


def _itinerary_check(args) -> int:
    from tengri.registry.itinerary import itinerary_check
    from tengri.registry.selectors import route_get

    route = route_get(code=args.route) if args.route else None
    findings = itinerary_check(place_codes=args.places, route=route, start_altitude_m=args.start_altitude)
    if args.json:
        print_json([{"code": f.code, "day": f.day, "place": f.place, "message": f.message} for f in findings])
    else:
        for finding in findings:
            print(f"warning {finding.code}: {finding.message}")
        print(f"{len(findings)} finding(s) against the WMS ascent guidance")
    return EXIT_FAILED if findings else EXIT_OK


def _registry_check(args) -> int:
    from tengri.registry.checks import registry_problems

    problems = registry_problems()
    errors = [problem for problem in problems if problem.severity == "error"]
    for problem in problems:
        print(f"{problem.severity:<5} {problem.subject}: {problem.message}")
    print(f"{len(errors)} problem(s), {len(problems) - len(errors)} note(s)")
    return EXIT_FAILED if errors else EXIT_OK
