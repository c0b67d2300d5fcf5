"""Plain-text rendering of a route report for the terminal."""

from typing import Any

REASON_TEXT = {
    "inside": "{subject} lies in {country}",
    "within_accuracy": "{subject} lies {metres} m from {country} territory (within the border data's accuracy)",
    "leg": "leg {subject} runs {km:.1f} km through {country}",
}


def route_report_text(report: dict[str, Any]) -> str:
    profile = report["profile"] or {
        "distance_km": 0,
        "foot_distance_km": 0,
        "ascent_m": 0,
        "descent_m": 0,
        "max_altitude_m": 0,
        "km_by_country": {},
    }
    lines = [
        f"{report['code']}  {report['name']}",
        f"grade {report['grade']}, access from {report['access_country']}, "
        f"season {report['season']['opens']} to {report['season']['closes']}, {report['status']}"
        + (f" ({report['closed_reason']})" if report["closed_reason"] else ""),
        "",
        f"distance {profile['distance_km']} km ({profile['foot_distance_km']} km on foot), "
        f"ascent {profile['ascent_m']} m, descent {profile['descent_m']} m, max altitude {profile['max_altitude_m']} m",
        "by country: " + ", ".join(f"{country} {km} km" for country, km in profile["km_by_country"].items()),
        "",
        *([f"warning: {report['geometry_problem']}"] if report["geometry_problem"] else []),
        "waypoints:",
    ]
    for waypoint in report["waypoints"]:
        altitude = "grid" if waypoint["altitude_m"] is None else f"{waypoint['altitude_m']} m"
        approx = " ≈approx" if waypoint["approximate"] else ""
        lines.append(
            f"  {waypoint['position']:>2}. {waypoint['name']:<42} {waypoint['kind']:<14} {altitude:>7} "
            f"{waypoint['lat']:.4f} {waypoint['lon']:.4f} {waypoint['km_from_start']:>6} km  "
            f"({waypoint['arrival']}){approx}"
        )
    lines += ["", "jurisdictions entered: " + ", ".join(report["jurisdictions"])]
    lines.append("required authorities: " + ", ".join(a["code"] for a in report["required_authorities"]))
    if report["non_party_jurisdictions"]:
        lines.append(
            "touches non-party territory (shown, never an authority): " + ", ".join(report["non_party_jurisdictions"])
        )
    lines.append("why:")
    for reason in report["jurisdiction_reasons"]:
        template = REASON_TEXT[reason["kind"]]
        lines.append("  " + template.format(km=reason["metres"] / 1000, **reason))
    if report["checkpoints"]:
        lines += ["", "checkpoints: " + ", ".join(c["code"] for c in report["checkpoints"])]
    return "\n".join(lines)
