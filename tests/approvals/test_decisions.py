"""Decisions of the border authorities: how the verdicts move an application, review rounds, refusals,
the mail that follows each decision after commit, and the working-day calendar behind lead times."""

from datetime import date

import pytest
from django.core import mail

from tengri.approvals.models import Decision
from tengri.approvals.services import decision_record
from tengri.core.audit import audit_verify
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tengri.core.workdays import is_working_day, working_days_between
from tengri.expeditions import services, signals
from tengri.expeditions.models import Application
from tengri.expeditions.selectors import review_queue
from tests import factories
from tests.factories import TODAY

State = Application.State


@pytest.fixture
def submitted(operator):
    return factories.application_submitted(actor=operator)


def decide(officers, application, authority, verdict, reason=""):
    decision = decision_record(
        actor=officers[authority], application=application, authority=authority, verdict=verdict, reason=reason
    )
    application.refresh_from_db()
    return decision


# --- Verdicts and states --------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("KZ", "KG"), ("KG", "KZ")])
def test_one_approval_puts_it_under_review_and_both_approve_it(submitted, officers, first, second):
    assert submitted.required_authorities == ["KZ", "KG"]

    decide(officers, submitted, first, "approve")
    assert (submitted.state, submitted.decided_at) == (State.UNDER_REVIEW, None)

    decide(officers, submitted, second, "approve")
    assert submitted.state == State.APPROVED
    assert submitted.decided_at is not None and submitted.closed_at is None
    assert Decision.objects.filter(application=submitted, review_round=1, verdict="approve").count() == 2


@pytest.mark.parametrize(
    ("before", "rejecting"),
    [({}, "KZ"), ({}, "KG"), ({"KZ": "approve"}, "KG"), ({"KG": "approve"}, "KZ")],
    ids=["KZ-first", "KG-first", "KZ-approved-then-KG-rejects", "KG-approved-then-KZ-rejects"],
)
def test_any_rejection_rejects_and_closes_the_file(submitted, officers, before, rejecting):
    for authority, verdict in before.items():
        decide(officers, submitted, authority, verdict)

    decide(officers, submitted, rejecting, "reject", reason="no rescue cover for this grade")

    assert submitted.state == State.REJECTED
    assert submitted.closed_at is not None and submitted.decided_at is not None
    other = ({"KZ", "KG"} - {rejecting}).pop()
    if other not in before:
        with pytest.raises(InvalidTransition, match="nothing to decide"):
            decide(officers, submitted, other, "approve")
    assert Decision.objects.filter(application=submitted).count() == len(before) + 1


def test_changes_requested_then_resubmitted_opens_a_round_where_earlier_decisions_do_not_count(
    operator, submitted, officers
):
    decide(officers, submitted, "KZ", "approve")
    decide(officers, submitted, "KG", "request_changes", reason="add a second guide for the north route")
    assert submitted.state == State.CHANGES_REQUESTED and submitted.closed_at is None

    services.members_add(actor=operator, application=submitted, today=TODAY, mrz_text=factories.mrz())
    services.application_submit(actor=operator, application=submitted, today=TODAY)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.review_round) == (State.SUBMITTED, 2)
    assert [application.pk for application in review_queue(authority="KZ")] == [submitted.pk]

    decide(officers, submitted, "KG", "approve")
    assert submitted.state == State.UNDER_REVIEW  # KZ approved round 1 only

    decide(officers, submitted, "KZ", "approve")
    assert submitted.state == State.APPROVED
    rounds = Decision.objects.filter(application=submitted).values_list("review_round", "authority", "verdict")
    assert sorted(rounds) == [
        (1, "KG", "request_changes"),
        (1, "KZ", "approve"),
        (2, "KG", "approve"),
        (2, "KZ", "approve"),
    ]


def test_the_review_queue_holds_what_each_authority_has_still_to_decide(submitted, officers):
    assert [application.pk for application in review_queue(authority="KZ")] == [submitted.pk]
    decide(officers, submitted, "KZ", "approve")
    assert review_queue(authority="KZ") == []
    assert [application.pk for application in review_queue(authority="KG")] == [submitted.pk]


# --- Refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", ["reject", "request_changes"])
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_rejecting_or_asking_for_changes_needs_a_reason(submitted, officers, verdict, reason):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="reason"):
        decide(officers, submitted, "KZ", verdict, reason=reason)
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    assert not Decision.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_an_unknown_verdict_is_invalid_input(submitted, officers):
    with pytest.raises(InvalidInput, match="verdict"):
        decide(officers, submitted, "KZ", "maybe", reason="thinking")
    assert not Decision.objects.exists()


def test_an_authority_whose_territory_the_route_does_not_enter_cannot_decide(operator, officers):
    application = factories.application_within_kazakhstan(actor=operator)
    assert application.required_authorities == ["KZ"]

    with pytest.raises(InvalidTransition, match="does not decide"):
        decide(officers, application, "KG", "approve")
    assert not Decision.objects.exists()

    decide(officers, application, "KZ", "approve")
    assert application.state == State.APPROVED


@pytest.mark.parametrize("second_verdict", ["approve", "reject"])
def test_an_authority_decides_once_a_round(submitted, officers, second_verdict):
    decide(officers, submitted, "KZ", "approve")
    with pytest.raises(InvalidTransition, match="already decided"):
        decide(officers, submitted, "KZ", second_verdict, reason="changed my mind")
    submitted.refresh_from_db()
    assert submitted.state == State.UNDER_REVIEW
    assert Decision.objects.count() == 1


