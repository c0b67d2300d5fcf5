"""Issuing permits when the last required authority approves, and revoking them as the application changes.

The helpers at the top are shared by the other system-level permit tests (keys, CLI, API, pages, PDF): a
pinned clock, the demo world (people, keys, applications in every state) and the `tengri` command.
"""

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import base45
import cbor2
import pytest
from cwt import COSEKey
from django.contrib.auth import get_user_model
from django.utils import timezone

from tengri.api import permits as permit_endpoints
from tengri.approvals.services import decision_record
from tengri.cli import main
from tengri.documents.crypto import unseal
from tengri.expeditions import services, signals
from tengri.expeditions.demo import demo_applications_load, demo_people_load
from tengri.expeditions.models import Application, Member
from tengri.permits import checking, commands
from tengri.permits.demo import demo_keys_load
from tengri.permits.keys import key_activate, key_create
from tengri.permits.models import Permit, SigningKey
from tengri.permits.services import permits_issue
from tests import factories

from . import independent

# --- Shared by the permit tests --------------------------------------------------------------------------------

IN_SEASON = datetime(2027, 5, 10, 6, 0, tzinfo=UTC)  # after the demo applications were filed, before any trip
APPROVED = "KT-2027-000001"  # the demo's approved application: KT-N-KZ, 2027-07-10 to 2027-07-28, 4 members
DURING_TRIP = "2027-07-20T08:00:00+05:00"
PLANNED = ("KRK-HB-KZ", "NIB-HP")  # its planned checkpoints (passages on 13 and 27 July)
AMENDED_ON = date(2027, 5, 10)


class Clock:
    """The wall clock as the permit code reads it, pinned: Django's `timezone.now` and the `datetime.now(UTC)`
    of the modules that publish the trust list and verify. Tests move it with `clock.moment = ...`."""

    def __init__(self, monkeypatch, moment: datetime):
        self.moment = moment
        clock = self

        class PinnedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.moment.astimezone(tz or UTC)

        monkeypatch.setattr(timezone, "now", lambda: clock.moment)
        for module in (commands, permit_endpoints, checking):
            monkeypatch.setattr(module, "datetime", PinnedDatetime)


def demo_world(capture) -> Application:
    """The demo's people, one active key per authority, and its applications (the approval's signal runs)."""
    demo_people_load()
    demo_keys_load()
    with capture(execute=True):
        demo_applications_load()
    return Application.objects.get(reference=APPROVED)


