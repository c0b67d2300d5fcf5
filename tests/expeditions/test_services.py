"""Writes to applications through the services: references, dates, members from MRZ, the pre-screen at
submission, transitions, amendments of approved applications, the audit trail and sealed personal data."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection

from tengri.approvals.services import decision_record
from tengri.core.audit import audit_verify
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.expeditions import services, signals
from tengri.expeditions.models import Application, ItineraryDay, Member, ReferenceCounter
from tengri.expeditions.prescreen import Finding
from tengri.expeditions.selectors import member_documents
from tengri.registry.models import Checkpoint, Route
from tests import factories
from tests.factories import START, TODAY

State = Application.State


def stored_findings(application: Application, severity: str | None = None) -> dict[str, list[dict]]:
    application.refresh_from_db()
    found: dict[str, list[dict]] = {}
    for finding in application.findings:
        if severity is None or finding["severity"] == severity:
            found.setdefault(finding["code"], []).append(finding)
    return found


def audit_actions(application: Application) -> list[str]:
    entries = AuditEntry.objects.filter(subject_type="expeditions.application", subject_id=str(application.pk))
    return list(entries.order_by("sequence").values_list("action", flat=True))


def corrupt_birth_check_digit(mrz_text: str) -> str:
    line1, line2 = mrz_text.splitlines()
    digit = str((int(line2[19]) + 1) % 10)
    return f"{line1}\n{line2[:19]}{digit}{line2[20:]}"


def iin(birth: str, century_and_sex: str, serial: str) -> str:
    """A Kazakh IIN with its check digit, computed here from the published rule (not by the code under test)."""
    first = [int(character) for character in birth + century_and_sex + serial]
    for weights in (range(1, 12), [*range(3, 12), 1, 2]):
        remainder = sum(digit * weight for digit, weight in zip(first, weights, strict=True)) % 11
        if remainder != 10:
            return birth + century_and_sex + serial + str(remainder)
    raise AssertionError("choose another serial: this IIN is never issued")


# --- References and dates -------------------------------------------------------------------------------


def test_references_are_kt_year_six_digits_and_increase_per_start_year(operator):
    references = [factories.application_draft(actor=operator).reference for _ in range(3)]
    next_year = factories.application_draft(actor=operator, start=date(2028, 7, 10)).reference

    assert all(re.fullmatch(r"KT-\d{4}-\d{6}", reference) for reference in [*references, next_year])
    assert references == ["KT-2027-000001", "KT-2027-000002", "KT-2027-000003"]
    assert next_year == "KT-2028-000001"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2027, 7, 20), date(2027, 7, 10), "ends"),
        (TODAY - timedelta(days=1), START, "past"),
    ],
    ids=["reversed", "start-in-the-past"],
)
def test_bad_dates_are_refused_and_nothing_is_saved(operator, start, end, message):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match=message):
        services.application_create(
            actor=operator,
            company=operator.account.company,
            route=Route.objects.get(code="KT-N-KZ"),
            start_date=start,
            end_date=end,
            today=TODAY,
        )
    assert Application.objects.count() == 0
    assert not ReferenceCounter.objects.filter(last__gt=0).exists()
    assert AuditEntry.objects.count() == audit_before


def test_reversing_the_dates_of_a_draft_is_refused_and_changes_nothing(operator):
    application = factories.application_complete(actor=operator)
    nights, audit_before = ItineraryDay.objects.filter(application=application).count(), AuditEntry.objects.count()

    with pytest.raises(InvalidInput, match="ends"):
        services.application_update(
            actor=operator, application=application, today=TODAY, end_date=application.start_date - timedelta(days=1)
        )

    stored = Application.objects.get(pk=application.pk)
    assert (stored.start_date, stored.end_date) == (application.start_date, application.end_date)
    assert ItineraryDay.objects.filter(application=application).count() == nights == 18
    assert AuditEntry.objects.count() == audit_before


# --- Members from passports -----------------------------------------------------------------------------


def test_one_bad_passport_among_three_adds_none_and_the_error_names_it(operator):
    application = factories.application_draft(actor=operator)
    first, second, third = (factories.mrz() for _ in range(3))
    audit_before = AuditEntry.objects.count()

    with pytest.raises(InvalidInput) as error:
        services.members_add(
            actor=operator,
            application=application,
            today=TODAY,
            mrz_text="\n".join([first, corrupt_birth_check_digit(second), third]),
        )

    assert application.members.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert error.value.passport == 2 and error.value.field == "birth_date_check_digit"
    assert "passport 2" in str(error.value) and "birth date" in str(error.value)


def test_the_same_passport_twice_in_one_paste_is_refused(operator):
    application = factories.application_draft(actor=operator)
    passport = factories.mrz()
    with pytest.raises(InvalidInput, match="twice"):
        services.members_add(
            actor=operator, application=application, today=TODAY, mrz_text=f"{passport}\n{factories.mrz()}\n{passport}"
        )
    assert application.members.count() == 0


def test_a_passport_already_in_the_group_is_refused(operator):
    application = factories.application_draft(actor=operator)
    passport = factories.mrz()
    services.members_add(actor=operator, application=application, today=TODAY, mrz_text=passport)
    with pytest.raises(InvalidInput, match="already in this group"):
        services.members_add(
            actor=operator, application=application, today=TODAY, mrz_text=f"{factories.mrz()}\n{passport}"
        )
    assert application.members.count() == 1


@pytest.mark.parametrize(
    ("surname", "given_names", "typed"),
    [
        ("ZHUMABEKOV", "ASKAR", "Жұмабеков Асқар"),  # Kazakh letters
        ("ZHUMABEKOV", "ASKAR", "Асқар Жумабеков"),  # given name first, Russian spelling
        ("USENBAEV", "BAKYT", "Үсөнбаев Бакыт"),  # Kyrgyz Ө spelled as the russified E
        ("IVANOVA", "IULIIA", "Иванова Юлия Петровна"),  # ICAO spelling; a patronymic is not in the MRZ
    ],
)
def test_a_typed_cyrillic_name_that_matches_the_passport_is_accepted(operator, surname, given_names, typed):
    application = factories.application_draft(actor=operator)
    [member] = services.members_add(
        actor=operator,
        application=application,
        today=TODAY,
        typed_name=typed,
        mrz_text=factories.mrz(surname=surname, given_names=given_names),
    )
    member.refresh_from_db()
    assert (member.surname, member.given_names, member.typed_name) == (surname, given_names, typed)


@pytest.mark.parametrize(
    ("surname", "given_names", "typed"),
    [
        ("ZHUMABEKOV", "ASKAR", "Жумабаев Аскар"),
        ("IVANOVA", "IULIIA", "Иванова Мария"),
        ("ZHUMABEKOV", "ASKAR", "Жумабеков"),
    ],
)
def test_a_typed_name_that_does_not_match_the_passport_is_refused(operator, surname, given_names, typed):
    application = factories.application_draft(actor=operator)
    with pytest.raises(InvalidInput, match="does not match the passport"):
        services.members_add(
            actor=operator,
            application=application,
            today=TODAY,
            typed_name=typed,
            mrz_text=factories.mrz(surname=surname, given_names=given_names),
        )
    assert application.members.count() == 0


def test_a_valid_iin_is_accepted_and_sealed(operator):
    application = factories.application_draft(actor=operator)
    number = iin("850314", "3", "0042")
    [member] = services.members_add(
        actor=operator,
        application=application,
        today=TODAY,
        iin=number,
        mrz_text=factories.mrz(birth_date=date(1985, 3, 14), sex="M"),
    )
    member.refresh_from_db()
    assert member.iin_sealed and number not in member.iin_sealed


@pytest.mark.parametrize(
    ("typed_iin", "field"),
    [
        ("85031430042", "iin_format"),
        ("ABCDEFGHIJKL", "iin_format"),
        ("wrong-check", "iin_check_digit"),
        ("other-birth", "iin_birth_date_mismatch"),
        ("other-sex", "iin_sex_mismatch"),
    ],
)
def test_a_bad_iin_is_refused_and_nothing_is_added(operator, typed_iin, field):
    good = iin("850314", "3", "0042")
    typed_iin = {
        "wrong-check": good[:11] + str((int(good[11]) + 1) % 10),
        "other-birth": iin("850315", "3", "0042"),
        "other-sex": iin("850314", "4", "0042"),
    }.get(typed_iin, typed_iin)
    application = factories.application_draft(actor=operator)
    with pytest.raises(InvalidInput) as error:
        services.members_add(
            actor=operator,
            application=application,
            today=TODAY,
            iin=typed_iin,
            mrz_text=factories.mrz(birth_date=date(1985, 3, 14), sex="M"),
        )
    assert error.value.field == field
    assert application.members.count() == 0


def test_a_typed_name_iin_or_guide_needs_a_single_passport(operator):
    application = factories.application_draft(actor=operator)
    with pytest.raises(InvalidInput, match="one MRZ at a time"):
        services.members_add(
            actor=operator, application=application, today=TODAY, typed_name="Анна", mrz_text=factories.climbers_mrz(2)
        )
    assert application.members.count() == 0


def test_a_guide_of_another_company_is_refused(operator):
    application = factories.application_draft(actor=operator)
    stranger = factories.guide(factories.company(country="KG"))
    with pytest.raises(InvalidInput, match="another company"):
        services.members_add(
            actor=operator,
            application=application,
            today=TODAY,
            role=Member.Role.LEADER,
            guide=stranger,
            mrz_text=factories.mrz(),
        )
    assert application.members.count() == 0


def _night_on_another_route(start):
    return {start: "south-inylchek-bc"}, []


def _night_after_the_trip(start):
    return {start + timedelta(days=18): "north-inylchek-bc"}, []


def _passage_before_the_trip(start):
    return {}, [(start - timedelta(days=1), "KRK-HB-KZ", "in")]


def _unknown_checkpoint(start):
    return {}, [(start, "NOWHERE", "in")]


def _sideways(start):
    return {}, [(start, "KRK-HB-KZ", "across")]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (_night_on_another_route, "not a place on route KT-N-KZ"),
        (_night_after_the_trip, "outside the trip"),
        (_passage_before_the_trip, "outside the trip"),
        (_unknown_checkpoint, "unknown checkpoint"),
        (_sideways, "direction"),
    ],
)
def test_a_bad_itinerary_is_refused_and_the_old_one_is_kept(operator, plan, message):
    application = factories.application_complete(actor=operator)
    nights, passages = plan(application.start_date)
    before = (list(application.itinerary.values_list("date", "sleeping_place")), application.passages.count())

    with pytest.raises(InvalidInput, match=message):
        services.itinerary_set(actor=operator, application=application, today=TODAY, nights=nights, passages=passages)

    assert (list(application.itinerary.values_list("date", "sleeping_place")), application.passages.count()) == before
    assert before[1] == 4


def test_an_unknown_field_is_refused(operator):
    application = factories.application_draft(actor=operator)
    with pytest.raises(InvalidInput, match="unknown field"):
        services.application_update(actor=operator, application=application, today=TODAY, route="SRB-TREK")


# --- The pre-screen at submission -----------------------------------------------------------------------


def test_a_complete_application_submits_despite_its_warnings(operator):
    application = factories.application_complete(actor=operator)
    warnings = stored_findings(application, "warning")
    assert any(code.startswith("acclimatisation.") for code in warnings)
    assert stored_findings(application, "blocking") == {}

    services.application_submit(actor=operator, application=application, today=TODAY)

    application.refresh_from_db()
    assert (application.state, application.review_round) == (State.SUBMITTED, 1)
    assert application.submitted_at is not None


def _without_insurance(operator):
    application = factories.application_complete(actor=operator)
    services.application_update(actor=operator, application=application, today=TODAY, insurance_policy="")
    return application


def _without_emergency_contact(operator):
    application = factories.application_complete(actor=operator)
    services.application_update(actor=operator, application=application, today=TODAY, emergency_contact_phone=" ")
    return application


def _leader_alone(operator):
    return factories.application_complete(actor=operator, climbers=0)


def _guide_not_qualified(operator):
    leader = factories.guide(operator.account.company, grade="3B")
    return factories.application_complete(actor=operator, leader=leader)


def _passport_expires_a_day_too_soon(operator):
    application = factories.application_complete(actor=operator)
    # The trip ends on 30 July 2027: the passport must be valid through 30 January 2028.
    assert application.end_date == date(2027, 7, 30)
    services.members_add(
        actor=operator, application=application, today=TODAY, mrz_text=factories.mrz(expiry_date=date(2028, 1, 29))
    )
    return application


def _exit_after_the_checkpoint_season(operator):
    # The helipad closes on 20 July; the group flies out of North Inylchek on 29 July.
    Checkpoint.objects.filter(code="NIB-HP").update(season_closes="07-20")
    return factories.application_complete(actor=operator)


def _no_itinerary(operator):
    application = factories.application_complete(actor=operator)
    services.itinerary_set(actor=operator, application=application, today=TODAY, nights={}, passages=[])
    return application


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_without_insurance, "application.no_insurance"),
        (_without_emergency_contact, "application.no_emergency_contact"),
        (_leader_alone, "group.size"),
        (_guide_not_qualified, "guide.none_qualified"),
        (_passport_expires_a_day_too_soon, "passport.expires_too_soon"),
        (_exit_after_the_checkpoint_season, "passage.out_of_season"),
        (_no_itinerary, "itinerary.nights_missing"),
        (_no_itinerary, "passages.entry_and_exit_needed"),
    ],
)
def test_each_blocking_finding_prevents_submission(operator, make, code):
    application = make(operator)
    [finding, *_] = stored_findings(application, "blocking")[code]

    with pytest.raises(InvalidTransition, match="pre-screen blocks") as error:
        services.application_submit(actor=operator, application=application, today=TODAY)

    assert Finding(finding["code"], finding["severity"], finding["params"]).message in str(error.value)
    application.refresh_from_db()
    assert (application.state, application.review_round, application.submitted_at) == (State.DRAFT, 0, None)
    assert "application.submit" not in audit_actions(application)


def test_a_passport_valid_exactly_six_months_after_the_trip_is_enough(operator):
    application = factories.application_complete(actor=operator)
    services.members_add(
        actor=operator, application=application, today=TODAY, mrz_text=factories.mrz(expiry_date=date(2028, 1, 30))
    )
    assert "passport.expires_too_soon" not in stored_findings(application)
    services.application_submit(actor=operator, application=application, today=TODAY)


def test_lead_time_counts_working_days_and_kz_capital_day_is_not_one(operator):
    """Start Wed 14 July 2027. Filed Fri 2 July, the working days before it are 5-13 July less the
    weekend: 7 for KG, but 6 for KZ, where 6 July is Capital Day; KZ needs 7. Filed a day earlier, both suffice."""
    application = factories.application_complete(actor=operator, start=date(2027, 7, 14))

    with pytest.raises(InvalidTransition) as error:
        services.application_submit(actor=operator, application=application, today=date(2027, 7, 2))
    kz_short = Finding("lead_time.too_short", "blocking", {"authority": "KZ", "needed": 7, "available": 6})
    assert kz_short.message in str(error.value)
    assert "The KG authority" not in str(error.value)

    services.application_submit(actor=operator, application=application, today=date(2027, 7, 1))
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_a_refused_submission_leaves_the_findings_that_blocked_it_on_the_application(operator):
    """The pre-screen runs again on submit: what it found must be what the operator's findings panel shows."""
    application = factories.application_complete(actor=operator, start=date(2027, 7, 14))

    with pytest.raises(InvalidTransition):
        services.application_submit(actor=operator, application=application, today=date(2027, 7, 2))

    lead_time = stored_findings(application, "blocking").get("lead_time.too_short", [])
    assert [finding["params"] for finding in lead_time] == [{"authority": "KZ", "needed": 7, "available": 6}]


