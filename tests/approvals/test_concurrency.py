"""Two officers deciding the same application at the same moment, on PostgreSQL, from two threads (each with
its own connection, as two web requests). `decision_record` locks the application row, so the second
decision sees the first: the outcome is the same in either order.

The control switches the row lock off and lets both officers read the application before either writes,
the interleaving the lock exists to prevent: then both approve and the application is left under review.
"""

import threading

import pytest
from django.db import connection
from django.db.models.query import QuerySet

from tengri.approvals import services as approvals
from tengri.approvals.models import Decision
from tengri.core.audit import audit_verify
from tengri.core.errors import InvalidTransition
from tengri.expeditions.models import Application
from tests import factories

pytestmark = pytest.mark.postgres
State = Application.State
ROUNDS = 20


@pytest.fixture
def people(transactional_db, on_postgres, demo_season):
    return factories.operator(), factories.officers()


def decide_at_once(application: Application, officers: dict, verdicts: dict[str, str]) -> dict[str, object]:
    """Each authority's officer decides in its own thread, all released together; returns what each got."""
    start = threading.Barrier(len(verdicts))
    outcomes: dict[str, object] = {}

    def officer_decides(authority: str, verdict: str) -> None:
        try:
            start.wait(timeout=10)
            approvals.decision_record(
                actor=officers[authority],
                application=application,
                authority=authority,
                verdict=verdict,
                reason="" if verdict == "approve" else "the glacier is closed this week",
            )
            outcomes[authority] = "decided"
        except Exception as error:
            outcomes[authority] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=officer_decides, args=item) for item in verdicts.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a decision hung"
    return outcomes


def test_two_approvals_at_the_same_moment_approve(people):
    operator, officers = people
    for _ in range(ROUNDS):
        application = factories.application_submitted(actor=operator)

        outcomes = decide_at_once(application, officers, {"KZ": "approve", "KG": "approve"})

        assert outcomes == {"KZ": "decided", "KG": "decided"}
        application.refresh_from_db()
        assert application.state == State.APPROVED
        assert Decision.objects.filter(application=application, review_round=1).count() == 2
    assert audit_verify() == []


def test_an_approval_and_a_rejection_at_the_same_moment_reject(people):
    operator, officers = people
    for _ in range(ROUNDS // 2):
        application = factories.application_submitted(actor=operator)

        outcomes = decide_at_once(application, officers, {"KZ": "approve", "KG": "reject"})

        application.refresh_from_db()
        assert application.state == State.REJECTED and application.closed_at is not None
        assert outcomes["KG"] == "decided"
        # Either KZ approved first, or it came second and found the application already rejected.
        assert outcomes["KZ"] == "decided" or isinstance(outcomes["KZ"], InvalidTransition)
        verdicts = set(Decision.objects.filter(application=application).values_list("authority", "verdict"))
        assert verdicts in ({("KZ", "approve"), ("KG", "reject")}, {("KG", "reject")})
    assert audit_verify() == []


def test_control_without_the_row_lock_two_approvals_leave_it_under_review(people, monkeypatch):
    operator, officers = people
    application = factories.application_submitted(actor=operator)
    both_have_read = threading.Barrier(2)
    check_decidable = approvals._check_decidable

    def check_then_wait_for_the_other(application, authority):
        check_decidable(application, authority)
        both_have_read.wait(timeout=10)

    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    monkeypatch.setattr(approvals, "_check_decidable", check_then_wait_for_the_other)

    outcomes = decide_at_once(application, officers, {"KZ": "approve", "KG": "approve"})

    assert outcomes == {"KZ": "decided", "KG": "decided"}
    application.refresh_from_db()
    assert Decision.objects.filter(application=application, review_round=1, verdict="approve").count() == 2
    assert application.state == State.UNDER_REVIEW  # every authority approved, yet it is not approved
