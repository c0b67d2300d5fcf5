"""A scan at the checkpoint: verify offline with the last pulled trust data, record the event, then answer.

The event is committed to the node's store before the verdict is returned, so a crash after the officer
saw the verdict cannot lose the crossing. Refused permits are events too. A person without their QR is
looked up by passport number in the manifest and their permit's QR verified exactly as a scan would be.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext, ngettext

from tengri.checkpoints.node.events import NodeEvent
from tengri.checkpoints.node.keys import NodeSeal
from tengri.checkpoints.node.store import NodeStore
from tengri.core.errors import InvalidInput, NotFound, TengriError
from tengri.permits.codec import PermitClaims, read_qr_image
from tengri.permits.trust import RevocationList, TrustList
from tengri.permits.verify import Verdict, verify_permit

# Past this age the officer is warned: a permit revoked since may still pass.
STALE_AFTER = timedelta(hours=24)


class NotReady(TengriError):
    """The node cannot verify yet: it has never pulled the trust list."""


class NoPermitFound(NotFound):
    """No permit of the manifest belongs to this passport number."""


@dataclass(frozen=True)
class Person:
    """Who the permit says its holder is. Document number and birth date are shown to the officer, to
    compare with the passport in hand, and never leave the node."""

    name: str
    nationality: str
    role: str
    reference: str
    route: str
    permit_id: str
    document_number: str
    birth_date: str
    valid_from: str
    expires: str
    checkpoints: tuple[dict[str, str], ...]

    @classmethod
    def of(cls, claims: PermitClaims) -> "Person":
        return cls(
            name=holder_name(claims),
            nationality=claims.nationality,
            role=claims.role,
            reference=claims.reference,
            route=claims.route,
            permit_id=str(claims.permit_id),
            document_number=claims.document_number,
            birth_date=claims.birth_date.isoformat(),
            valid_from=claims.not_before.isoformat(),
            expires=claims.expires.isoformat(),
            checkpoints=tuple(
                {"code": w.code, "from": w.first_day.isoformat(), "to": w.last_day.isoformat()}
                for w in claims.checkpoints
            ),
        )

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "checkpoints": list(self.checkpoints)}


@dataclass(frozen=True)
class ScanResult:
    """The verdict as shown to the officer, and the event recorded for it."""

    event: NodeEvent
    verdict: str
    detail: str
    person: Person | None
    trust_age_s: float | None
    revocations_age_s: float | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.verdict == "VALID"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "detail": self.detail,
            "person": self.person.as_json() if self.person else None,
            "event": self.event.wire(),
            "trust_age_s": self.trust_age_s,
            "revocations_age_s": self.revocations_age_s,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class TrustData:
    """What the node verifies with, and how old it is."""

    trust: TrustList
    revocations: RevocationList
    trust_pulled_at: datetime
    revocations_pulled_at: datetime | None

    def ages(self, now: datetime) -> tuple[float, float | None]:
        revocations = self.revocations_pulled_at
        revocations_age = (now - revocations).total_seconds() if revocations else None
        return (now - self.trust_pulled_at).total_seconds(), revocations_age

    def warnings(self, now: datetime) -> tuple[str, ...]:
        trust_age, revocations_age = self.ages(now)
        found = []
        if trust_age > STALE_AFTER.total_seconds():
            found.append(f"the trust list is {age_words(trust_age)} old: pull when a connection is available")
        if revocations_age is None:
            found.append("the revocation list was never pulled: a revoked permit would pass")
        elif revocations_age > STALE_AFTER.total_seconds():
            found.append(f"the revocation list is {age_words(revocations_age)} old: a permit revoked since would pass")
        return tuple(found)


@dataclass(frozen=True)
class Checkpoint:
    code: str
    utc_offset_hours: int


@dataclass(frozen=True)
class Scanner:
    """Verifies and records at one checkpoint, with one node's store and seal."""

    store: NodeStore
    seal: NodeSeal
    checkpoint: Checkpoint
    trust_data: TrustData | None

    def scan(
        self,
        *,
        qr: str | None = None,
        image: bytes | None = None,
        passport: str | None = None,
        direction: str,
        officer: str,
        now: datetime,
        from_paper_log: bool = False,
    ) -> ScanResult:
        """Exactly one of `qr`, `image`, `passport`. `from_paper_log`: a crossing kept on paper while the
        laptop was down, entered now with the time it happened (`now`); recorded with method "paper", so
        that the centre takes its time as typed instead of correcting it by this laptop's clock skew.
        Raises InvalidInput (no or several sources, a bad direction, no officer, no QR in the image),
        NotReady (never pulled the trust list) and NoPermitFound (a passport the manifest does not know);
        none of these records an event."""
        if sum(source is not None for source in (qr, image, passport)) != 1:
            raise InvalidInput("give exactly one of a QR text, a QR image or a passport number")
        if direction not in ("in", "out"):
            raise InvalidInput(f"direction is 'in' or 'out', not {direction!r}")
        if not officer.strip():
            raise InvalidInput("say who is scanning (the officer's name)")
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        trust_data = self._trust_data()
        if passport is not None:
            verdict, method = self._lookup(passport, trust_data, now), "lookup"
        elif image is not None:
            verdict, method = self._verify(_only_code(read_qr_image(image)), trust_data, now), "image"
        else:
            # A hardware scanner types the text and a newline; the spec's alphabet has no whitespace to lose.
            verdict, method = self._verify((qr or "").strip(), trust_data, now), "qr"
        method = "paper" if from_paper_log else method
        event = _event(
            verdict, checkpoint=self.checkpoint.code, direction=direction, method=method, officer=officer, now=now
        )
        self.store.event_append(event)
        trust_age, revocations_age = trust_data.ages(now)
        return ScanResult(
            event=event,
            verdict=verdict.code.value,
            detail=verdict.detail,
            person=Person.of(verdict.claims) if verdict.claims else None,
            trust_age_s=trust_age,
            revocations_age_s=revocations_age,
            warnings=trust_data.warnings(now),
        )

    def _trust_data(self) -> TrustData:
        if self.trust_data is None:
            raise NotReady("this node has never pulled the trust list: run `tengri checkpoint pull` first")
        return self.trust_data

    def _verify(self, text: str, trust_data: TrustData, now: datetime) -> Verdict:
        return verify_permit(
            text,
            trust=trust_data.trust,
            revoked=trust_data.revocations,
            now=now,
            checkpoint=self.checkpoint.code,
            checkpoint_utc_offset_hours=self.checkpoint.utc_offset_hours,
        )

    def _lookup(self, passport: str, trust_data: TrustData, now: datetime) -> Verdict:
        """The person's permit from the manifest, verified like a scan. With several (a replaced permit,
        two groups), a valid one wins; else the refusal of the one valid longest."""
        if not passport.strip():
            raise InvalidInput("the passport number is empty")
        candidates = self.store.manifest_find(self.seal.passport_index(passport))
        if not candidates:
            state = self.store.manifest_state()
            pulled = f"pulled {state['pulled_at'][:16]} UTC, {state['permits']} permits" if state else "never pulled"
            raise NoPermitFound(f"no permit for passport {passport.strip()} in this checkpoint's manifest ({pulled})")
        verdicts = [self._verify(self.seal.unseal(entry.qr_sealed), trust_data, now) for entry in candidates]
        return next((verdict for verdict in verdicts if verdict.ok), verdicts[0])


