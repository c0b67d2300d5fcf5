"""The centre as the benchmarks run it: production settings under waitress, on a free loopback port,
started in a subprocess and waited for; stopped when the `with` block ends. Shared by bench/rush.py
and bench/sync_ingest.py (not a benchmark: run one of those)."""

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
WSGI_APPLICATION = "tengri.config.wsgi:application"


@contextlib.contextmanager
def production_server(
    env: dict[str, str], *, log: Path, ready_path: str, threads: int = 8, connections: int = 100
) -> Iterator[str]:
    """Start waitress with `env` (the production settings' environment) and yield its base URL once
    `ready_path` answers; the server's output goes to `log`, shown if it stops before it is up."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(BIN / "waitress-serve"),
                f"--listen=127.0.0.1:{port}",
                f"--threads={threads}",
                f"--connection-limit={connections}",
                WSGI_APPLICATION,
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"{base}{ready_path}", server, log)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    for _attempt in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")
