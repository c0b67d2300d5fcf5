"""Verification as the CLI, the API (and later the checkpoint node) ask for it: gather the trust list,
the revocations and the checkpoint's UTC offset, then call the one pure verifier.

The trust data defaults to this server's own (its keys and revocations); a checkpoint passes the files
it last synced. A checkpoint's local date decides its window: Kazakhstan UTC+5, Kyrgyzstan UTC+6.
"""

from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from tengri.core.errors import InvalidInput
from tengri.geo.borders import border_map
from tengri.permits.codec import read_qr_image
from tengri.permits.selectors import revocation_list, trust_list_jwks
from tengri.permits.trust import RevocationList, TrustList
from tengri.permits.verify import Verdict, verify_permit
from tengri.registry.models import Checkpoint

UTC_OFFSET_HOURS = {"KZ": 5, "KG": 6}


def checkpoint_utc_offset(code: str) -> int:
    """The checkpoint's state decides its clock (KZ +5, KG +6; +5 while its state is unknown)."""
    checkpoint = Checkpoint.objects.select_related("place").prefetch_related("authorities").filter(code=code).first()
    if checkpoint is None:
        # A typo at the checkpoint must not read as a refused permit (exit 1): it is a usage error.
        raise InvalidInput(f"no checkpoint {code!r}")
    return UTC_OFFSET_HOURS.get(checkpoint_country(checkpoint), 5)


def checkpoint_country(checkpoint: Checkpoint) -> str:
    """The state a checkpoint lies in: the country of its place, else of its first border service;
    "" when neither is known."""
    if checkpoint.place is not None:
        country = country_at(checkpoint.place.lat, checkpoint.place.lon)
        if country in UTC_OFFSET_HOURS:
            return country
    authorities = sorted(authority.code for authority in checkpoint.authorities.all())
    return authorities[0] if authorities else ""


def country_at(lat: float, lon: float) -> str:
    """KZ, KG or CN for a point, "" elsewhere. Cached: loading the border polygons takes seconds, too
    slow for each scan at a checkpoint."""
    country = str(cache.get_or_set(f"country-at:{lat:.6f}:{lon:.6f}", lambda: border_map().country_at(lat, lon), None))
    return country if len(country) == 2 else ""


def verify_for_command(
    *,
    qr: str | None,
    image: bytes | None,
    trust: dict | None,
    revocations: dict | None,
    at: datetime | None,
    checkpoint: str | None,
) -> dict:
    """Verify one permit and describe the result for a person at a checkpoint (JSON-ready)."""
    now = _instant(at)
    checkpoint = checkpoint or None
    # A hardware scanner types the text and a newline; the spec's alphabet has no whitespace to lose.
    text = qr.strip() if qr is not None else _only_code(read_qr_image(image or b""))
    trust_list = TrustList.from_jwks(trust if trust is not None else trust_list_jwks(now=now))
    revoked = RevocationList.from_json(revocations if revocations is not None else revocation_list(now=now))
    offset = checkpoint_utc_offset(checkpoint) if checkpoint else None
    verdict = verify_permit(
        text, trust=trust_list, revoked=revoked, now=now, checkpoint=checkpoint, checkpoint_utc_offset_hours=offset
    )
    return describe(verdict)


def _instant(at: datetime | None) -> datetime:
    """The moment to verify at: now, or the given time (a time without a zone is read as UTC)."""
    if at is None:
        return datetime.now(UTC)
    try:
        moment = at if at.tzinfo else at.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"{at.isoformat()} is out of range") from None
    if not 2000 <= moment.year <= 9000:
        raise InvalidInput(f"{at.isoformat()} is out of range (years 2000 to 9000)")
    return moment


def describe(verdict: Verdict) -> dict:
    claims = verdict.claims
    result: dict[str, Any] = {"verdict": verdict.code.value, "ok": verdict.ok, "detail": verdict.detail}
    if claims is not None:
        result.update(
            holder=f"{claims.surname} {claims.given_names}".strip(),
            nationality=claims.nationality,
            document=claims.document_number,
            birth_date=claims.birth_date.isoformat(),
            role=claims.role,
            route=claims.route,
            reference=claims.reference,
            permit_id=str(claims.permit_id),
            checkpoints=[
                {"code": w.code, "from": w.first_day.isoformat(), "to": w.last_day.isoformat()}
                for w in claims.checkpoints
            ],
        )
    return result


def _only_code(texts: list[str]) -> str:
    if not texts:
        raise InvalidInput("no QR code found in the image")
    if len(texts) > 1:
        raise InvalidInput(f"{len(texts)} QR codes in the image: photograph one permit at a time")
    return texts[0]
