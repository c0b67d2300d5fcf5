"""Checkpoint devices: registered with a one-time enrolment token, enrolled once for a credential, revoked;
the command `tengri device …`, authentication, and the read-only admin pages."""

import base64
import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from tengri.checkpoints.devices import device_authenticate, device_enrol, device_register, device_revoke
from tengri.checkpoints.models import Device
from tengri.core.audit import audit_trail, audit_verify
from tengri.core.errors import InvalidInput, InvalidTransition, NotFound
from tests.permits.test_issuing import IN_SEASON, tengri

from .conftest import scan


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def trail(device: Device) -> list:
    return audit_trail(subject_type="checkpoints.device", subject_id=str(device.pk))


# --- Registering and enrolling -----------------------------------------------------------------------------------


def test_registering_gives_a_one_time_token_of_which_only_the_hash_is_kept(demo_season, device_clock):
    device, token = device_register(actor=None, checkpoint_code="KRK", label="  KRK laptop 1 ")

    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32
    device.refresh_from_db()
    assert (device.checkpoint.code, device.label) == ("KRK", "KRK laptop 1")
    assert device.enrolment_token_hash == sha256(token)
    assert token not in {device.enrolment_token_hash, device.credential_hash}
    assert device.enrolment_expires_at == IN_SEASON + timedelta(hours=72)
    assert device.enrolled_at is None and device.credential_hash == ""
    [entry] = trail(device)
    assert (entry.action, entry.actor_name, entry.data) == ("device.register", "system", {"checkpoint": "KRK"})
    assert token not in json.dumps(entry.data)


def test_two_registrations_get_different_tokens(demo_season):
    tokens = {device_register(actor=None, checkpoint_code="KRK", label="laptop")[1] for _ in range(3)}
    assert len(tokens) == 3


@pytest.mark.parametrize(("checkpoint", "label"), [("NOPE", "laptop"), ("KRK", "   "), ("KRK", "x" * 101)])
def test_registering_needs_a_known_checkpoint_and_a_label(demo_season, checkpoint, label):
    with pytest.raises(InvalidInput):
        device_register(actor=None, checkpoint_code=checkpoint, label=label)
    assert not Device.objects.exists()


def test_the_token_buys_a_credential_once(demo_season, device_clock):
    device, token = device_register(actor=None, checkpoint_code="NIB-HP", label="NIB laptop")

    enrolled, credential = device_enrol(token=token)

    device_id, secret = credential.split(".")
    assert enrolled.pk == device.pk and device_id == str(device.pk)
    assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) == 32
    device.refresh_from_db()
    assert device.credential_hash == sha256(secret)
    assert device.enrolment_token_hash == "" and device.enrolled_at == IN_SEASON
    assert device_authenticate(credential) == device
    with pytest.raises(InvalidInput) as again:
        device_enrol(token=token)
    with pytest.raises(InvalidInput) as unknown:
        device_enrol(token=token[:-2] + "xx")
    assert str(again.value) == str(unknown.value)  # a spent token reads exactly like a wrong one
    device.refresh_from_db()
    assert device.credential_hash == sha256(secret)  # the second exchange changed nothing
    assert [entry.action for entry in trail(device)] == ["device.register", "device.enrol"]
    assert trail(device)[-1].actor_name == "system"


def test_an_expired_token_is_refused_like_a_wrong_one(demo_season, device_clock):
    device, token = device_register(actor=None, checkpoint_code="KRK", label="laptop")
    device_clock.moment = IN_SEASON + timedelta(hours=72)

    with pytest.raises(InvalidInput) as expired:
        device_enrol(token=token)

    with pytest.raises(InvalidInput) as wrong:
        device_enrol(token="not-a-token")
    assert str(expired.value) == str(wrong.value)
    device.refresh_from_db()
    assert device.enrolled_at is None and device.credential_hash == ""