def tengri(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the `tengri` command in this process (it uses the test database)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def qr_of(capsys, permit: Permit) -> str:
    code, out, _ = tengri(capsys, "permit", "qr", str(permit.id))
    assert code == 0
    return out.strip()


def live_permits(application: Application) -> list[Permit]:
    return list(application.permits.filter(revoked_at=None).select_related("member").order_by("member_id"))


def approve(capture, application: Application, officers: dict, authorities=None) -> None:
    """The officers approve (the current round) and the after-commit signals run."""
    for authority in authorities or application.required_authorities:
        with capture(execute=True):
            decision_record(actor=officers[authority], application=application, authority=authority, verdict="approve")
    application.refresh_from_db()


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


def demo_officers() -> dict:
    return {"KZ": demo_user("officer-kz"), "KG": demo_user("officer-kg")}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PublishedKey:
    """A key of our trust list as the independent implementation takes it (public part only)."""

    jwk: dict[str, Any]

    @property
    def country(self) -> str:
        return self.jwk["country"]

    @property
    def not_before(self) -> int:
        return self.jwk["nbf"]

    @property
    def expires(self) -> int:
        return self.jwk["exp"]

    def verifying_key(self) -> Any:
        return COSEKey.new({1: 1, -1: 6, -2: b64url_decode(self.jwk["x"]), 3: -8, 2: b64url_decode(self.jwk["kid"])})


def independent_trust(jwks: dict) -> list[PublishedKey]:
    return [PublishedKey(jwk) for jwk in jwks["keys"]]


def signature_kids(text: str) -> list[bytes]:
    """The kid of each signature of a permit, read straight from the wire (spec: COSE_Sign)."""
    message = cbor2.loads(zlib.decompress(base45.b45decode(text.removeprefix("TGP1:"))))
    assert message.tag == 98
    return [cbor2.loads(protected)[4] for protected, _, _ in message.value[3]]


def numeric(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp())


# --- Fixtures of this module --------------------------------------------------------------------------------


def kz_and_kg_keys(capsys) -> dict[str, SigningKey]:
    for authority in ("KZ", "KG"):
        assert tengri(capsys, "keys", "create", "--authority", authority, "--activate")[0] == 0
    return {key.authority: key for key in SigningKey.objects.filter(state=SigningKey.State.ACTIVE)}


def with_a_guide(operator) -> Application:
    """A submitted application of leader, a second guide and three climbers."""
    application = factories.application_complete(actor=operator)
    second = factories.guide(operator.account.company, grade="5B")
    surname, given_names = second.full_name.split(" ", 1)
    services.members_add(
        actor=operator,
        application=application,
        today=factories.TODAY,
        role=Member.Role.GUIDE,
        guide=second,
        mrz_text=factories.mrz(surname=surname, given_names=given_names, nationality="KAZ", sex="M"),
    )
    services.application_submit(actor=operator, application=application, today=factories.TODAY)
    application.refresh_from_db()
    return application


# --- Issuing on approval -------------------------------------------------------------------------------------


def test_final_approval_issues_one_permit_per_member_signed_by_both_authorities(
    operator, officers, clock, capsys, django_capture_on_commit_callbacks
):
    keys = kz_and_kg_keys(capsys)
    application = with_a_guide(operator)

    approve(django_capture_on_commit_callbacks, application, officers, ["KZ"])
    assert application.state == Application.State.UNDER_REVIEW
    assert not application.permits.exists()  # one approval of two issues nothing

    approve(django_capture_on_commit_callbacks, application, officers, ["KG"])
    assert application.state == Application.State.APPROVED
    permits = live_permits(application)
    members = list(application.members.filter(removed_at=None).order_by("id"))
    assert [permit.member for permit in permits] == members
    assert sorted(permit.member.role for permit in permits) == ["guide", "leader", "member", "member", "member"]
    assert len({permit.id for permit in permits}) == 5
    for permit in permits:
        assert set(permit.signed_by.all()) == {keys["KZ"], keys["KG"]}
        assert permit.review_round == 1
        assert sorted(signature_kids(qr_of(capsys, permit))) == sorted(bytes.fromhex(key.kid) for key in keys.values())


def test_the_claims_say_who_where_and_when_as_the_spec_has_them(
    operator, officers, clock, capsys, django_capture_on_commit_callbacks
):
    kz_and_kg_keys(capsys)
    application = with_a_guide(operator)
    approve(django_capture_on_commit_callbacks, application, officers)
    code, out, _ = tengri(capsys, "keys", "export-trust-list")
    assert code == 0
    trust = independent_trust(json.loads(out))
    start = factories.START  # passages at KRK-HB-KZ and NIB-HP on start+3 and start+17; the trip ends start+18

    for permit in live_permits(application):
        claims = independent.read(qr_of(capsys, permit), trust, now=numeric(DURING_TRIP))
        member = permit.member
        assert claims[1] == "KZKG"
        assert claims[7] == permit.id.bytes
        assert claims[6] == int(IN_SEASON.timestamp())
        assert claims[5] == int(datetime(2027, 7, 11, tzinfo=UTC).timestamp())  # from the day before the start
        assert claims[4] == int(datetime(2027, 8, 2, 23, 59, 59, tzinfo=UTC).timestamp())  # to 3 days after the end
        window = {"from": str(start + timedelta(days=2)), "to": str(start + timedelta(days=18))}
        assert claims[-70001] == {
            "v": 1,
            "ref": application.reference,
            "rte": "KT-N-KZ",
            "rol": member.role,
            "sn": member.surname,
            "gn": member.given_names,
            "dob": unseal(member.birth_date_sealed),
            "nat": member.nationality,
            "doc": unseal(member.document_number_sealed),
            "auth": ["KG", "KZ"],
            "pts": [{"cp": "KRK-HB-KZ", **window}, {"cp": "NIB-HP", **window}],
        }


def test_the_stored_qr_text_is_sealed(world, capsys):
    """The QR text carries the passport number and birth date: at rest it is sealed like the members' data."""
    for permit in live_permits(world):
        text = qr_of(capsys, permit)
        assert permit.qr_sealed != text and "TGP1:" not in permit.qr_sealed
        assert text.removeprefix("TGP1:")[:40] not in permit.qr_sealed


def test_issuing_again_issues_nothing(world, capsys, django_capture_on_commit_callbacks):
    before = {permit.id for permit in live_permits(world)}
    assert len(before) == 4

    assert permits_issue(application=world) == []
    with django_capture_on_commit_callbacks(execute=True):
        signals.application_approved.send(Application, application=world)

    assert {permit.id for permit in world.permits.all()} == before
    assert {permit.id for permit in live_permits(world)} == before


def test_without_an_active_key_nothing_is_issued_and_the_approval_stands(
    operator, officers, clock, capsys, caplog, django_capture_on_commit_callbacks
):
    # Through the services: the CLI's django.setup() would configure logging again and unhook caplog.
    key_activate(actor=None, kid=key_create(actor=None, authority="KZ").kid)
    kg = key_create(actor=None, authority="KG")  # created, never activated
    application = factories.application_submitted(actor=operator)

    approve(django_capture_on_commit_callbacks, application, officers)

    assert application.state == Application.State.APPROVED
    assert not Permit.objects.exists()
    assert any(record.levelname == "ERROR" and "KG" in record.getMessage() for record in caplog.records)

    # Once the KG administrator activates a key, issuing for the approved application goes through.
    assert tengri(capsys, "keys", "activate", kg.kid)[0] == 0
    issued = permits_issue(application=application)
    assert len(issued) == application.members.count() == 4


def test_a_retired_key_signs_no_more(world, officers, capsys, django_capture_on_commit_callbacks):
    kg = SigningKey.objects.get(authority="KG", state="active")
    assert tengri(capsys, "keys", "retire", kg.kid)[0] == 0
    application = factories.application_submitted(actor=factories.operator())

    approve(django_capture_on_commit_callbacks, application, officers)

    assert application.state == Application.State.APPROVED
    assert not application.permits.exists()


def test_what_a_key_signs_verifies_with_our_own_trust_list_however_long_the_key_has_been_active(
    world, clock, capsys, django_capture_on_commit_callbacks
):
    """The demo keys were activated in May 2027 and never rotated. Whatever the system issues three years on
    must verify with its own published trust list (or not be issued at all)."""
    clock.moment = datetime(2030, 5, 10, 6, 0, tzinfo=UTC)
    operator = factories.operator(factories.company(licence_valid_until=date(2031, 12, 31)))
    application = factories.application_submitted(actor=operator, start=date(2030, 7, 15), today=date(2030, 4, 1))

    approve(django_capture_on_commit_callbacks, application, factories.officers())

    assert application.state == Application.State.APPROVED
    for permit in live_permits(application):
        code, out, _ = tengri(capsys, "permit", "verify", "--qr", qr_of(capsys, permit), "--at", "2030-07-20T08:00Z")
        assert (code, out.split(":")[0]) == (0, "VALID"), out


def test_a_route_inside_kazakhstan_is_signed_by_kazakhstan_alone(
    operator, officers, clock, capsys, django_capture_on_commit_callbacks
):
    assert tengri(capsys, "keys", "create", "--authority", "KZ", "--activate")[0] == 0  # no KG key at all
    application = factories.application_within_kazakhstan(actor=operator)
    assert application.required_authorities == ["KZ"]

    approve(django_capture_on_commit_callbacks, application, officers)

    permits = live_permits(application)
    assert len(permits) == 3
    kz = SigningKey.objects.get(authority="KZ")
    for permit in permits:
        text = qr_of(capsys, permit)
        assert signature_kids(text) == [bytes.fromhex(kz.kid)]
        code, out, _ = tengri(capsys, "permit", "verify", "--qr", text, "--at", "2027-07-13T10:00:00+06:00")
        assert (code, out.split(":")[0]) == (0, "VALID")


# --- Revoking as the application changes -------------------------------------------------------------------------


def test_an_amendment_reapproved_issues_new_permits_with_new_ids_and_revokes_the_previous_round(
    world, capsys, django_capture_on_commit_callbacks
):
    first_round = live_permits(world)
    operator = demo_user("operator-kz")
    with django_capture_on_commit_callbacks(execute=True):
        services.members_add(
            actor=operator, application=world, today=AMENDED_ON, mrz_text=factories.mrz(surname="LATECOMER")
        )
    world.refresh_from_db()
    assert (world.state, world.review_round) == (Application.State.SUBMITTED, 2)

    approve(django_capture_on_commit_callbacks, world, demo_officers())

    second_round = live_permits(world)
    assert len(second_round) == 5 and {permit.review_round for permit in second_round} == {2}
    assert {permit.id for permit in second_round}.isdisjoint({permit.id for permit in first_round})
    assert "LATECOMER" in {permit.member.surname for permit in second_round}
    for permit in first_round:
        permit.refresh_from_db()
        assert permit.revoked_at is not None and "round 2" in permit.revoke_reason
    at = ("--at", DURING_TRIP, "--checkpoint", "KRK-HB-KZ")
    code, out, _ = tengri(capsys, "permit", "verify", "--qr", qr_of(capsys, first_round[0]), *at)
    assert (code, out.split(":")[0]) == (1, "REVOKED")
    code, out, _ = tengri(capsys, "permit", "verify", "--qr", qr_of(capsys, second_round[0]), *at)
    assert (code, out.split(":")[0]) == (0, "VALID")


def test_a_removed_member_loses_the_permit_at_once_and_gets_none_at_reapproval(
    world, django_capture_on_commit_callbacks
):
    first_round = live_permits(world)
    leaving = first_round[-1].member
    operator = demo_user("operator-kz")
    with django_capture_on_commit_callbacks(execute=True):
        services.member_remove(
            actor=operator, application=world, member_id=leaving.pk, today=AMENDED_ON, reason="broke a leg"
        )

    assert [permit.member for permit in live_permits(world)] == [permit.member for permit in first_round[:-1]]
    revoked = Permit.objects.get(member=leaving)
    assert revoked.revoked_at is not None and revoked.revoke_reason

    approve(django_capture_on_commit_callbacks, world, demo_officers())
    assert leaving not in {permit.member for permit in live_permits(world)}
    assert len(live_permits(world)) == 3


def test_a_withdrawn_application_revokes_every_permit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(actor=demo_user("operator-kz"), application=world, reason="the group cancelled")

    assert world.permits.count() == 4
    assert live_permits(world) == []


def test_a_rejected_amendment_revokes_every_permit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.application_update(
            actor=demo_user("operator-kz"), application=world, today=AMENDED_ON, insurance_policy="NEW-1"
        )
    assert len(live_permits(world)) == 4  # the group keeps its permits while the amendment is reviewed

    with django_capture_on_commit_callbacks(execute=True):
        decision_record(actor=demo_officers()["KZ"], application=world, authority="KZ", verdict="reject", reason="no")

    assert world.permits.count() == 4
    assert live_permits(world) == []


def test_a_closed_trip_keeps_its_permits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.application_close(actor=None, application=world, reason="back home")

    assert len(live_permits(world)) == 4


# --- Interoperability ---------------------------------------------------------------------------------------------


def test_the_independent_implementation_verifies_our_permits_with_our_published_trust_list(world, client, capsys):
    trust = independent_trust(client.get("/api/v1/trust-list").json())
    assert {key.country for key in trust} == {"KZ", "KG"}

    for permit in live_permits(world):
        claims = independent.read(qr_of(capsys, permit), trust, now=numeric(DURING_TRIP))
        assert claims[7] == permit.id.bytes
        assert (claims[-70001]["sn"], claims[-70001]["gn"]) == (permit.member.surname, permit.member.given_names)

    # The same verifier refuses them when the trust list lacks KG's key.
    with pytest.raises(independent.Refused, match="KG"):
        independent.read(
            qr_of(capsys, live_permits(world)[0]),
            [key for key in trust if key.country == "KZ"],
            now=numeric(DURING_TRIP),
        )