def test_a_member_on_an_overlapping_approved_application_blocks_and_on_a_pending_one_warns(operator, officers):
    shared = factories.mrz(surname="TWICE", given_names="BOOKED")
    booked = factories.application_complete(actor=operator, start=START + timedelta(days=2))
    services.members_add(actor=operator, application=booked, today=TODAY, mrz_text=shared)
    services.application_submit(actor=operator, application=booked, today=TODAY)

    pending = factories.application_complete(actor=operator, start=START + timedelta(days=5))
    services.members_add(actor=operator, application=pending, today=TODAY, mrz_text=shared)
    warning = stored_findings(pending, "warning")["member.on_overlapping_pending"]
    assert [finding["params"] for finding in warning] == [{"member": "TWICE BOOKED", "reference": booked.reference}]
    services.application_submit(actor=operator, application=pending, today=TODAY)  # a warning does not block

    decide_all(booked, officers)
    clash = factories.application_complete(actor=operator, start=START + timedelta(days=1))
    services.members_add(actor=operator, application=clash, today=TODAY, mrz_text=shared)
    blocking = stored_findings(clash, "blocking")["member.on_overlapping_approved"]
    assert [finding["params"] for finding in blocking] == [{"member": "TWICE BOOKED", "reference": booked.reference}]
    with pytest.raises(InvalidTransition):
        services.application_submit(actor=operator, application=clash, today=TODAY)