def test_a_token_works_until_just_before_it_expires(demo_season, device_clock):
    _, token = device_register(actor=None, checkpoint_code="KRK", label="laptop")
    device_clock.moment = IN_SEASON + timedelta(hours=72) - timedelta(seconds=1)
    assert device_enrol(token=token)[1]


def test_a_revoked_devices_token_is_refused(demo_season):
    device, token = device_register(actor=None, checkpoint_code="KRK", label="laptop")
    device_revoke(actor=None, device_id=str(device.pk), reason="stolen before it was set up")
    with pytest.raises(InvalidInput):
        device_enrol(token=token)


@pytest.mark.parametrize("token", ["", "   "])
def test_a_blank_token_is_refused(demo_season, token):
    device_register(actor=None, checkpoint_code="KRK", label="laptop")
    with pytest.raises(InvalidInput):
        device_enrol(token=token)


# --- Authenticating and revoking ---------------------------------------------------------------------------------


def test_only_the_exact_credential_of_an_enrolled_unrevoked_device_authenticates(device_enrolled):
    device, credential = device_enrolled()
    other, other_credential = device_enrolled("NIB-HP")
    device_id, secret = credential.split(".")
    pending, _ = device_register(actor=None, checkpoint_code="KRK", label="not enrolled")

    assert device_authenticate(credential) == device
    assert device_authenticate(f"  {credential} ") == device
    refused = [
        "",
        ".",
        device_id,
        f"{device_id}.",
        f".{secret}",
        secret,
        f"{device_id}.{secret}x",
        f"{device_id}.{secret[:-1]}",
        f"{other.pk}.{secret}",  # another device's id with this secret
        f"{uuid.uuid4()}.{secret}",
        f"{pending.pk}.{secret}",
        f"{pending.pk}.",
        f"not-a-uuid.{secret}",
        f"{device_id}.{other_credential.split('.')[1]}",
    ]
    for credential_text in refused:
        assert device_authenticate(credential_text) is None, credential_text

    device_revoke(actor=None, device_id=device.pk, reason="laptop lost")
    assert device_authenticate(credential) is None
    assert device_authenticate(other_credential) == other


def test_last_seen_is_written_at_most_once_a_minute(device_enrolled, device_clock):
    device, credential = device_enrolled()
    start = device_clock.moment
    device_clock.moment = start + timedelta(seconds=30)
    device_authenticate(credential)
    device.refresh_from_db()
    assert device.last_seen_at == start  # enrolment saw it; thirty seconds later is not worth a write

    device_clock.moment = start + timedelta(minutes=2)
    device_authenticate(credential)
    device.refresh_from_db()
    assert device.last_seen_at == start + timedelta(minutes=2)


def test_revoking_is_audited_with_its_reason_and_happens_once(device_enrolled, device_clock):
    device, _ = device_enrolled()
    admin = get_user_model().objects.create_superuser("root", "root@tengri.example", "pw")

    device_revoke(actor=admin, device_id=str(device.pk), reason=" laptop stolen at the post ")

    device.refresh_from_db()
    assert device.revoked_at == device_clock.moment and device.revoke_reason == "laptop stolen at the post"
    entry = trail(device)[-1]
    assert (entry.action, entry.actor_name, entry.reason) == ("device.revoke", "root", "laptop stolen at the post")
    with pytest.raises(InvalidTransition):
        device_revoke(actor=admin, device_id=str(device.pk), reason="again")
    with pytest.raises(InvalidInput):
        device_revoke(actor=admin, device_id=str(device.pk), reason=" ")
    for unknown in (str(uuid.uuid4()), "nope"):
        with pytest.raises(NotFound):
            device_revoke(actor=admin, device_id=unknown, reason="lost")
    assert audit_verify() == []


# --- The command -------------------------------------------------------------------------------------------------


