"""A constructed season for the report tests: figures and tables made by hand (no database), with sources,
so the report can be checked number by number against what went in."""

from datetime import date
from decimal import Decimal

from tengri.indicators.figures import Figure, Period, Table
from tengri.indicators.report import DerivedEntry, MirrorRow, ReportedEntry, TradeInput, report_assemble

SEASON = Period(date(2027, 7, 1), date(2027, 9, 10))
Q = "tengri.indicators.tourism"


def figures() -> list[Figure]:
    return [
        Figure("applications.filed", "Applications filed", 1234, 1000, f"{Q}.applications: filed in the period"),
        Figure("applications.approved", "Applications approved", 1100, 880, f"{Q}.applications: approved"),
        Figure("applications.rejected", "Applications rejected", 34, 40, f"{Q}.applications: rejected"),
        Figure("persons.crossed", "Persons who crossed", 4321, 0, f"{Q}.crossings: distinct persons"),
        Figure("crossings.total", "Crossings", 8642, 7000, f"{Q}.crossings: accepted scans"),
        Figure("decisions.median_hours.KZ", "Median decision time, KZ", 26.5, 30.0, f"{Q}.decisions: KZ", "h"),
        Figure("alerts.raised", "Overdue alerts raised", 7, 9, f"{Q}.alerts: raised"),
        Figure("alerts.rescue", "Rescue alerts (stage 3)", 1, 0, f"{Q}.alerts: stage 3"),
        Figure("summits.notices", "Summit notices", 312, None, f"{Q}.summits: notices"),
        Figure("descents.notices", "Descent notices", 298, 250, f"{Q}.descents: notices"),
    ]


def tables() -> dict[str, Table]:
    return {
        "crossings.by_month_checkpoint": Table(
            "crossings.by_month_checkpoint",
            "Persons crossing by month, checkpoint and direction",
            ("month", "checkpoint", "direction", "persons"),
            (
                ("2027-07", "KRK", "entry", 1500),
                ("2027-07", "KRK", "exit", 1300),
                ("2027-07", "INY", "entry", 700),
                ("2027-08", "KRK", "entry", 2100),
                ("2027-08", "INY", "exit", 900),
            ),
            f"{Q}.crossings_by_month_checkpoint: persons per month, checkpoint, direction",
            ("persons",),
        ),
        "crossings.by_nationality": Table(
            "crossings.by_nationality",
            "Persons crossing by nationality",
            ("nationality", "entries", "exits"),
            (("KAZ", 1800, 1700), ("RUS", 900, 850), ("DEU", 120, 118), ("KGZ", 1500, 1490)),
            f"{Q}.crossings_by_nationality: persons per nationality",
            ("entries", "exits"),
        ),
        "persons.by_route_day": Table(
            "persons.by_route_day",
            "Persons on each route per day",
            ("route", "day", "persons"),
            tuple(("KT-N", date(2027, 7, day), 10 + day) for day in range(1, 20))
            + tuple(("KT-S", date(2027, 7, day), 30 - day) for day in range(1, 20)),
            f"{Q}.persons_by_route_day: persons inside per route and day",
            ("persons",),
        ),
        "capacity.occupancy": Table(
            "capacity.occupancy",
            "Occupancy of capacity",
            ("kind", "resource", "month", "capacity_place_days", "used_place_days", "occupancy_pct"),
            (
                ("checkpoint", "checkpoint:KRK", "2027-07", 3100, 2480, 80.0),
                ("base_camp", "base_camp:SOUTH", "2027-07", 6200, 3100, 50.0),
            ),
            f"{Q}.capacity_occupancy: place-days used of offered",
            (),
        ),
        "decisions.by_authority": Table(
            "decisions.by_authority",
            "Decisions by authority",
            ("authority", "approved", "rejected", "median_hours"),
            (("KZ", 1100, 20, 26.5), ("KG", 1110, 14, 31.0)),
            f"{Q}.decisions_by_authority: decisions and median hours",
            (),
        ),
        "rejections.by_reason": Table(
            "rejections.by_reason",
            "Rejections by reason",
            ("authority", "reason", "applications"),
            (("KZ", "insurance", 12), ("KG", "documents", 8)),
            f"{Q}.rejections_by_reason: rejected applications per reason",
            (),
        ),
        "alerts.by_stage_outcome": Table(
            "alerts.by_stage_outcome",
            "Alerts by stage and outcome",
            ("stage", "outcome", "alerts"),
            ((1, "closed by exit", 5), (3, "rescue sent", 1)),
            f"{Q}.alerts_by_stage_outcome: alerts per stage and outcome",
            (),
        ),
    }


def trade() -> TradeInput:
    url = "https://www.inform.kz/ru/tovarooborot-mezhdu-kazahstanom-i-kirgizstanom-sostavil-14-mlrd-087412"
    entries = [
        ReportedEntry(
            11, "Jan–Aug 2025", date(2025, 8, 31), "trade turnover", "KZ", Decimal("1.4"), "USD bn", Decimal(21),
            "Intergovernmental Council communiqué", date(2025, 11, 13), url,
        ),
        ReportedEntry(
            12, "2024", date(2024, 12, 31), "trade turnover", "KG", Decimal("1.340"), "USD bn", None,
            "KG government", date(2025, 2, 25), "https://24.kg/english/321020",
        ),
        ReportedEntry(
            13, "2024", date(2024, 12, 31), "trade turnover", "KZ", Decimal("1.6"), "USD bn", None,
            "KZ government", None, "https://example.kz/press",
        ),
    ]  # fmt: skip
    derived = [
        DerivedEntry(
            "Jan–Aug 2024 trade turnover", Decimal("1.157"), Decimal("1.12"), Decimal("1.20"), "USD bn",
            "1.4 / 1.21: the base the growth was measured from", (11,),
        )
    ]  # fmt: skip
    mirror = [
        MirrorRow("2024", "trade turnover", Decimal("1.6"), Decimal("1.340"), Decimal("0.26"), 19.4, "USD bn", (13, 12))
    ]
    return TradeInput(entries, derived, mirror)


def constructed_report(trade_input: TradeInput | None = None):
    return report_assemble(
        year=2027,
        period=SEASON,
        season_from="registry",
        figures=figures(),
        tables=tables(),
        trade=trade() if trade_input is None else trade_input,
    )