# --- Transitions ----------------------------------------------------------------------------------------


def test_submitting_twice_is_an_invalid_transition(operator):
    application = factories.application_submitted(actor=operator)
    with pytest.raises(InvalidTransition, match="cannot be submitted"):
        services.application_submit(actor=operator, application=application, today=TODAY)
    application.refresh_from_db()
    assert application.review_round == 1


def test_withdrawing_twice_is_an_invalid_transition(operator):
    application = factories.application_submitted(actor=operator)
    services.application_withdraw(actor=operator, application=application, reason="the group cancelled")
    with pytest.raises(InvalidTransition, match="already"):
        services.application_withdraw(actor=operator, application=application, reason="again")
    assert audit_actions(application).count("application.withdraw") == 1


def test_a_draft_cannot_be_closed(operator):
    application = factories.application_complete(actor=operator)
    with pytest.raises(InvalidTransition, match="only an approved application"):
        services.application_close(actor=operator, application=application)
    application.refresh_from_db()
    assert (application.state, application.closed_at) == (State.DRAFT, None)


@pytest.mark.parametrize(
    "edit",
    [
        lambda operator, application: services.application_update(
            actor=operator, application=application, today=TODAY, insurance_policy="OTHER-1"
        ),
        lambda operator, application: services.itinerary_set(
            actor=operator, application=application, today=TODAY, nights={}, passages=[]
        ),
        lambda operator, application: services.members_add(
            actor=operator, application=application, today=TODAY, mrz_text=factories.mrz()
        ),
        lambda operator, application: services.member_remove(
            actor=operator, application=application, today=TODAY, member_id=application.members.last().pk
        ),
    ],
    ids=["update", "itinerary", "members_add", "member_remove"],
)
def test_a_submitted_application_cannot_be_edited(operator, edit):
    application = factories.application_submitted(actor=operator)
    before = (application.insurance_policy, application.itinerary.count(), application.members.count())
    audit_before = AuditEntry.objects.count()

    with pytest.raises(InvalidTransition, match="cannot be changed"):
        edit(operator, application)

    application.refresh_from_db()
    assert (application.insurance_policy, application.itinerary.count(), application.members.count()) == before
    assert not application.members.filter(removed_at__isnull=False).exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_needs_a_reason(operator, reason):
    application = factories.application_submitted(actor=operator)
    with pytest.raises(InvalidInput, match="why"):
        services.application_withdraw(actor=operator, application=application, reason=reason)
    application.refresh_from_db()
    assert (application.state, application.closed_at) == (State.SUBMITTED, None)


