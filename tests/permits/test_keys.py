"""The authorities' signing keys through `tengri keys`: created → active → retired, one active key per authority,
private keys sealed at rest and never shown."""

import base64
import hashlib
import json

import pytest
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.test import override_settings

from tengri.core.models import AuditEntry
from tengri.expeditions.demo import PASSWORD
from tengri.permits.keys import active_signer
from tengri.permits.models import SigningKey

from .test_issuing import IN_SEASON, b64url, demo_world, tengri

State = SigningKey.State


def create(capsys, authority: str, *options: str) -> SigningKey:
    code, out, err = tengri(capsys, "keys", "create", "--authority", authority, *options)
    assert (code, err) == (0, "")
    authority_printed, kid, state = out.split()
    assert authority_printed == authority
    key = SigningKey.objects.get(kid=kid)
    assert key.state == state
    return key


def listed(capsys) -> dict[str, dict]:
    code, out, _ = tengri(capsys, "keys", "list", "--json")
    assert code == 0
    return {row["kid"]: row for row in json.loads(out)}


def states(capsys) -> dict[str, str]:
    return {kid: row["state"] for kid, row in listed(capsys).items()}


# --- Transitions ---------------------------------------------------------------------------------------------


def test_a_key_is_created_then_activated_then_retired(db, clock, capsys):
    key = create(capsys, "KZ")
    assert key.state == State.CREATED and key.activated_at is None
    assert states(capsys) == {key.kid: "created"}

    code, out, _ = tengri(capsys, "keys", "activate", key.kid)
    assert (code, out) == (0, f"KZ {key.kid} active\n")
    key.refresh_from_db()
    assert key.state == State.ACTIVE and key.activated_at == IN_SEASON

    code, out, _ = tengri(capsys, "keys", "retire", key.kid)
    assert (code, out) == (0, f"KZ {key.kid} retired\n")
    key.refresh_from_db()
    assert key.state == State.RETIRED and key.retired_at == IN_SEASON
    assert listed(capsys)[key.kid]["retired"] == IN_SEASON.isoformat()


def test_the_kid_is_the_first_8_bytes_of_the_sha256_of_the_public_key(db, capsys):
    key = create(capsys, "KG")
    assert len(bytes(key.public_key)) == 32
    assert key.kid == hashlib.sha256(bytes(key.public_key)).digest()[:8].hex()


def test_activating_a_key_retires_the_authoritys_previous_active_key_only(db, clock, capsys):
    kz_old, kg = create(capsys, "KZ", "--activate"), create(capsys, "KG", "--activate")
    kz_new = create(capsys, "KZ")
    assert states(capsys) == {kz_old.kid: "active", kg.kid: "active", kz_new.kid: "created"}

    assert tengri(capsys, "keys", "activate", kz_new.kid)[0] == 0

    assert states(capsys) == {kz_old.kid: "retired", kg.kid: "active", kz_new.kid: "active"}
    assert SigningKey.objects.filter(state=State.ACTIVE).count() == 2
    actions = list(AuditEntry.objects.filter(action__startswith="key.").values_list("action", "subject_id"))
    assert ("key.retire", str(kz_old.pk)) in actions
    assert actions[-1] == ("key.activate", str(kz_new.pk))


def test_kids_are_accepted_in_any_case_and_with_spaces(db, capsys):
    key = create(capsys, "KZ")
    assert tengri(capsys, "keys", "activate", f" {key.kid.upper()} ")[0] == 0
    key.refresh_from_db()
    assert key.state == State.ACTIVE


@pytest.mark.parametrize(
    ("change", "state", "message"),
    [
        ("activate", "active", "only a new key can be activated"),
        ("activate", "retired", "only a new key can be activated"),
        ("retire", "retired", "retired already"),
    ],
)
def test_refused_transitions_change_nothing(db, capsys, change, state, message):
    key = create(capsys, "KZ", "--activate")
    if state == "retired":
        assert tengri(capsys, "keys", "retire", key.kid)[0] == 0
    before = states(capsys)
    entries = AuditEntry.objects.count()

    code, out, err = tengri(capsys, "keys", change, key.kid)

    assert (code, out) == (1, "")
    assert message in err
    assert states(capsys) == before
    assert AuditEntry.objects.count() == entries


