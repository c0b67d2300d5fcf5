"""Permit verification against the raw cost of its signatures, measured in the same run.

    .venv/bin/python bench/permit_verify.py [--runs 5] [--number 2000]

Builds a two-signature permit (KZ and KG keys), then times, interleaved run by run:
- `verify_permit` on its QR text as a checkpoint calls it (trust list of both keys, a 10,000-entry
  revocation list, a checkpoint and its UTC offset), and
- the raw cost of its two Ed25519 verifications: `public_key.verify` on each signature over the very same
  Sig_structure bytes, prepared beforehand.
Reports the best run of each, verifications per second and the ratio. The aim (issue 4): at most 2.5×.
"""

import argparse
import os
import platform
import sys
import timeit
import uuid
from datetime import UTC, date, datetime

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tengri.permits.codec import CheckpointWindow, PermitClaims, kid_for, qr_text, sign_permit, to_be_signed
from tengri.permits.trust import RevocationList, TrustedKey, TrustList
from tengri.permits.verify import VerdictCode, verify_permit

AIM = 2.5
NOW = datetime(2026, 7, 3, 6, 0, tzinfo=UTC)


def demo_claims() -> PermitClaims:
    return PermitClaims(
        permit_id=uuid.uuid4(),
        issued_at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        not_before=datetime(2026, 7, 1, tzinfo=UTC),
        expires=datetime(2026, 7, 31, 23, 59, 59, tzinfo=UTC),
        reference="KT-2026-000123",
        route="KT-S-KG",
        role="member",
        surname="ABDRAKHMANOV",
        given_names="ASKAR NURLANULY",
        birth_date=date(1984, 3, 9),
        nationality="KAZ",
        document_number="N12345678",
        authorities=("KG", "KZ"),
        checkpoints=(
            CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4)),
            CheckpointWindow("KCJ", date(2026, 7, 20), date(2026, 7, 22)),
        ),
    )


def trusted(key: Ed25519PrivateKey, country: str) -> TrustedKey:
    raw = key.public_key().public_bytes_raw()
    return TrustedKey(
        kid=kid_for(raw),
        public_key=raw,
        country=country,
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        expires=datetime(2029, 1, 1, tzinfo=UTC),
    )


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each; the best counts (default 5)")
    parser.add_argument("--number", type=int, default=2000, help="operations per run (default 2000)")
    args = parser.parse_args()

    keys = {"KZ": Ed25519PrivateKey.generate(), "KG": Ed25519PrivateKey.generate()}
    cose = sign_permit(demo_claims(), [(kid_for(key.public_key()), key) for key in keys.values()])
    text = qr_text(cose)
    trust = TrustList(trusted(key, country) for country, key in keys.items())
    revoked = RevocationList(generated=NOW, revoked=frozenset(os.urandom(16) for _ in range(10_000)))

    def verify() -> None:
        verdict = verify_permit(
            text, trust=trust, revoked=revoked, now=NOW, checkpoint="KRK", checkpoint_utc_offset_hours=5
        )
        assert verdict.code is VerdictCode.VALID

    _, _, payload, signatures = cbor2.loads(cose).value
    raw_checks = [
        (key.public_key(), signature, to_be_signed(protected, payload))
        for key, (protected, _, signature) in zip(keys.values(), signatures, strict=True)
    ]

    def verify_raw_signatures() -> None:
        for public_key, signature, signed_bytes in raw_checks:
            public_key.verify(signature, signed_bytes)

    verify()  # warm up, and prove the permit is VALID before timing it
    full_runs, raw_runs = [], []
    for _ in range(args.runs):
        # Interleaved, so that both see the same machine weather.
        raw_runs.append(timeit.timeit(verify_raw_signatures, number=args.number) / args.number)
        full_runs.append(timeit.timeit(verify, number=args.number) / args.number)
    full, raw = min(full_runs), min(raw_runs)

    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; Python {platform.python_version()}")
    print(f"QR text {len(text)} characters, COSE {len(cose)} bytes; best of {args.runs} runs of {args.number}")
    print(f"verify_permit:            {full * 1e6:8.1f} µs   {1 / full:8.0f} verifications/s")
    print(f"two Ed25519 verify calls: {raw * 1e6:8.1f} µs   {1 / raw:8.0f} pairs/s")
    ratio = full / raw
    print(f"ratio: {ratio:.2f}× (aim ≤ {AIM}×: {'met' if ratio <= AIM else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