def test_withdrawing_closes_the_file_and_records_why(operator):
    application = factories.application_submitted(actor=operator)
    services.application_withdraw(actor=operator, application=application, reason="the group cancelled")
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN and application.closed_at is not None
    entry = AuditEntry.objects.get(action="application.withdraw")
    assert (entry.reason, entry.actor_id, entry.subject_id) == ("the group cancelled", operator.pk, str(application.pk))


def test_an_approved_trip_closes(operator, officers):
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    services.application_close(actor=operator, application=application, reason="back down")
    application.refresh_from_db()
    assert application.state == State.CLOSED and application.closed_at is not None
    with pytest.raises(InvalidTransition):
        services.application_close(actor=operator, application=application)


# --- Amendments of an approved application -----------------------------------------------------------


def decide_all(application: Application, officers: dict) -> list[str]:
    """Each required authority approves in turn; returns the state after each decision."""
    states = []
    for authority in application.required_authorities:
        decision_record(actor=officers[authority], application=application, authority=authority, verdict="approve")
        application.refresh_from_db()
        states.append(application.state)
    return states


def test_removing_a_member_after_approval_goes_back_to_every_authority(
    operator, officers, django_capture_on_commit_callbacks
):
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    member = application.members.filter(role=Member.Role.MEMBER).first()
    removed = []

    def receiver(sender, application, member, **kwargs):
        removed.append((application.pk, member.pk))

    signals.member_removed.connect(receiver)
    mail.outbox.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.member_remove(
                actor=operator, application=application, member_id=member.pk, today=TODAY, reason="knee injury"
            )
            assert removed == [] and mail.outbox == []  # nothing leaves before the commit
    finally:
        signals.member_removed.disconnect(receiver)

    assert removed == [(application.pk, member.pk)]
    assert {recipient for message in mail.outbox for recipient in message.to} == {
        officer.email for officer in officers.values()
    }
    application.refresh_from_db()
    assert (application.state, application.review_round) == (State.SUBMITTED, 2)
    assert audit_actions(application)[-2:] == ["application.member_remove", "application.amend"]
    assert decide_all(application, officers) == [State.UNDER_REVIEW, State.APPROVED]


