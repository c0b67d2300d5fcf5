"""The issue's "done when", end to end and out of process: the centre (waitress, on its own SQLite file,
demo season loaded) and two checkpoint nodes (KRK-HB-KZ, the Karkara heli base, and NIB-HP, the North
Inylchek base-camp helipad) on one machine, driven only through the `tengri` command and HTTP.

- scans made while the server is stopped are kept and sync after it starts;
- the presence report shows the group on the mountain, at the base camp;
- a permit revoked at the centre passes at a node until its next pull, and the node says how old its
  revocation data is; after the pull it is refused;
- the group misses its exit: the sweep escalates it, stage by stage, to the rescue service of the state
  it was last known in (the North Inylchek base camp is in Kyrgyzstan).

The demo group (KT-2027-000001, KT-N-KZ) enters on 13 July 2027 and plans to come out on 27 July: the
scans are entered with `--at`, as crossings kept on paper while a laptop was down are.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
GROUP = "KT-2027-000001"
ENTRY_KRK = "2027-07-13T08:00:00+05:00"
ENTRY_NIB = "2027-07-13T11:30:00+06:00"
ON_THE_MOUNTAIN = "2027-07-20T12:00:00+00:00"

pytestmark = pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="runs once, in the SQLite pass: it starts its own centre on its own SQLite file",
)


class Machine:
    """One laptop: the `tengri` command with the centre's files under `var` and nodes in their homes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            TENGRI_VAR_DIR=str(root / "var"),
            DJANGO_SETTINGS_MODULE="tengri.config.base",
            TENGRI_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",  # mails go nowhere
        )
        self.server: subprocess.Popen | None = None
        self.port = _free_port()

    def tengri(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(
            [str(BIN / "tengri"), *args], env=self.env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == expect, f"tengri {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def json(self, *args: str, expect: int = 0) -> object:
        return json.loads(self.tengri(*args, "--json", expect=expect))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{self.port}", "tengri.config.wsgi:application"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/v1/trust-list", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("the centre did not come up")

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def machine(tmp_path):
    machine = Machine(tmp_path)
    machine.tengri("manage", "migrate", "--noinput", "-v", "0")
    machine.tengri("demo")
    yield machine
    machine.stop_server()


def test_two_nodes_and_the_centre_on_one_machine(machine):
    permits = [row for row in machine.json("permit", "list", "--application", GROUP) if not row["revoked"]]
    assert len(permits) == 4
    qr = {row["id"]: machine.tengri("permit", "qr", row["id"]).strip().splitlines()[-1] for row in permits}
    homes = {code: str(machine.root / code.lower()) for code in ("KRK-HB-KZ", "NIB-HP")}

    machine.start_server()
    for code, home in homes.items():
        token = machine.json("device", "register", "--checkpoint", code, "--label", f"{code} laptop")["token"]
        machine.tengri(
            "checkpoint", "init", "--home", home, "--checkpoint", code, "--server", machine.url, "--token", token
        )
        machine.tengri("checkpoint", "pull", "--home", home)
    machine.stop_server()

    # The connection is down: the officers scan the group in all the same, and nothing is lost.
    for permit_id, text in qr.items():
        for code, at in (("KRK-HB-KZ", ENTRY_KRK), ("NIB-HP", ENTRY_NIB)):
            verdict = machine.json(
                "checkpoint",
                "scan",
                "--home",
                homes[code],
                "--qr",
                text,
                "--direction",
                "in",
                "--officer",
                "Sgt. Omarov",
                "--at",
                at,
            )
            assert verdict["verdict"] == "VALID", verdict
            assert verdict["person"]["permit_id"] == permit_id
    for home in homes.values():
        machine.tengri("checkpoint", "push", "--home", home, expect=1)  # offline: says so, keeps the events
        assert machine.json("checkpoint", "status", "--home", home)["events"]["pending"] == 4

    machine.start_server()
    for home in homes.values():
        machine.tengri("checkpoint", "push", "--home", home)
        machine.tengri("checkpoint", "push", "--home", home)  # safe to repeat
        assert machine.json("checkpoint", "status", "--home", home)["events"]["pending"] == 0
    presence = machine.json("presence", "--at", ON_THE_MOUNTAIN)
    [group] = [group for group in presence["groups"] if group["reference"] == GROUP]
    assert group["inside"] == 4 and group["out"] == 0
    assert {row["country"]: row["inside"] for row in presence["by_country"]} == {"KG": 4}
    assert [row["inside"] for row in presence["by_base_camp"]] == [4]

    # A permit revoked at the centre: still VALID at the node until it pulls, which the node says.
    lost = permits[0]["id"]
    machine.tengri("permit", "revoke", lost, "--reason", "lost on the glacier")
    before = machine.json(
        "checkpoint",
        "scan",
        "--home",
        homes["NIB-HP"],
        "--qr",
        qr[lost],
        "--direction",
        "out",
        "--officer",
        "Sgt. Omarov",
        "--at",
        "2027-07-21T09:00:00+06:00",
    )
    assert before["verdict"] == "VALID" and before["revocations_age_s"] > 0
    machine.tengri("checkpoint", "pull", "--home", homes["NIB-HP"])
    after = machine.json(
        "checkpoint",
        "scan",
        "--home",
        homes["NIB-HP"],
        "--qr",
        qr[lost],
        "--direction",
        "in",
        "--officer",
        "Sgt. Omarov",
        "--at",
        "2027-07-21T09:05:00+06:00",
        expect=1,
    )
    assert after["verdict"] == "REVOKED"

    # The group plans to come out on 27 July and does not: reminder, emergency contact, then the rescue
    # service of Kyrgyzstan, where the group was last seen.
    assert machine.json("overdue", "sweep", "--at", "2027-07-27T20:00:00+00:00") == []
    raised = machine.json("overdue", "sweep", "--at", "2027-07-29T12:00:00+00:00")
    assert [(row["reference"], row["stage"]) for row in raised] == [(GROUP, 1), (GROUP, 2), (GROUP, 3)]
    assert raised[-1]["country"] == "KG"
    assert machine.json("overdue", "sweep", "--at", "2027-07-29T12:10:00+00:00") == []