def test_a_created_key_can_be_retired_without_ever_signing(db, capsys):
    key = create(capsys, "KG")
    assert tengri(capsys, "keys", "retire", key.kid)[0] == 0
    assert states(capsys) == {key.kid: "retired"}
    code, _, err = tengri(capsys, "keys", "activate", key.kid)
    assert code == 1 and "retired" in err


def test_unknown_kids_and_authorities_are_refused(db, capsys):
    for change in ("activate", "retire"):
        code, out, err = tengri(capsys, "keys", change, "00112233aabbccdd")
        assert (code, out) == (1, "") and "00112233aabbccdd" in err
    with pytest.raises(SystemExit) as exited:
        tengri(capsys, "keys", "create", "--authority", "CN")
    assert exited.value.code == 2
    assert not SigningKey.objects.exists()


def test_the_database_holds_at_most_one_active_key_per_authority(db, capsys):
    create(capsys, "KZ", "--activate")
    second = create(capsys, "KZ")
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.filter(pk=second.pk).update(state=State.ACTIVE)
    create(capsys, "KG", "--activate")  # another authority's active key is fine
    assert SigningKey.objects.filter(state=State.ACTIVE).count() == 2


def test_every_change_is_audited(db, capsys):
    key = create(capsys, "KZ", "--activate")
    assert tengri(capsys, "keys", "retire", key.kid)[0] == 0
    entries = AuditEntry.objects.filter(subject_id=str(key.pk), action__startswith="key.")
    assert list(entries.order_by("sequence").values_list("action", flat=True)) == [
        "key.create",
        "key.activate",
        "key.retire",
    ]


# --- Private keys ---------------------------------------------------------------------------------------------


def basic(username: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


def private_forms(raw: bytes) -> list[str]:
    """The ways a raw private key could leak into text."""
    return [
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        b64url(raw),
    ]


def test_the_private_key_is_stored_sealed_never_raw(db, capsys):
    key = create(capsys, "KZ", "--activate")
    stored = SigningKey.objects.get(pk=key.pk).private_key_sealed
    _, private_key = active_signer("KZ")
    raw = private_key.private_bytes_raw()

    assert private_key.public_key().public_bytes_raw() == bytes(key.public_key)  # it is this key's private half
    assert all(form not in stored for form in private_forms(raw))
    assert len(stored) > 64 and stored != raw.decode("latin-1")
    # Sealed under the server's secret: with another secret it cannot be opened.
    with override_settings(TENGRI_SIGNING_KEY_SECRET="some-other-secret"), pytest.raises(InvalidToken):
        active_signer("KZ")


def test_two_keys_are_sealed_independently(db, capsys):
    first, second = create(capsys, "KZ"), create(capsys, "KG")
    assert first.private_key_sealed != second.private_key_sealed
    assert bytes(first.public_key) != bytes(second.public_key)
    Ed25519PublicKey.from_public_bytes(bytes(first.public_key))  # a real Ed25519 public key


def test_the_private_key_never_appears_in_a_listing_an_export_the_api_or_the_audit_log(
    demo_season, clock, capsys, client, django_capture_on_commit_callbacks
):
    demo_world(django_capture_on_commit_callbacks)  # keys that have signed permits
    create(capsys, "KZ")  # and one only created
    secrets = []
    for authority in ("KZ", "KG"):
        _, private_key = active_signer(authority)
        secrets += private_forms(private_key.private_bytes_raw())
    secrets += [key.private_key_sealed for key in SigningKey.objects.all()]

    outputs = [
        tengri(capsys, "keys", "list")[1],
        tengri(capsys, "keys", "list", "--json")[1],
        tengri(capsys, "keys", "export-trust-list")[1],
        tengri(capsys, "permit", "list", "--json")[1],
        client.get("/api/v1/trust-list").content.decode(),
        client.get("/api/v1/revocations").content.decode(),
        client.get("/api/v1/applications/KT-2027-000001/permits", **basic("operator-kz")).content.decode(),
        client.get("/api/v1/openapi.json").content.decode(),
        json.dumps(list(AuditEntry.objects.values("action", "reason", "data"))),
    ]
    for output in outputs:
        assert output
        for secret in secrets:
            assert secret not in output
    for row in json.loads(outputs[1]):
        assert set(row) == {"authority", "kid", "state", "created", "activated", "retired"}
    for jwk in json.loads(outputs[2])["keys"]:
        assert "d" not in jwk
