"""The descent notice: filed once by the operator (or the leader through their link) for a group on its
trip; it closes the group's presence, is audited, and tells whoever should know."""

import pytest
from django.core import mail

from tengri.checkpoints.models import DescentNotice, OverdueAlert
from tengri.checkpoints.presence import presence_now
from tengri.checkpoints.services import alert_act, descent_notice_file
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.expeditions.models import Application
from tests.permits.test_issuing import tengri

from .presence_fixtures import MID_TRIP, deadline, stage_at, user, walk_in

pytest_plugins = ["tests.checkpoints.presence_fixtures"]


def test_the_operator_files_it_and_the_groups_presence_closes(trip, django_capture_on_commit_callbacks):
    walk_in(trip.application)
    with django_capture_on_commit_callbacks(execute=True):
        notice = descent_notice_file(
            actor=user("operator-kz"), application=trip.application, note="all four at Karkara", now=MID_TRIP
        )

    assert (notice.filed_at, notice.filed_by, notice.filed_by_leader, notice.note) == (
        MID_TRIP,
        user("operator-kz"),
        False,
        "all four at Karkara",
    )
    assert presence_now(now=MID_TRIP)["inside"] == 0
    assert mail.outbox == []  # the operator filed it: nobody else holds an alert to close
    entry = AuditEntry.objects.get(action="descent_notice.file")
    assert (entry.subject_id, entry.actor_name, entry.reason, entry.data) == (
        str(trip.application.pk),
        "operator-kz",
        "all four at Karkara",
        {"by_leader": False},
    )


def test_once_only(trip):
    descent_notice_file(actor=None, application=trip.application, note="down", now=MID_TRIP)

    with pytest.raises(InvalidTransition, match="was filed at"):
        descent_notice_file(actor=user("operator-kz"), application=trip.application, note="again", now=MID_TRIP)
    assert DescentNotice.objects.count() == 1


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected", "withdrawn", "changes_requested"])
def test_only_a_group_on_its_trip_files_one(trip, state):
    application = Application.objects.filter(state=state, first_approved_at__isnull=True).first()
    assert application is not None

    with pytest.raises(InvalidTransition, match="only an approved group"):
        descent_notice_file(actor=None, application=application, note="down", now=MID_TRIP)
    assert DescentNotice.objects.count() == 0


def test_a_note_over_500_characters_is_refused(trip):
    with pytest.raises(InvalidInput, match="500"):
        descent_notice_file(actor=None, application=trip.application, note="x" * 501, now=MID_TRIP)


def test_filed_by_the_leader_the_operator_is_told(trip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = descent_notice_file(
            actor=None, application=trip.application, note="we are in Karkara", by_leader=True, now=MID_TRIP
        )

    assert notice.filed_by_leader and notice.filed_by is None
    [message] = mail.outbox
    assert set(message.to) == {"operator-kz@tengri.example", "ops@tengri-alpine.example"}
    assert "The leader filed" in message.body and "we are in Karkara" in message.body


def test_those_holding_open_alerts_are_asked_to_close_them(trip, django_capture_on_commit_callbacks):
    for stage, country in ((1, "KZ"), (2, "KZ"), (3, "KG")):
        OverdueAlert.objects.create(
            application=trip.application, stage=stage, country=country, due_at=deadline(), raised_at=stage_at(stage)
        )
    first = OverdueAlert.objects.get(stage=1)
    alert_act(actor=user("operator-kz"), alert=first, kind="close", note="spoke to the leader", now=stage_at(3))

    with django_capture_on_commit_callbacks(execute=True):
        descent_notice_file(actor=user("operator-kz"), application=trip.application, note="down", now=stage_at(3))

    [message] = mail.outbox
    assert {"rescue-kz@tengri.example", "rescue-kg@tengri.example", "operator-kz@tengri.example"} <= set(message.to)
    assert "stage 2, 3" in message.body
    assert OverdueAlert.objects.filter(state=OverdueAlert.State.OPEN).count() == 2  # nobody closed them but people


def test_tengri_descent(trip, capsys):
    trip.clock.moment = MID_TRIP

    code, out, _ = tengri(capsys, "descent", trip.application.reference, "--note", "leader phoned from Almaty")
    assert code == 0 and trip.application.reference in out
    assert DescentNotice.objects.get().filed_by is None

    code, _, err = tengri(capsys, "descent", trip.application.reference, "--note", "again")
    assert code == 1 and "filed" in err
