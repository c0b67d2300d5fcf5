"""Crossing events ingested per second through the real endpoint, against a raw COPY of the same rows.

    .venv/bin/python bench/sync_ingest.py [--events 20000] [--batch 500] [--clients 2] [--runs 3]
                                          [--postgres postgres://postgres@127.0.0.1:5432]

Sets up its own PostgreSQL database (`tengri_bench_sync`, dropped and created), migrates it, loads the
demo registry and registers a device at KRK. Starts the centre with production settings under waitress
(8 threads) and enrols the device over HTTP. Then, run by run:
- **endpoint**: `--clients` threads post the run's fresh events in batches of `--batch` to
  `POST /api/v1/device/events` (device credential, JSON, dedup by id, skew measured, permits resolved,
  one transaction per batch), wall time from the first request to the last answer;
- **retry**: the same batches again (every event comes back `duplicate`): what a device's retry costs;
- **raw COPY**: the same rows, as the endpoint stored them, `COPY`ed by psycopg into an empty table
  of the same definition (indexes included) in one transaction: the floor for getting these rows into
  PostgreSQL at all.
Reports the best run of each in events per second and the ratios.
"""

import argparse
import logging
import os
import platform
import secrets
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from _server import production_server

DB = "tengri_bench_sync"
COLUMNS = [
    *("id", "device_id", "checkpoint_id", "direction", "verdict", "detail", "method", "officer", "permit_id"),
    *("application_id", "member_id", "holder_name", "nationality", "reference", "route_code", "device_time"),
    *("received_at", "clock_skew_s", "skew_flagged", "occurred_at"),
]


def main() -> int:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="tengri-bench-") as var_dir:
        env = _environment(args.postgres, var_dir)
        _database(args.postgres)
        _django(env)
        token = _prepare()
        with production_server(env, log=Path(var_dir) / "server.log", ready_path="/api/v1/trust-list") as server:
            base = f"{server}/api/v1"
            credential = httpx.post(f"{base}/devices/enrol", json={"token": token}).json()["credential"]
            results = _runs(args, base, credential)
    _report(args, results)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events per run")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2, help="devices uploading at once")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    return parser.parse_args()


def _environment(postgres: str, var_dir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{postgres}/{DB}",
        "DJANGO_SETTINGS_MODULE": "tengri.config.production",
        "TENGRI_SECRET_KEY": secrets.token_urlsafe(32),
        "TENGRI_DATA_KEY": secrets.token_urlsafe(32),
        "TENGRI_SIGNING_KEY_SECRET": secrets.token_urlsafe(32),
        "TENGRI_ALLOWED_HOSTS": "127.0.0.1",
        "TENGRI_VAR_DIR": var_dir,
    }
    os.environ.update(env)
    return env


def _database(postgres: str) -> None:
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB}")


def _django(env: dict[str, str]) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the figures
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--no-users", verbosity=0)


def _prepare() -> str:
    from tengri.checkpoints.devices import device_register

    _device, token = device_register(actor=None, checkpoint_code="KRK", label="bench laptop")
    return token


def _events(count: int) -> list[dict]:
    """Accepted crossings at KRK as a device records them: time-ordered ids, names as permits carry them."""
    start = int(time.time() * 1000) - count
    return [
        {
            "id": str(_uuid7(start + number)),
            "checkpoint": "KRK",
            "direction": "in" if number % 2 else "out",
            "verdict": "VALID",
            "detail": "valid permit, signed by KG, KZ",
            "method": "qr",
            "officer": "Sgt. Bench",
            "permit_id": str(uuid.uuid4()),
            "holder_name": f"SURNAME{number % 997} GIVEN NAMES",
            "nationality": "KAZ",
            "reference": f"KT-2027-{number % 5000:06d}",
            "route_code": "KT-N-KZ",
            "device_time": datetime.fromtimestamp((start + number) / 1000, UTC).isoformat(),
        }
        for number in range(count)
    ]


def _uuid7(milliseconds: int) -> uuid.UUID:
    value = (milliseconds & (2**48 - 1)) << 80 | int.from_bytes(secrets.token_bytes(10)) & (2**80 - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def _post_all(base: str, credential: str, batches: list[list[dict]], clients: int) -> tuple[float, dict[str, int]]:
    """Every batch posted by `clients` threads; returns the wall time and the count of each status."""
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    shares = [batches[client::clients] for client in range(clients)]

    def upload(share: list[list[dict]]) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {credential}"}, timeout=120) as http:
            for batch in share:
                answer = http.post(f"{base}/device/events", json={"sent_at": _now(), "events": batch})
                answer.raise_for_status()
                with lock:
                    for result in answer.json()["results"]:
                        statuses[result["status"]] = statuses.get(result["status"], 0) + 1

    threads = [threading.Thread(target=upload, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _copy(ids: list[str]) -> float:
    """The rows the endpoint stored, COPYed into an empty table of the same definition."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE TABLE bench_copy (LIKE checkpoints_crossingevent INCLUDING ALL)")
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM checkpoints_crossingevent WHERE id = ANY(%s)", [ids])
        rows = cursor.fetchall()
    with psycopg.connect(os.environ["DATABASE_URL"]) as raw:
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY bench_copy ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        elapsed = time.perf_counter() - started
    assert len(rows) == len(ids), f"the endpoint stored {len(rows)} of {len(ids)} events"
    return elapsed


def _runs(args: argparse.Namespace, base: str, credential: str) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"endpoint": [], "retry": [], "copy": []}
    for run in range(1, args.runs + 1):
        events = _events(args.events)
        batches = [events[start : start + args.batch] for start in range(0, len(events), args.batch)]
        elapsed, statuses = _post_all(base, credential, batches, args.clients)
        assert statuses == {"stored": args.events}, statuses
        retry_elapsed, retry_statuses = _post_all(base, credential, batches, args.clients)
        assert retry_statuses == {"duplicate": args.events}, retry_statuses
        copy_elapsed = _copy([event["id"] for event in events])
        for name, seconds in (("endpoint", elapsed), ("retry", retry_elapsed), ("copy", copy_elapsed)):
            results[name].append(args.events / seconds)
        print(
            f"run {run}: endpoint {args.events / elapsed:,.0f}/s, retry {args.events / retry_elapsed:,.0f}/s, "
            f"raw COPY {args.events / copy_elapsed:,.0f}/s",
            flush=True,
        )
    return results


def _report(args: argparse.Namespace, results: dict[str, list[float]]) -> None:
    best = {name: max(rates) for name, rates in results.items()}
    print()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"{args.events:,} events per run in batches of {args.batch}, {args.clients} clients; best of {args.runs}")
    print(f"endpoint (new events):  {best['endpoint']:>10,.0f} events/s")
    print(f"endpoint (retry, dup):  {best['retry']:>10,.0f} events/s")
    print(f"raw COPY, same rows:    {best['copy']:>10,.0f} events/s")
    print(f"endpoint / COPY:        {best['endpoint'] / best['copy']:>10.3f}")
    print(f"retry / COPY:           {best['retry'] / best['copy']:>10.3f}")


if __name__ == "__main__":
    sys.exit(main())
