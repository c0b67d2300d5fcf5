"""The demo season's people and applications (`tengri demo`): every state once, and loading twice adds nothing."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from tengri.accounts.models import Account, Company
from tengri.approvals.models import Decision
from tengri.core.audit import audit_verify
from tengri.expeditions.demo import PASSWORD, demo_applications_load, demo_people_load
from tengri.expeditions.models import Application, Guide, Member

State = Application.State


@pytest.fixture
def demo(demo_season):
    logins = demo_people_load()
    created = demo_applications_load()
    return logins, created


def test_the_demo_has_an_application_in_every_state_but_closed(demo):
    _, created = demo
    states = Counter(Application.objects.values_list("state", flat=True))
    assert created == 7 == sum(states.values())
    assert set(states) == {
        State.APPROVED,
        State.UNDER_REVIEW,
        State.SUBMITTED,
        State.CHANGES_REQUESTED,
        State.REJECTED,
        State.DRAFT,
        State.WITHDRAWN,
    }


def test_the_demo_applications_are_consistent_with_their_decisions(demo):
    for application in Application.objects.exclude(state=State.DRAFT):
        verdicts = dict(
            Decision.objects.filter(application=application, review_round=application.review_round).values_list(
                "authority", "verdict"
            )
        )
        expected = {
            State.APPROVED: {"KZ": "approve", "KG": "approve"},
            State.UNDER_REVIEW: {"KZ": "approve"},
            State.SUBMITTED: {},
            State.WITHDRAWN: {},
        }.get(application.state)
        if expected is not None:
            assert verdicts == expected, application.reference
        elif application.state == State.REJECTED:
            assert "reject" in verdicts.values() and application.closed_at is not None
        else:
            assert list(verdicts.values()) == ["request_changes"]
        assert application.review_round == 1
        assert not [finding for finding in application.findings if finding["severity"] == "blocking"]
        assert application.members.filter(role=Member.Role.LEADER, guide__isnull=False).count() == 1
    assert audit_verify() == []


def test_loading_the_demo_twice_creates_nothing_new(demo):
    counts = (
        Application.objects.count(),
        Member.objects.count(),
        Decision.objects.count(),
        Company.objects.count(),
        Account.objects.count(),
        Guide.objects.count(),
        get_user_model().objects.count(),
    )

    demo_people_load()
    assert demo_applications_load() == 0

    assert (
        Application.objects.count(),
        Member.objects.count(),
        Decision.objects.count(),
        Company.objects.count(),
        Account.objects.count(),
        Guide.objects.count(),
        get_user_model().objects.count(),
    ) == counts


def test_the_demo_logins_work(demo, client):
    logins, _ = demo
    assert {password for _, password, _ in logins} == {PASSWORD}
    for username, password, _ in logins:
        assert client.login(username=username, password=password), username
