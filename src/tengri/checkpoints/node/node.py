"""The checkpoint node: one home directory (`node.sqlite3`, `node.key`) and what an officer does with it.

`Node` is the API the command (`tengri checkpoint ...`) and the node's local page use:

    node = Node.open(home)                    # or Node.init(home, checkpoint=..., server=..., token=...)
    result = node.scan(qr=text, direction="in", officer="A. Officer")     # ScanResult, event recorded
    result = node.lookup("N1234567", direction="out", officer="A. Officer")
    node.pull(days=3)                         # PullReport
    node.push()                               # PushReport
    node.status()                             # JSON-ready dict
    node.recent_events(20)                    # JSON-ready dicts, newest first
    node.close()

No Django database: the node runs where the centre is out of reach, and several nodes run in one process
in the tests, each with its own home.
"""

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tengri.checkpoints.node import sync
from tengri.checkpoints.node.client import CentreClient, ServerRefused, server_root
from tengri.checkpoints.node.keys import KEY_FILE, NodeSeal, key_create, key_load
from tengri.checkpoints.node.scanning import Checkpoint, Scanner, ScanResult, TrustData, age_words
from tengri.checkpoints.node.store import DB_FILE, NodeStore, StoreError, SyncRecord
from tengri.config.env import VAR_DIR, env_str
from tengri.core.errors import InvalidInput, TengriError
from tengri.permits.trust import RevocationList, TrustList

HOME_VARIABLE = "TENGRI_NODE_HOME"
# The centre flags events past 120 s of skew (TENGRI_CLOCK_SKEW_FLAG_S); the officer hears of it too.
CLOCK_SKEW_WARN_S = 120


class AlreadyInitialised(TengriError):
    """The home already holds an enrolled node (replace it with --force)."""


def node_home(explicit: str | Path | None = None) -> Path:
    """`--home`, else `$TENGRI_NODE_HOME`, else `var/node`."""
    chosen = explicit or env_str(HOME_VARIABLE) or VAR_DIR / "node"
    return Path(chosen).expanduser()


@dataclass(frozen=True)
class NodeConfig:
    checkpoint: str
    checkpoint_name: str
    checkpoint_country: str
    utc_offset_hours: int
    server: str
    device_id: str
    credential: str

    @classmethod
    def of(cls, values: dict[str, str]) -> "NodeConfig":
        try:
            return cls(
                checkpoint=values["checkpoint"],
                checkpoint_name=values.get("checkpoint_name", ""),
                checkpoint_country=values.get("checkpoint_country", ""),
                utc_offset_hours=int(values["utc_offset_hours"]),
                server=values["server"],
                device_id=values["device_id"],
                credential=values["credential"],
            )
        except (KeyError, ValueError):
            raise StoreError("this node's enrolment never finished: run `tengri checkpoint init --force`") from None