def test_shortening_an_approved_trip_goes_straight_back_to_review(operator, officers):
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    services.application_update(
        actor=operator, application=application, today=TODAY, end_date=application.end_date - timedelta(days=1)
    )
    application.refresh_from_db()
    assert (application.state, application.review_round) == (State.SUBMITTED, 2)
    assert application.itinerary.count() == 17
    assert decide_all(application, officers) == [State.UNDER_REVIEW, State.APPROVED]


def test_moving_an_approved_trip_needs_a_new_itinerary_then_every_authority_again(operator, officers):
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    start = application.start_date + timedelta(days=7)
    nights, passages, end = factories.programme("KT-N-KZ", start)

    services.application_update(actor=operator, application=application, today=TODAY, start_date=start, end_date=end)
    application.refresh_from_db()
    # The nights of the old dates are gone: not reviewable until the operator plans the new ones.
    assert application.state == State.CHANGES_REQUESTED
    assert "itinerary.nights_missing" in stored_findings(application, "blocking")

    services.itinerary_set(actor=operator, application=application, today=TODAY, nights=nights, passages=passages)
    services.application_submit(actor=operator, application=application, today=TODAY)
    application.refresh_from_db()
    assert (application.state, application.review_round) == (State.SUBMITTED, 2)
    assert decide_all(application, officers) == [State.UNDER_REVIEW, State.APPROVED]


