"""The season report's tourism indicators on a season of a million crossing events, against DuckDB
computing the same crossing tables from the same rows, in the same run.

    .venv/bin/python bench/indicators.py [--events 1000000] [--database-url postgres://postgres@127.0.0.1:5432/tengri_bench_ind]
        [--runs 3] [--out /tmp/bench-indicators.md]

1. Drops and creates the PostgreSQL database, migrates it, loads the registry demo and the demo companies.
2. Generates the season 2026 with `tengri.indicators.season_generator` (the demo history's generator,
   scaled: about 16 crossing events per group), by the ORM's bulk inserts; times it; ANALYZE.
3. Times `tourism_indicators(2026)`: every figure (and the year before), every table — the season report's
   whole tourism part — and, for a like-for-like ratio, only the parts DuckDB also computes.
4. DuckDB cannot read PostgreSQL here (its postgres extension is a download, and the machine is offline),
   so the rows are exported with COPY … TO STDOUT (CSV) — timed on its own — and DuckDB loads them into
   its in-memory tables (timed) and computes: crossings by month/checkpoint/direction, by nationality,
   persons per route and day, and the crossing figures (total, entries, exits, groups, persons).
5. Checks that both give the same numbers, and writes the results as a markdown section.

Times are the best of `--runs` warm runs (the first run of each warms caches and is not counted).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tengri.config.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tengri_bench_ind"
EVENTS_PER_GROUP = 15.9  # 82 % approved × 5.75 people × 3.33 passages, and a few refused scans
YEAR = 2026
COUNTED = "(verdict = 'VALID' OR (direction = 'out' AND verdict IN {refusals})) AND member_id IS NOT NULL"


def main() -> int:
    args = _arguments()
    _database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generated, generate_s = _generate(args.events)
    results = _measure(args.runs)
    results.update(generated=generated, generate_s=generate_s)
    report = _report(args, results)
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)
    return 0 if results["same"] else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="crossing events to generate (about)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and created afresh")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--out", default="/tmp/bench-indicators.md", help="where the markdown section goes")
    return parser.parse_args()


def _database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not name.startswith("tengri_bench"):
        sys.exit(f"refusing to drop {name!r}: the benchmark's database name starts with tengri_bench")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def _generate(events: int) -> tuple[object, float]:
    from django.db import connection, transaction

    from tengri.capacity.demand import resources_sync
    from tengri.expeditions.demo import demo_people_load
    from tengri.indicators.season_generator import season_generate
    from tengri.registry.demo.loader import demo_season_load

    demo_season_load(with_users=True)
    demo_people_load()
    resources_sync()
    groups = math.ceil(events / EVENTS_PER_GROUP)
    started = time.perf_counter()
    with transaction.atomic():
        generated = season_generate(year=YEAR, groups=groups, seed=YEAR, with_plans=False)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {generated.events} events of {generated.applications} groups in {seconds:.1f} s", flush=True)
    return generated, seconds


def _best(function, runs: int) -> tuple[float, object]:
    result = function()  # warm-up, not counted
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def _measure(runs: int) -> dict:
    from tengri.indicators.figures import Period
    from tengri.indicators.tourism import tourism_indicators

    season = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    ours_s, indicators = _best(lambda: tourism_indicators(season), runs)
    same_part_s, ours = _best(lambda: _ours_crossing_part(season), runs)
    with tempfile.TemporaryDirectory(prefix="tengri-bench-ind-") as folder:
        started = time.perf_counter()
        _export(Path(folder))
        export_s = time.perf_counter() - started
        import duckdb

        duck = duckdb.connect()
        started = time.perf_counter()
        _duck_load(duck, Path(folder))
        load_s = time.perf_counter() - started
    duck_s, theirs = _best(lambda: _duck_crossing_part(duck, season), runs)
    figures = {figure.key: figure.value for figure in indicators.figures}
    whole = {
        "by_month": indicators.tables["crossings.by_month_checkpoint"].rows,
        "by_nationality": indicators.tables["crossings.by_nationality"].rows,
        "by_route_day": indicators.tables["persons.by_route_day"].rows,
        "figures": tuple(figures[key] for key in _FIGURE_KEYS),
    }
    same = ours == theirs == whole
    if not same:
        for key in theirs:
            if ours[key] != theirs[key]:
                print(f"DIFFERENT {key}: ours {str(ours[key])[:300]} duckdb {str(theirs[key])[:300]}")
    return {
        "ours_s": ours_s,
        "same_part_s": same_part_s,
        "export_s": export_s,
        "load_s": load_s,
        "duck_s": duck_s,
        "same": same,
        "events_in_season": figures["crossings.total"],
        "rows": {key: len(value) for key, value in theirs.items()},
    }


_FIGURE_KEYS = ("crossings.total", "crossings.entries", "crossings.exits", "groups.crossed", "persons.crossed")


def _ours_crossing_part(season) -> dict:
    """Only the parts DuckDB computes too, through the same functions the report uses."""
    from tengri.indicators import tourism_counts, tourism_tables

    totals = tourism_counts.crossings().aggregate(**tourism_counts.crossing_counts(season, ""))
    return {
        "by_month": tourism_tables.crossings_by_month_checkpoint(season).rows,
        "by_nationality": tourism_tables.crossings_by_nationality(season).rows,
        "by_route_day": tourism_tables.persons_by_route_day(season).rows,
        "figures": (totals["total"], totals["entries"], totals["exits"], totals["groups"], totals["persons"]),
    }


_EXPORTS = {
    "events": "SELECT checkpoint_id, direction, verdict, member_id, application_id, nationality, "
    "occurred_at AT TIME ZONE 'UTC' AS occurred_at FROM checkpoints_crossingevent",
    "checkpoints": "SELECT id, code FROM registry_checkpoint",
    "applications": "SELECT a.id, r.code AS route, a.end_date FROM expeditions_application a "
    "JOIN registry_route r ON r.id = a.route_id",
    "notices": "SELECT application_id, filed_at AT TIME ZONE 'UTC' AS filed_at FROM checkpoints_descentnotice",
}


def _export(folder: Path) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection
        for name, query in _EXPORTS.items():
            with (
                open(folder / f"{name}.csv", "wb") as out,
                raw.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy,
            ):
                for block in copy:
                    out.write(block)


def _duck_load(duck, folder: Path) -> None:
    types = {
        "events": "{'checkpoint_id': 'BIGINT', 'direction': 'VARCHAR', 'verdict': 'VARCHAR', 'member_id': 'BIGINT', "
        "'application_id': 'BIGINT', 'nationality': 'VARCHAR', 'occurred_at': 'TIMESTAMP'}",
        "checkpoints": "{'id': 'BIGINT', 'code': 'VARCHAR'}",
        "applications": "{'id': 'BIGINT', 'route': 'VARCHAR', 'end_date': 'DATE'}",
        "notices": "{'application_id': 'BIGINT', 'filed_at': 'TIMESTAMP'}",
    }
    for name, columns in types.items():
        path = folder / f"{name}.csv"
        duck.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{path}', header=true, columns={columns})"
        )


def _duck_crossing_part(duck, season) -> dict:
    from tengri.checkpoints.presence import AUTHENTIC_REFUSALS
    from tengri.expeditions.services import MAX_TRIP_DAYS

    counted = COUNTED.format(refusals="(" + ", ".join(f"'{code}'" for code in AUTHENTIC_REFUSALS) + ")")
    first, after = season.first.isoformat(), date.fromordinal(season.last.toordinal() + 1).isoformat()
    span = f"occurred_at >= TIMESTAMP '{first}' AND occurred_at < TIMESTAMP '{after}'"
    by_month = duck.execute(
        f"SELECT strftime(date_trunc('month', occurred_at), '%Y-%m'), c.code, direction, count(*) FROM events e "
        f"JOIN checkpoints c ON c.id = e.checkpoint_id WHERE {counted} AND {span} GROUP BY ALL ORDER BY 1, 2, 3"
    ).fetchall()
    by_nationality = duck.execute(
        "SELECT CASE WHEN nationality = 'D' THEN 'DEU' ELSE coalesce(nationality, '') END, "
        "count(*) FILTER (direction = 'in'), count(*) FILTER (direction = 'out') "
        f"FROM events WHERE {counted} AND {span} GROUP BY ALL ORDER BY 1"
    ).fetchall()
    figures = duck.execute(
        "SELECT count(*), count(*) FILTER (direction = 'in'), count(*) FILTER (direction = 'out'), "
        "count(DISTINCT application_id) FILTER (direction = 'in'), count(DISTINCT member_id) FILTER (direction = 'in') "
        f"FROM events WHERE {counted} AND {span}"
    ).fetchone()
    slack = MAX_TRIP_DAYS + 1
    by_route_day = duck.execute(
        f"""
        WITH spells AS (
            SELECT max(a.route) AS route,
                min(CAST(occurred_at AS DATE)) FILTER (direction = 'in') AS first_in,
                max(CAST(occurred_at AS DATE)) FILTER (direction = 'in') AS last_in,
                max(CAST(occurred_at AS DATE)) FILTER (direction = 'out') AS last_out,
                max(CAST(n.filed_at AS DATE)) AS notice, max(a.end_date) AS planned_end
            FROM events e JOIN applications a ON a.id = e.application_id
            LEFT JOIN notices n ON n.application_id = e.application_id
            WHERE {counted} AND occurred_at >= TIMESTAMP '{first}' - INTERVAL {slack} DAY
              AND occurred_at < TIMESTAMP '{after}' + INTERVAL {slack} DAY
            GROUP BY e.member_id),
        stays AS (
            SELECT route, greatest(first_in, DATE '{first}') AS first_day,
                least(greatest(CASE WHEN last_out IS NOT NULL AND last_out >= last_in THEN last_out
                                    ELSE coalesce(notice, planned_end) END, first_in), DATE '{season.last}') AS last_day
            FROM spells WHERE first_in IS NOT NULL)
        SELECT route, strftime(d.day, '%Y-%m-%d'), count(*)
        FROM stays JOIN (SELECT CAST(range AS DATE) AS day FROM range(DATE '{first}', DATE '{after}', INTERVAL 1 DAY)) d
          ON d.day BETWEEN first_day AND last_day
        GROUP BY ALL ORDER BY 1, 2
        """
    ).fetchall()
    return {
        "by_month": tuple(map(tuple, by_month)),
        "by_nationality": tuple(map(tuple, by_nationality)),
        "by_route_day": tuple(map(tuple, by_route_day)),
        "figures": tuple(figures),
    }


def _report(args, results: dict) -> str:
    import duckdb
    from django.db import connection

    generated = results["generated"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = os.getloadavg()
    ratio = results["same_part_s"] / results["duck_s"]
    ratio_loaded = results["same_part_s"] / (results["duck_s"] + results["load_s"] + results["export_s"])
    return f"""## Tourism indicators on a season of a million crossing events (issue 7)