def test_a_draft_cannot_be_decided(operator, officers):
    draft = factories.application_complete(actor=operator)
    with pytest.raises(InvalidTransition, match="nothing to decide"):
        decide(officers, draft, "KZ", "approve")


def test_decisions_are_audited_with_authority_round_and_outcome(submitted, officers):
    decide(officers, submitted, "KG", "approve")
    decide(officers, submitted, "KZ", "reject", reason="avalanche warning for the week")
    entries = AuditEntry.objects.filter(action__startswith="application.decision.").order_by("sequence")
    assert [(entry.action, entry.actor_id, entry.data) for entry in entries] == [
        ("application.decision.approve", officers["KG"].pk, {"authority": "KG", "round": 1, "state": "under_review"}),
        ("application.decision.reject", officers["KZ"].pk, {"authority": "KZ", "round": 1, "state": "rejected"}),
    ]
    assert entries.last().reason == "avalanche warning for the week"
    assert audit_verify() == []


# --- Mail and signals after commit ----------------------------------------------------------------------


def test_the_operator_is_mailed_after_each_decision_once_it_commits(
    operator, submitted, officers, django_capture_on_commit_callbacks
):
    company_mail = operator.account.company.email
    for authority, verdict, reason in [("KZ", "approve", ""), ("KG", "reject", "the KG border zone is closed")]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            decide(officers, submitted, authority, verdict, reason=reason)
            assert mail.outbox == []
        [message] = mail.outbox
        assert sorted(message.to) == sorted([operator.email, company_mail])
        assert submitted.reference in message.subject and authority in message.subject
        assert reason in message.body
    assert "rejected" in mail.outbox[0].body


def test_a_decision_refused_mails_nobody(submitted, officers, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidInput):
        decide(officers, submitted, "KZ", "reject")
    assert callbacks == [] and mail.outbox == []


def test_officers_of_the_required_authorities_are_mailed_on_submit(
    operator, officers, django_capture_on_commit_callbacks
):
    bystanders = [
        factories.user(Role.CHECKPOINT_OFFICER, country="KZ"),
        factories.user(Role.RESCUE_OFFICER, country="KG"),
        factories.user(Role.ANALYST),
        factories.operator(operator.account.company),
    ]
    no_mail = factories.user(Role.BORDER_OFFICER, country="KG", email="")
    application = factories.application_complete(actor=operator)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=operator, application=application, today=TODAY)
        assert mail.outbox == []

    [message] = mail.outbox
    recipients = set(message.to)
    assert {officers["KZ"].email, officers["KG"].email} <= recipients
    assert not recipients & {user.email for user in bystanders}
    assert "" not in recipients and no_mail.email == ""
    assert application.reference in message.subject


def test_only_kz_officers_are_mailed_for_a_route_within_kazakhstan(
    operator, officers, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        factories.application_within_kazakhstan(actor=operator)
    [message] = [message for message in mail.outbox if "awaits your decision" in message.subject]
    assert message.to == [officers["KZ"].email]


def test_final_approval_signals_after_commit(submitted, officers, django_capture_on_commit_callbacks):
    approved = []

    def receiver(sender, application, **kwargs):
        approved.append(application.pk)

    signals.application_approved.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decide(officers, submitted, "KZ", "approve")
        assert approved == []
        with django_capture_on_commit_callbacks(execute=True):
            decide(officers, submitted, "KG", "approve")
            assert approved == []
    finally:
        signals.application_approved.disconnect(receiver)
    assert approved == [submitted.pk]


# --- Working days ----------------------------------------------------------------------------------------


def test_capital_day_is_a_holiday_in_kazakhstan_only():
    capital_day = date(2027, 7, 6)  # a Tuesday
    assert not is_working_day("KZ", capital_day)
    assert is_working_day("KG", capital_day)
    assert not is_working_day("KG", date(2027, 8, 31))  # Kyrgyz Independence Day, a Tuesday
    assert is_working_day("KZ", date(2027, 8, 31))


@pytest.mark.parametrize(
    ("first", "last", "kz", "kg"),
    [
        (date(2027, 7, 2), date(2027, 7, 14), 6, 7),  # Mon 5 - Tue 13 July: 7 weekdays, one is Capital Day
        (date(2027, 7, 1), date(2027, 7, 14), 7, 8),  # and Friday 2 July
        (date(2027, 7, 5), date(2027, 7, 7), 0, 1),  # only Tuesday 6 July lies between
        (date(2027, 7, 6), date(2027, 7, 7), 0, 0),  # neither end counts
        (date(2027, 7, 9), date(2027, 7, 12), 0, 0),  # a weekend
        (date(2027, 7, 14), date(2027, 7, 14), 0, 0),
    ],
)
def test_working_days_between_counts_the_days_strictly_between_less_weekends_and_holidays(first, last, kz, kg):
    assert (working_days_between("KZ", first, last), working_days_between("KG", first, last)) == (kz, kg)


def test_working_days_across_new_year_use_each_years_holidays():
    # 31 Dec 2026 (Thu) to 8 Jan 2027 (Fri): KZ rests 1, 2 (Sat), 4 (observed) and 7 Jan; KG 1-7 Jan.
    assert working_days_between("KZ", date(2026, 12, 31), date(2027, 1, 8)) == 2  # 5 and 6 January
    assert working_days_between("KG", date(2026, 12, 31), date(2027, 1, 8)) == 0