def holder_name(claims: PermitClaims) -> str:
    return f"{claims.surname} {claims.given_names}".strip()


def _event(verdict: Verdict, *, checkpoint: str, direction: str, method: str, officer: str, now: datetime) -> NodeEvent:
    claims = verdict.claims
    return NodeEvent.new(
        checkpoint=checkpoint,
        direction=direction,
        verdict=verdict.code.value,
        detail=verdict.detail,
        method=method,
        officer=officer,
        device_time=now,
        permit_id=claims.permit_id if claims else None,
        holder_name=holder_name(claims) if claims else "",
        nationality=claims.nationality if claims else "",
        reference=claims.reference if claims else "",
        route_code=claims.route if claims else "",
    )


def _only_code(texts: list[str]) -> str:
    if not texts:
        raise InvalidInput("no QR code found in the image")
    if len(texts) > 1:
        raise InvalidInput(f"{len(texts)} QR codes in the image: photograph one permit at a time")
    return texts[0]


def age_words(seconds: float) -> str:
    """An age as an officer reads it, in the active language: '40 s', '12 min', '5 h', '3 days'."""
    if seconds < 90:
        return gettext("%(count)d s") % {"count": round(max(seconds, 0))}
    if seconds < 90 * 60:
        return gettext("%(count)d min") % {"count": round(seconds / 60)}
    if seconds < 48 * 3600:
        return gettext("%(count)d h") % {"count": round(seconds / 3600)}
    days = round(seconds / 86400)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