class Node:
    """An enrolled checkpoint node. Thread-safe: the page's server threads share one Node.

    `transport` (httpx) and `clock` are seams for the tests: the centre in-process, a pinned clock."""

    def __init__(
        self,
        home: Path,
        store: NodeStore,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.home = home
        self.store = store
        self.seal = NodeSeal(key_load(home))
        self.config = NodeConfig.of(store.config())
        self._transport = transport
        self._clock = clock or (lambda: datetime.now(UTC))
        self._trust_cache: tuple[tuple[int, int], TrustData | None] | None = None
        self._sync_lock = threading.Lock()

    # --- opening ---------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> "Node":
        """The node at `home` (see `node_home`). Raises StoreError when there is none."""
        path = node_home(home)
        store = NodeStore.open(path)
        try:
            return cls(path, store, transport=transport, clock=clock)
        except BaseException:
            store.close()
            raise

    @classmethod
    def init(
        cls,
        home: str | Path | None,
        *,
        checkpoint: str,
        server: str,
        token: str,
        force: bool = False,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> "Node":
        """Enrols this device with the one-time token and makes its home. Refuses a home that holds an
        enrolled node unless `force` (the old files are then moved to `replaced-<time>/`, never deleted:
        they may hold events not yet pushed). Raises DeviceRefused/ServerRefused (a wrong, spent or expired
        token), NodeOffline, InvalidInput (a token for another checkpoint), AlreadyInitialised."""
        path = node_home(home)
        server = server_root(server)
        if not token.strip():
            raise InvalidInput("the enrolment token is empty")
        now = (clock or (lambda: datetime.now(UTC)))()
        existing = _existing_node_files(path, force=force)
        client = CentreClient(server, transport=transport)
        try:
            answer = client.enrol(token.strip())
        finally:
            client.close()
        values = _enrolment_config(answer, server=client.server)
        if values["checkpoint"] != checkpoint.strip():
            raise InvalidInput(
                f"the token enrols a device of {values['checkpoint']}, not {checkpoint}: it is spent now;"
                " ask the administrator for a token of the right checkpoint"
            )
        _move_aside(path, existing, now=now)
        key_create(path)
        store = NodeStore.create(path)
        store.config_set(values)
        store.sync_log_add(at=now, action="enrol", ok=True, detail=f"device {values['device_id']}")
        return cls(path, store, transport=transport, clock=clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def now(self) -> datetime:
        return self._clock()

    # --- at the checkpoint -----------------------------------------------------------------------------------

    def scan(
        self,
        *,
        qr: str | None = None,
        image: bytes | None = None,
        passport: str | None = None,
        direction: str,
        officer: str,
        now: datetime | None = None,
        from_paper_log: bool = False,
    ) -> ScanResult:
        """Verifies offline and records the event before answering (see `scanning.Scanner.scan`)."""
        return self._scanner().scan(
            qr=qr,
            image=image,
            passport=passport,
            direction=direction,
            officer=officer,
            now=now or self.now(),
            from_paper_log=from_paper_log,
        )

    def lookup(self, passport: str, *, direction: str, officer: str, now: datetime | None = None) -> ScanResult:
        """A person without their QR: their permit found by passport number, verified as a scan."""
        return self.scan(passport=passport, direction=direction, officer=officer, now=now)

    def recent_events(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest events, newest first, each with `acknowledged`: the centre's answer or None."""
        return [{**event.wire(), "acknowledged": ack} for event, ack in self.store.events_recent(limit)]

    # --- sync ------------------------------------------------------------------------------------------------

    def pull(self, *, days: int = sync.DEFAULT_DAYS) -> sync.PullReport:
        if not 1 <= days <= 14:
            raise InvalidInput("the manifest covers 1 to 14 days")
        with self._sync_lock, self._client() as client:
            report = sync.pull(self.store, self.seal, client, days=days, clock=self._clock)
        self.config = NodeConfig.of(self.store.config())
        return report

    def push(self, *, batch_size: int = sync.DEFAULT_BATCH) -> sync.PushReport:
        with self._sync_lock, self._client() as client:
            return sync.push(self.store, client, batch_size=batch_size, clock=self._clock)

    # --- status ----------------------------------------------------------------------------------------------

    def status(self, now: datetime | None = None) -> dict[str, Any]:
        """Everything the officer and the page show about this node, JSON-ready. Ages in seconds."""
        now = now or self.now()
        config = self.config
        trust, revocations, manifest = self.store.trust(), self.store.revocations(), self.store.manifest_state()
        trust_data = self._trust_data()
        never = ["the trust list was never pulled: scans cannot be verified"]
        warnings = list(trust_data.warnings(now)) if trust_data else never
        skew = self.store.last_clock_skew()
        if skew is not None and abs(skew) > CLOCK_SKEW_WARN_S:
            side = "behind" if skew > 0 else "ahead of"
            warnings.append(f"this laptop's clock is {age_words(abs(skew))} {side} the centre's: set it right")
        return {
            "home": str(self.home),
            "checkpoint": {
                "code": config.checkpoint,
                "name": config.checkpoint_name,
                "country": config.checkpoint_country,
                "utc_offset_hours": config.utc_offset_hours,
            },
            "server": config.server,
            "device_id": config.device_id,
            "events": self.store.event_counts(),
            "trust_list": _pulled(trust[1], now, keys=len(trust[0].get("keys", []))) if trust else None,
            "revocations": _pulled(
                revocations[1],
                now,
                generated=RevocationList.from_json(revocations[0]).generated.isoformat(),
                revoked=len(revocations[0].get("revoked", [])),
            )
            if revocations
            else None,
            "manifest": _pulled(
                datetime.fromisoformat(manifest["pulled_at"]),
                now,
                generated=manifest["generated"],
                days=manifest["days"],
                permits=manifest["permits"],
            )
            if manifest
            else None,
            "clock_skew_s": skew,
            "last_push": _record(self.store.sync_log_last(action="push", ok=True)),
            "last_error": _record(self.store.sync_log_last(ok=False)),
            "warnings": warnings,
        }

    # --- internals -------------------------------------------------------------------------------------------

    def _client(self) -> CentreClient:
        return CentreClient(self.config.server, credential=self.config.credential, transport=self._transport)

    def _scanner(self) -> Scanner:
        checkpoint = Checkpoint(self.config.checkpoint, self.config.utc_offset_hours)
        return Scanner(self.store, self.seal, checkpoint, self._trust_data())

    def _trust_data(self) -> TrustData | None:
        """The last pulled trust data, parsed once per pull rather than at every scan."""
        revisions = self.store.trust_revisions()
        cached = self._trust_cache
        if cached is not None and cached[0] == revisions:
            return cached[1]
        trust, revocations = self.store.trust(), self.store.revocations()
        data = None
        if trust is not None:
            data = TrustData(
                trust=TrustList.from_jwks(trust[0]),
                revocations=RevocationList.from_json(revocations[0])
                if revocations
                else RevocationList(generated=datetime.fromtimestamp(0, UTC), revoked=frozenset()),
                trust_pulled_at=trust[1],
                revocations_pulled_at=revocations[1] if revocations else None,
            )
        self._trust_cache = (revisions, data)
        return data


def _existing_node_files(home: Path, *, force: bool) -> list[Path]:
    """Makes the home (owner only) if need be; the files of a node already there, which only `force`
    allows to replace. Checked before the token is spent."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = [home / name for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", KEY_FILE)]
    existing = [path for path in existing if path.exists()]
    if (home / DB_FILE).exists() and not force:
        raise AlreadyInitialised(f"{home} already holds a checkpoint node; use --force to replace it")
    return existing


def _move_aside(home: Path, existing: list[Path], *, now: datetime) -> None:
    """The replaced node's files go to `replaced-<time>/`: they may hold events it never pushed."""
    if not existing:
        return
    aside = home / f"replaced-{now.strftime('%Y%m%dT%H%M%S')}"
    aside.mkdir(mode=0o700, exist_ok=True)
    for path in existing:
        shutil.move(path, aside / path.name)


def _enrolment_config(answer: dict[str, Any], *, server: str) -> dict[str, str]:
    device_id, credential, checkpoint = answer.get("device_id"), answer.get("credential"), answer.get("checkpoint")
    if not isinstance(device_id, str) or not isinstance(credential, str) or not isinstance(checkpoint, dict):
        raise ServerRefused(200, "the enrolment answer lacks the device id, credential or checkpoint")
    try:
        described = sync.checkpoint_config(checkpoint)
    except sync.BadManifest as error:
        raise ServerRefused(200, f"the enrolment answer's checkpoint: {error}") from None
    return {**described, "server": server, "device_id": device_id, "credential": credential}


def _pulled(pulled_at: datetime, now: datetime, **facts: Any) -> dict[str, Any]:
    age = (now - pulled_at).total_seconds()
    return {"pulled_at": pulled_at.isoformat(), "age_s": age, "age": age_words(age), **facts}


def _record(record: SyncRecord | None) -> dict[str, Any] | None:
    return dict(record.__dict__) if record else None