def test_the_command_registers_lists_and_revokes(demo_season, capsys):
    code, out, _ = tengri(capsys, "device", "register", "--checkpoint", "KRK", "--label", "KRK laptop 1", "--json")
    assert code == 0
    registered = json.loads(out)
    device = Device.objects.get(pk=registered["id"])
    assert device.enrolment_token_hash == sha256(registered["token"])
    assert (registered["checkpoint"], registered["label"]) == ("KRK", "KRK laptop 1")

    code, out, _ = tengri(capsys, "device", "register", "--checkpoint", "NIB-HP", "--label", "NIB laptop")
    assert code == 0
    token = out.splitlines()[2]
    nib, credential = device_enrol(token=token)
    assert nib.label == "NIB laptop" and device_authenticate(credential) == nib

    code, out, _ = tengri(capsys, "device", "list", "--json")
    assert code == 0
    listed = {row["label"]: row for row in json.loads(out)}
    assert (listed["KRK laptop 1"]["state"], listed["NIB laptop"]["state"]) == ("waiting", "enrolled")
    assert registered["token"] not in out and credential.split(".")[1] not in out

    code, out, _ = tengri(capsys, "device", "revoke", registered["id"], "--reason", "replaced")
    assert (code, out.split()[:2]) == (0, ["revoked", registered["id"]])
    code, out, _ = tengri(capsys, "device", "list")
    assert code == 0 and f"{registered['id']}  KRK        revoked" in out
    assert trail(device)[-1].actor_name == "system"


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (["register", "--checkpoint", "XXX", "--label", "laptop"], 2),
        (["revoke", "not-an-id", "--reason", "lost"], 1),
        (["revoke", "00000000-0000-0000-0000-000000000000", "--reason", "lost"], 1),
    ],
)
def test_the_command_refuses_what_it_cannot_do(demo_season, capsys, argv, exit_code):
    code, _, err = tengri(capsys, "device", *argv)
    assert code == exit_code and err.startswith("tengri: error:")
    assert not Device.objects.exists()


def test_revoking_twice_on_the_command_line_fails(device_enrolled, capsys):
    device, _ = device_enrolled()
    assert tengri(capsys, "device", "revoke", str(device.pk), "--reason", "lost")[0] == 0
    code, _, err = tengri(capsys, "device", "revoke", str(device.pk), "--reason", "lost")
    assert code == 1 and "revoked already" in err


# --- The admin pages ---------------------------------------------------------------------------------------------


def test_administrators_see_devices_and_events_and_change_nothing(device_enrolled, client):
    from tengri.checkpoints.ingest import events_ingest
    from tengri.checkpoints.models import CrossingEvent

    device, _ = device_enrolled()
    event = scan()
    events_ingest(device=device, sent_at=event["device_time"], events=[event])
    admin = get_user_model().objects.create_superuser("root", "root@tengri.example", "pw")
    client.force_login(admin)

    for model in ("device", "crossingevent"):
        assert client.get(f"/admin/checkpoints/{model}/").status_code == 200
        assert client.get(f"/admin/checkpoints/{model}/add/").status_code == 403
    page = client.get(f"/admin/checkpoints/device/{device.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get(f"/admin/checkpoints/device/{device.pk}/history/").status_code == 200
    assert client.post(f"/admin/checkpoints/device/{device.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/checkpoints/crossingevent/{event['id']}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/checkpoints/crossingevent/{event['id']}/delete/", {"post": "yes"}).status_code == 403
    assert Device.objects.filter(pk=device.pk, revoked_at=None).exists()
    assert CrossingEvent.objects.filter(pk=event["id"]).exists()


def test_people_without_the_administrator_role_are_kept_out_of_the_device_admin(device_enrolled, client, officers):
    device, _ = device_enrolled()
    staff = get_user_model().objects.create_user("staff", "staff@tengri.example", "pw", is_staff=True)
    officers["KZ"].is_staff = True
    officers["KZ"].save(update_fields=["is_staff"])
    for user in (staff, officers["KZ"]):
        client.force_login(user)
        assert client.get("/admin/checkpoints/device/").status_code == 403
        assert client.get(f"/admin/checkpoints/device/{device.pk}/change/").status_code == 403
