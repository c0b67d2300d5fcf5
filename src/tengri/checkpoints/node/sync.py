"""Pull (trust list, revocations, manifest) and push (events) between a node and the centre.

Pull: each part replaces the node's copy only after the whole answer arrived and parsed, in one SQLite
transaction per part, so a cut connection leaves the last good copy in place.

Push: at-least-once delivery, exactly-once effect (docs/offline-sync.md). Unacknowledged events go in id
order, in batches; an event is marked sent only from the centre's answer for that event. A batch whose
answer is lost leaves its events unacknowledged, and they go again at the next push, where the centre
answers `duplicate` for the ones it already has. Nothing here holds a transaction across the network,
so a push killed at any point leaves a consistent store and the next push resumes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tengri.checkpoints.node.client import CentreClient, NodeOffline, ServerRefused, SyncFailed
from tengri.checkpoints.node.keys import NodeSeal
from tengri.checkpoints.node.scanning import holder_name
from tengri.checkpoints.node.store import ACK_STATUSES, ManifestEntry, NodeStore
from tengri.permits.codec import MalformedPermit
from tengri.permits.trust import RevocationList, TrustDataError, TrustList
from tengri.permits.verify import read_claims

DEFAULT_DAYS = 3
DEFAULT_BATCH = 200
MAX_BATCH = 500  # the centre takes at most 500 events a request


class BadManifest(SyncFailed):
    """The manifest is not what the contract says (a QR that does not decode, another checkpoint's)."""


class ServerAnswerInvalid(SyncFailed):
    """The trust list or revocation list does not follow the spec."""


@dataclass(frozen=True)
class PartResult:
    part: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PullReport:
    parts: tuple[PartResult, ...]

    @property
    def ok(self) -> bool:
        return all(part.ok for part in self.parts) and len(self.parts) == len(PARTS)

    @property
    def error(self) -> str | None:
        failed = [f"{part.part}: {part.detail}" for part in self.parts if not part.ok]
        return "; ".join(failed) or None

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "parts": [part.__dict__ for part in self.parts]}


@dataclass
class PushReport:
    """What one push did. `error` is set when it stopped early; what was acknowledged before stays so."""

    batches: int = 0
    sent: int = 0
    stored: int = 0
    duplicate: int = 0
    conflicts: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    pending: int = 0
    clock_skew_s: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refused

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


# --- pull --------------------------------------------------------------------------------------------------


def pull(
    store: NodeStore, seal: NodeSeal, client: CentreClient, *, days: int, clock: Callable[[], datetime]
) -> PullReport:
    """Fetches every part. A part that fails is reported and the others still go, unless the centre is
    out of reach or refuses this device, which would fail them all the same."""
    results: list[PartResult] = []
    for name, fetch in PARTS.items():
        try:
            detail = fetch(store, seal, client, days, clock)
        except SyncFailed as error:
            results.append(PartResult(name, False, str(error)))
            store.sync_log_add(at=clock(), action=f"pull {name}", ok=False, detail=str(error))
            if not isinstance(error, BadManifest | ServerAnswerInvalid):
                break
            continue
        results.append(PartResult(name, True, detail))
        store.sync_log_add(at=clock(), action=f"pull {name}", ok=True, detail=detail)
    return PullReport(tuple(results))


def _pull_trust_list(store: NodeStore, seal: NodeSeal, client: CentreClient, days: int, clock) -> str:
    jwks = client.trust_list()
    try:
        trust = TrustList.from_jwks(jwks)
    except TrustDataError as error:
        raise ServerAnswerInvalid(f"the trust list does not follow the spec: {error}") from None
    store.trust_replace(jwks, pulled_at=clock())
    return f"{len(trust)} keys"


def _pull_revocations(store: NodeStore, seal: NodeSeal, client: CentreClient, days: int, clock) -> str:
    data = client.revocations()
    try:
        revocations = RevocationList.from_json(data)
    except TrustDataError as error:
        raise ServerAnswerInvalid(f"the revocation list does not follow the spec: {error}") from None
    store.revocations_replace(data, generated=revocations.generated, pulled_at=clock())
    return f"{len(revocations)} revoked permits"


def _pull_manifest(store: NodeStore, seal: NodeSeal, client: CentreClient, days: int, clock) -> str:
    answer = client.manifest(days=days)
    config = store.config()
    checkpoint = answer.get("checkpoint")
    permits = answer.get("permits")
    if not isinstance(checkpoint, dict) or not isinstance(permits, list):
        raise BadManifest("the manifest has no checkpoint or no permit list")
    if checkpoint.get("code") != config.get("checkpoint"):
        raise BadManifest(f"the manifest is for {checkpoint.get('code')!r}, this node is {config.get('checkpoint')!r}")
    entries = [_manifest_entry(seal, permit) for permit in permits]
    store.manifest_replace(
        entries,
        generated=_instant_text(answer.get("generated")),
        days=days,
        pulled_at=clock(),
        config=checkpoint_config(checkpoint),
    )
    return f"{len(entries)} permits for {days} days"