def test_a_member_removed_while_an_amendment_awaits_a_fix_still_loses_their_permit(
    operator, officers, django_capture_on_commit_callbacks
):
    """Approved (permits issued), then moved: the amendment waits for a new itinerary in changes requested.
    A member removed now held a permit from the approval; `member_removed` is what revokes it."""
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    services.application_update(
        actor=operator,
        application=application,
        today=TODAY,
        start_date=application.start_date + timedelta(days=7),
        end_date=application.end_date + timedelta(days=7),
    )
    application.refresh_from_db()
    assert application.state == State.CHANGES_REQUESTED
    member = application.members.filter(role=Member.Role.MEMBER).first()
    removed = []

    def receiver(sender, application, member, **kwargs):
        removed.append(member.pk)

    signals.member_removed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.member_remove(actor=operator, application=application, member_id=member.pk, today=TODAY)
    finally:
        signals.member_removed.disconnect(receiver)

    assert removed == [member.pk]


def test_an_amendment_sent_back_for_a_fix_is_not_held_to_the_lead_time(operator, officers):
    """The pre-screen says an amendment of an approved group is not a new filing (no lead time), and the
    services send an amendment that needs a fix back to the operator "to submit it as an amendment".
    Moving a trip approved long ago by a day, four days before it starts, must stay possible."""
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    today = application.start_date - timedelta(days=4)
    start = application.start_date + timedelta(days=1)
    nights, passages, end = factories.programme("KT-N-KZ", start)

    services.application_update(actor=operator, application=application, today=today, start_date=start, end_date=end)
    services.itinerary_set(actor=operator, application=application, today=today, nights=nights, passages=passages)
    services.application_submit(actor=operator, application=application, today=today)

    application.refresh_from_db()
    assert (application.state, application.review_round) == (State.SUBMITTED, 2)


