"""The rescue page reads its groups in a fixed number of queries: one overdue group and one alerted group
cost as many as five of each (a season's worst day must not make the page slow)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tengri.checkpoints.models import AlertAction, OverdueAlert
from tengri.core.roles import Role
from tests import factories
from tests.permits.test_issuing import Clock

# KT-N-KZ's demo programme (18 days) from these starts ends by 23 July: past planned exit and grace on 28 July.
OVERDUE_START = date(2027, 7, 1)
ALERTED_START = date(2027, 7, 29)  # not started on 28 July: only its alert brings it to the page
NOW = datetime(2027, 7, 28, 6, 0, tzinfo=UTC)


def groups(operator, officers, count: int, offset: int) -> None:
    """`count` overdue groups, and `count` groups that are not overdue but hold an open alert with an action."""
    for n in range(offset, offset + count):
        factories.application_approved(
            actor=operator, officers_by_authority=officers, start=OVERDUE_START + timedelta(days=n)
        )
        alerted = factories.application_approved(
            actor=operator, officers_by_authority=officers, start=ALERTED_START + timedelta(days=n)
        )
        alert = OverdueAlert.objects.create(
            application=alerted, stage=1, country="KZ", due_at=NOW - timedelta(hours=1), raised_at=NOW
        )
        AlertAction.objects.create(alert=alert, kind="acknowledge", note="called the leader", actor=None, at=NOW)


def page_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/rescue/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("role", [Role.RESCUE_OFFICER, "administrator"])
def test_the_rescue_page_reads_one_group_or_five_in_the_same_number_of_queries(client, demo_season, monkeypatch, role):
    Clock(monkeypatch, NOW)
    operator, officers = factories.operator(), factories.officers()
    if role == "administrator":
        viewer = factories.user(Role.ADMINISTRATOR)
    else:
        viewer = factories.user(Role.RESCUE_OFFICER, country="KZ")
    assert client.login(username=viewer.username, password=factories.PASSWORD)

    groups(operator, officers, 1, 0)
    one, html = page_queries(client)
    assert html.count('id="group-KT-') == 2 and html.count('data-stage="1">') == 1

    groups(operator, officers, 4, 1)
    five, html = page_queries(client)
    assert html.count('id="group-KT-') == 10 and html.count('data-stage="1">') == 5

    assert five == one