def _manifest_entry(seal: NodeSeal, permit: object) -> ManifestEntry:
    """The permit sealed, indexed by its holder's passport number. The manifest's own dates are not
    trusted over the signed claims: what the QR says is what a scan would say."""
    if not isinstance(permit, dict) or not isinstance(permit.get("qr"), str):
        raise BadManifest("a manifest entry has no QR text")
    try:
        claims = read_claims(permit["qr"])
    except MalformedPermit as error:
        raise BadManifest(f"a manifest QR does not decode: {error}") from None
    if str(permit.get("permit_id")) != str(claims.permit_id):
        raise BadManifest(f"manifest entry {permit.get('permit_id')} carries permit {claims.permit_id}")
    return ManifestEntry(
        permit_id=str(claims.permit_id),
        passport_index=seal.passport_index(claims.document_number),
        qr_sealed=seal.seal(permit["qr"]),
        holder_name=holder_name(claims),
        not_before=claims.not_before.isoformat(),
        expires=claims.expires.isoformat(),
    )


def _instant_text(generated: object) -> str:
    """The manifest's `generated` (NumericDate) as an ISO time; kept as given when it is something else."""
    if type(generated) is int:
        try:
            return datetime.fromtimestamp(generated, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return str(generated or "")


def checkpoint_config(checkpoint: dict) -> dict[str, str]:
    """The checkpoint as the centre describes it (enrolment, manifest), as the node's config keeps it."""
    offset = checkpoint.get("utc_offset_hours")
    if not isinstance(checkpoint.get("code"), str) or type(offset) is not int:
        raise BadManifest("the checkpoint needs a code and a whole-hour UTC offset")
    return {
        "checkpoint": checkpoint["code"],
        "checkpoint_name": str(checkpoint.get("name", "")),
        "checkpoint_country": str(checkpoint.get("country", "")),
        "utc_offset_hours": str(offset),
    }


PARTS: dict[str, Callable[..., str]] = {
    "trust list": _pull_trust_list,
    "revocations": _pull_revocations,
    "manifest": _pull_manifest,
}


# --- push --------------------------------------------------------------------------------------------------


def push(store: NodeStore, client: CentreClient, *, batch_size: int, clock: Callable[[], datetime]) -> PushReport:
    """Sends every unacknowledged event. Never raises for the network or the centre: the report says
    where it stopped (`error`) and what is still pending."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} events")
    report = PushReport()
    try:
        while batch := store.events_unacknowledged(limit=batch_size, excluding=report.refused):
            _push_isolating_refusals(store, client, batch, report, clock)
    except SyncFailed as error:
        report.error = str(error)
    report.pending = store.event_counts()["pending"]
    store.sync_log_add(
        at=clock(),
        action="push",
        ok=report.ok,
        detail=report.error or _refusals(report.refused) or f"{report.batches} batches",
        sent=report.sent,
        stored=report.stored,
        duplicate=report.duplicate,
        conflict=len(report.conflicts),
        clock_skew_s=report.clock_skew_s,
    )
    return report


def _push_isolating_refusals(
    store: NodeStore, client: CentreClient, batch: list, report: PushReport, clock: Callable[[], datetime]
) -> None:
    """A batch is all-or-nothing at the centre, so one event it refuses (a laptop whose clock was reset to
    1970) would hold back every event after it, at every push. A refused batch is split until the refused
    events stand alone; they are left out for the rest of this push, reported, and tried again next time."""
    try:
        _push_batch(store, client, batch, report, clock)
    except ServerRefused as refusal:
        if len(batch) == 1:
            report.refused[batch[0].id] = str(refusal)
            return
        middle = len(batch) // 2
        _push_isolating_refusals(store, client, batch[:middle], report, clock)
        _push_isolating_refusals(store, client, batch[middle:], report, clock)


def _refusals(refused: dict[str, str]) -> str:
    if not refused:
        return ""
    first_id, first_reason = next(iter(refused.items()))
    return f"the centre refused {len(refused)} events (first {first_id}: {first_reason})"


def _push_batch(store: NodeStore, client: CentreClient, batch: list, report: PushReport, clock) -> None:
    answer = client.events_post(sent_at=clock(), events=[event.wire() for event in batch])
    report.batches += 1
    report.sent += len(batch)
    statuses = _statuses(answer, {event.id for event in batch})
    if not statuses:
        raise SyncFailed(f"the centre acknowledged none of the {len(batch)} events sent")
    store.acknowledge(statuses, acked_at=clock())
    report.stored += sum(status == "stored" for status in statuses.values())
    report.duplicate += sum(status == "duplicate" for status in statuses.values())
    report.conflicts += sorted(event_id for event_id, status in statuses.items() if status == "conflict")
    skew = answer.get("clock_skew_s")
    if isinstance(skew, int | float):
        report.clock_skew_s = float(skew)


def _statuses(answer: dict, sent: set[str]) -> dict[str, str]:
    """The centre's per-event answers for events of this batch. An answer the node cannot read is an
    answer that did not arrive: nothing is acknowledged from it."""
    results = answer.get("results")
    if not isinstance(results, list):
        raise NodeOffline("the centre's answer to the batch has no per-event results")
    statuses = {}
    for result in results:
        if not isinstance(result, dict):
            raise NodeOffline("the centre's answer to the batch is malformed")
        event_id, status = _canonical_id(result.get("id")), result.get("status")
        if event_id in sent and status in ACK_STATUSES:
            statuses[event_id] = status
    return statuses


def _canonical_id(value: object) -> str | None:
    try:
        return str(UUID(str(value)))
    except ValueError:
        return None
