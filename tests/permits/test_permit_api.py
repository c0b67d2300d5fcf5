"""The permit endpoints: the trust list and revocations any checkpoint syncs (public), verification (border and
checkpoint officers) and an application's permits (whoever may read the application)."""

import base64
import hashlib
import json
from datetime import UTC, datetime

import pytest

from tengri.expeditions import services
from tengri.expeditions.demo import PASSWORD
from tengri.permits.models import SigningKey

from .test_issuing import (
    AMENDED_ON,
    APPROVED,
    DURING_TRIP,
    IN_SEASON,
    b64url,
    b64url_decode,
    demo_user,
    live_permits,
    qr_of,
    tengri,
)

JWK_MEMBERS = {"kty", "crv", "alg", "use", "x", "kid", "country", "nbf", "exp"}


def basic(username: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


def post_verify(client, payload: dict, username: str | None = "checkpoint-krk"):
    headers = basic(username) if username else {}
    return client.post("/api/v1/permits/verify", payload, content_type="application/json", **headers)


def remove(world, permit) -> None:
    services.member_remove(
        actor=demo_user("operator-kz"), application=world, member_id=permit.member_id, today=AMENDED_ON
    )


# --- Trust list -------------------------------------------------------------------------------------------------


def test_the_trust_list_is_the_specs_jwk_set_of_the_active_keys(world, client, capsys):
    tengri(capsys, "keys", "create", "--authority", "KZ")  # created, not active: not published
    response = client.get("/api/v1/trust-list")  # anonymous: it is public

    assert response.status_code == 200
    keys = response.json()["keys"]
    assert set(response.json()) == {"keys"}
    active = {key.authority: key for key in SigningKey.objects.filter(state="active")}
    assert sorted(jwk["country"] for jwk in keys) == ["KG", "KZ"]
    for jwk in keys:
        key = active[jwk["country"]]
        assert set(jwk) == JWK_MEMBERS
        assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
        assert "=" not in jwk["x"] + jwk["kid"]
        assert b64url_decode(jwk["x"]) == bytes(key.public_key)
        assert b64url_decode(jwk["kid"]) == hashlib.sha256(bytes(key.public_key)).digest()[:8]
        assert type(jwk["nbf"]) is int and type(jwk["exp"]) is int
        assert jwk["nbf"] == int(IN_SEASON.timestamp()) < jwk["exp"]


def test_the_trust_list_is_the_same_through_the_api_and_the_command(world, client, capsys):
    code, out, _ = tengri(capsys, "keys", "export-trust-list")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/trust-list").json()


def test_a_retired_key_stays_published_until_what_it_signed_has_expired(world, clock, client, capsys):
    old = SigningKey.objects.get(authority="KG", state="active")
    clock.moment = datetime(2027, 6, 1, tzinfo=UTC)
    assert tengri(capsys, "keys", "create", "--authority", "KG", "--activate")[0] == 0

    published = {jwk["kid"]: jwk for jwk in client.get("/api/v1/trust-list").json()["keys"]}
    assert b64url(bytes.fromhex(old.kid)) in published
    # Its window closes when it retired: it signs nothing issued later.
    assert published[b64url(bytes.fromhex(old.kid))]["exp"] == int(clock.moment.timestamp())
    assert len(published) == 3

    clock.moment = datetime(2027, 8, 1, 0, 0, 0, tzinfo=UTC)  # 1 s after the last permit it signed expired
    published = {jwk["kid"] for jwk in client.get("/api/v1/trust-list").json()["keys"]}
    assert b64url(bytes.fromhex(old.kid)) not in published
    assert len(published) == 2


# --- Revocations ------------------------------------------------------------------------------------------------


def test_revocations_with_and_without_since(world, clock, client, django_capture_on_commit_callbacks):
    assert client.get("/api/v1/revocations").json() == {"generated": int(IN_SEASON.timestamp()), "revoked": []}
    first, second, *_ = live_permits(world)
    clock.moment = datetime(2027, 5, 11, 9, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        remove(world, first)
    clock.moment = datetime(2027, 5, 12, 9, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        remove(world, second)
    clock.moment = datetime(2027, 5, 13, 9, tzinfo=UTC)
    between = int(datetime(2027, 5, 11, 12, tzinfo=UTC).timestamp())

    everything = client.get("/api/v1/revocations")
    later = client.get(f"/api/v1/revocations?since={between}")
    nothing = client.get(f"/api/v1/revocations?since={int(clock.moment.timestamp())}")

    assert everything.status_code == later.status_code == nothing.status_code == 200
    assert everything.json() == {
        "generated": int(clock.moment.timestamp()),
        "revoked": [b64url(first.id.bytes), b64url(second.id.bytes)],
    }
    assert later.json()["revoked"] == [b64url(second.id.bytes)]
    assert nothing.json()["revoked"] == []
    for entry in everything.json()["revoked"]:
        assert "=" not in entry and len(b64url_decode(entry)) == 16


def test_revocations_leave_out_expired_permits(world, clock, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        remove(world, live_permits(world)[0])
    assert len(client.get("/api/v1/revocations").json()["revoked"]) == 1
    clock.moment = datetime(2027, 8, 2, tzinfo=UTC)
    assert client.get("/api/v1/revocations").json()["revoked"] == []


@pytest.mark.parametrize("since", ["yesterday", "-1", "1.5"])
def test_a_bad_since_is_refused(world, client, since):
    response = client.get(f"/api/v1/revocations?since={since}")
    assert response.status_code in (400, 422)


# --- Verify -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["officer-kz", "officer-kg", "checkpoint-krk"])
def test_officers_get_the_verdict_and_the_holder(world, client, capsys, username):
    permit = live_permits(world)[1]
    payload = {"qr": qr_of(capsys, permit), "checkpoint": "KRK-HB-KZ", "at": DURING_TRIP}

    response = post_verify(client, payload, username)

    assert response.status_code == 200
    verdict = response.json()
    assert (verdict["verdict"], verdict["ok"]) == ("VALID", True)
    assert verdict["holder"] == permit.member.name == "MUELLER ANNA"
    assert verdict["permit_id"] == str(permit.id) and verdict["reference"] == APPROVED
    assert verdict["document"] == "DM0000002"  # the officer compares it with the passport in hand


def test_every_verdict_is_a_200_with_its_code(world, client, capsys, django_capture_on_commit_callbacks):
    permits = live_permits(world)
    text = qr_of(capsys, permits[0])
    cases = [
        ({"qr": text, "checkpoint": "MAD-HB", "at": DURING_TRIP}, "WRONG_CHECKPOINT"),
        ({"qr": text, "checkpoint": "NIB-HP", "at": "2027-07-11T18:30:00+00:00"}, "VALID"),
        ({"qr": text, "checkpoint": "KRK-HB-KZ", "at": "2027-07-11T18:30:00+00:00"}, "OUTSIDE_WINDOW"),
        ({"qr": text, "at": "2027-08-03T00:00:00+00:00"}, "EXPIRED"),
        ({"qr": text, "at": "2027-07-01T00:00:00+00:00"}, "NOT_YET_VALID"),
        ({"qr": "HC1:not ours", "at": DURING_TRIP}, "BAD_PREFIX"),
        ({"qr": "TGP1:", "at": DURING_TRIP}, "BAD_ENCODING"),
    ]
    for payload, expected in cases:
        response = post_verify(client, payload)
        assert (response.status_code, response.json()["verdict"]) == (200, expected), payload

    with django_capture_on_commit_callbacks(execute=True):
        remove(world, permits[0])
    response = post_verify(client, {"qr": text, "at": DURING_TRIP})
    assert (response.status_code, response.json()["verdict"], response.json()["ok"]) == (200, "REVOKED", False)


def test_without_a_time_the_verdict_is_for_now(world, clock, client, capsys):
    text = qr_of(capsys, live_permits(world)[0])
    assert post_verify(client, {"qr": text}).json()["verdict"] == "NOT_YET_VALID"  # in May
    clock.moment = datetime.fromisoformat(DURING_TRIP)
    assert post_verify(client, {"qr": text, "checkpoint": "KRK-HB-KZ"}).json()["verdict"] == "VALID"


@pytest.mark.parametrize(("username", "status"), [("operator-kz", 403), ("rescue-kz", 403), ("analyst", 403)])
def test_others_may_not_verify(world, client, capsys, username, status):
    payload = {"qr": qr_of(capsys, live_permits(world)[0]), "at": DURING_TRIP}
    response = post_verify(client, payload, username)
    assert response.status_code == status
    assert "MUELLER" not in response.content.decode() and "DM000" not in response.content.decode()


def test_the_anonymous_may_not_verify(world, client, capsys):
    response = post_verify(client, {"qr": qr_of(capsys, live_permits(world)[0]), "at": DURING_TRIP}, None)
    assert response.status_code == 401


def test_a_wrong_password_may_not_verify(world, client):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"checkpoint-krk:wrong").decode()}
    response = client.post("/api/v1/permits/verify", {"qr": "x"}, content_type="application/json", **headers)
    assert response.status_code == 401


def test_an_unknown_checkpoint_is_bad_input_and_a_huge_text_is_refused(world, client, capsys):
    """A checkpoint code is part of the request, like the CLI's --checkpoint (exit 2): a typo is a 400."""
    text = qr_of(capsys, live_permits(world)[0])
    response = post_verify(client, {"qr": text, "checkpoint": "NOWHERE", "at": DURING_TRIP})
    assert response.status_code == 400 and "NOWHERE" in response.json()["detail"]
    response = post_verify(client, {"qr": "TGP1:" + "A" * 20_000})
    assert response.status_code in (400, 422)


def test_a_signed_in_officer_session_may_verify(world, client, capsys):
    client.login(username="officer-kg", password=PASSWORD)
    response = client.post(
        "/api/v1/permits/verify",
        {"qr": qr_of(capsys, live_permits(world)[0]), "at": DURING_TRIP},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["verdict"] == "VALID"


# --- An application's permits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["operator-kz", "officer-kz", "officer-kg"])
def test_those_who_may_read_the_application_see_its_permits(world, client, username):
    response = client.get(f"/api/v1/applications/{APPROVED}/permits", **basic(username))

    assert response.status_code == 200
    rows = response.json()
    assert {row["id"] for row in rows} == {str(permit.id) for permit in live_permits(world)}
    assert sorted(row["holder"] for row in rows) == sorted(member.name for member in world.members.all())
    for row in rows:
        assert row["review_round"] == 1 and row["revoked_at"] is None and row["revoke_reason"] == ""
        assert datetime.fromisoformat(row["not_before"]) == datetime(2027, 7, 9, tzinfo=UTC)
        assert datetime.fromisoformat(row["expires"]) == datetime(2027, 7, 31, 23, 59, 59, tzinfo=UTC)
        assert "TGP1" not in json.dumps(row)


def test_revoked_permits_are_listed_with_the_reason(world, client, django_capture_on_commit_callbacks):
    permit = live_permits(world)[0]
    with django_capture_on_commit_callbacks(execute=True):
        remove(world, permit)
    rows = {
        row["id"]: row for row in client.get(f"/api/v1/applications/{APPROVED}/permits", **basic("operator-kz")).json()
    }
    assert rows[str(permit.id)]["revoked_at"] is not None
    assert "removed" in rows[str(permit.id)]["revoke_reason"]


@pytest.mark.parametrize(
    ("username", "status"),
    [("operator-kg", 403), ("checkpoint-krk", 403), ("rescue-kz", 403), ("analyst", 403), (None, 401)],
)
def test_others_may_not_see_an_applications_permits(world, client, username, status):
    headers = basic(username) if username else {}
    response = client.get(f"/api/v1/applications/{APPROVED}/permits", **headers)
    assert response.status_code == status
    assert "MUELLER" not in response.content.decode()


def test_an_unknown_application_has_no_permits(world, client):
    response = client.get("/api/v1/applications/KT-2027-999999/permits", **basic("operator-kz"))
    assert response.status_code == 404