`.venv/bin/python bench/indicators.py --events {args.events}` on {time.strftime("%Y-%m-%d", time.gmtime())}:
{os.cpu_count()} cores ({_cpu_model()}), Python {platform.python_version()}, PostgreSQL {server},
DuckDB {duckdb.__version__}. Load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}
(other helpers' work shared the cores).

Season {YEAR}: {generated.events:,} crossing events ({results["events_in_season"]:,} counted) of
{generated.applications:,} groups, {generated.members:,} members, generated and bulk-inserted through the ORM
(`season_generator`, the demo history's generator scaled up) in {results["generate_s"]:.0f} s.

| What | Time (best of {args.runs}, warm) |
|---|---:|
| `tourism_indicators(2026)`: every figure with the year before, every table | {results["ours_s"] * 1000:,.0f} ms |
| the same crossing part only (by month/checkpoint, by nationality, persons per route and day, 5 figures) \
| {results["same_part_s"] * 1000:,.0f} ms |
| DuckDB: the same crossing part, on its in-memory tables | {results["duck_s"] * 1000:,.0f} ms |
| export from PostgreSQL (COPY … TO STDOUT, CSV), once | {results["export_s"] * 1000:,.0f} ms |
| DuckDB load of the CSV into memory, once | {results["load_s"] * 1000:,.0f} ms |

Ratio ours / DuckDB, crossing part: **{ratio:.1f}×**; counting DuckDB's export and load too: {ratio_loaded:.2f}×.
Same numbers: **{"yes" if results["same"] else "NO"}** (rows compared: {results["rows"]}).
DuckDB cannot read PostgreSQL directly here: its postgres extension is downloaded on first use, and the
machine is offline; hence the CSV export.
"""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    sys.exit(main())