# --- Audit trail ----------------------------------------------------------------------------------------


def test_every_state_change_is_audited_and_the_chain_verifies(operator, officers):
    application = factories.application_complete(actor=operator)
    services.application_submit(actor=operator, application=application, today=TODAY)
    decide_all(application, officers)
    member = application.members.filter(role=Member.Role.MEMBER).first()
    services.member_remove(actor=operator, application=application, member_id=member.pk, today=TODAY, reason="ill")
    services.application_withdraw(actor=operator, application=application, reason="the group cancelled")

    assert audit_actions(application) == [
        "application.create",
        "application.update",
        "application.itinerary",
        "application.members_add",
        "application.members_add",
        "application.submit",
        "application.decision.approve",
        "application.decision.approve",
        "application.member_remove",
        "application.amend",
        "application.withdraw",
    ]
    entries = AuditEntry.objects.filter(subject_type="expeditions.application", subject_id=str(application.pk))
    decisions = entries.filter(action="application.decision.approve").order_by("sequence")
    assert [entry.actor_id for entry in decisions] == [officers["KZ"].pk, officers["KG"].pk]
    assert {entry.actor_id for entry in entries.exclude(action="application.decision.approve")} == {operator.pk}
    assert audit_verify() == []


# --- Personal data at rest --------------------------------------------------------------------------------


def test_document_numbers_and_birth_dates_are_not_stored_in_plain(operator):
    application = factories.application_draft(actor=operator)
    number, birth, kz_iin = "N12345678", date(1985, 3, 14), iin("850314", "3", "0042")
    services.members_add(
        actor=operator,
        application=application,
        today=TODAY,
        iin=kz_iin,
        mrz_text=factories.mrz(number=number, birth_date=birth, sex="M"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM expeditions_member WHERE application_id = %s", [application.pk])
        [row] = cursor.fetchall()
    raw = " ".join(str(value) for value in row)
    for plain in (number, kz_iin, "850314", birth.isoformat(), "14.03.1985", "1985-03-14"):
        assert plain not in raw
    assert "ANNA" in raw  # the name is not sealed: the query did read the row


def test_member_documents_opens_the_seal_and_audits_the_fields_not_the_values(operator, officers):
    application = factories.application_draft(actor=operator)
    number, birth, kz_iin = "N12345678", date(1985, 3, 14), iin("850314", "3", "0042")
    services.members_add(
        actor=operator,
        application=application,
        today=TODAY,
        iin=kz_iin,
        mrz_text=factories.mrz(number=number, birth_date=birth, sex="M"),
    )
    officer = officers["KZ"]

    [opened] = member_documents(application, actor=officer, reason="border check at Karkara")

    assert (opened["document_number"], opened["birth_date"], opened["iin"]) == (number, birth, kz_iin)
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.actor_id, entry.reason) == ("personal_data.read", officer.pk, "border check at Karkara")
    assert (entry.subject_type, entry.subject_id) == ("expeditions.application", str(application.pk))
    assert entry.data == {"fields": ["birth_date", "document_number", "iin"]}
    contents = entry.canonical_contents().decode()
    assert all(value not in contents for value in (number, kz_iin, "850314", "1985-03-14"))


def test_member_documents_without_a_reason_is_refused_and_not_logged(operator, officers):
    application = factories.application_complete(actor=operator)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput):
        member_documents(application, actor=officers["KZ"], reason=" ")
    assert AuditEntry.objects.count() == audit_before


def test_no_audit_entry_holds_a_document_number(operator, officers):
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    numbers = [row["document_number"] for row in member_documents(application, actor=officers["KG"], reason="check")]
    log = " ".join(entry.canonical_contents().decode() for entry in AuditEntry.objects.all())
    assert numbers and not any(number in log for number in numbers)
