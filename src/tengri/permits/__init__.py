"""E-permits (format v1, `../shared/spec/permit-v1.md`).

Pure layer, no database: `codec` (claims ⇄ CBOR, COSE_Sign, QR text and images), `trust` (the trust list
and revocation list as plain data) and `verify` (the one verification function and its verdicts).
The Django side (signing keys, issuing, revoking) builds on it in `keys`, `services` and `models`.
"""
