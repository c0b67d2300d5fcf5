"""Overdue escalation: the sweep raises each stage once at its time (planned exit + grace + the stage's hours),
to the right people, and stops raising once the group is out or has filed its descent notice; people
acknowledge, escalate and close alerts with notes, every act audited."""

import json
from datetime import timedelta

import pytest
from django.core import mail

from tengri.checkpoints import overdue
from tengri.checkpoints.models import AlertAction, OverdueAlert, PositionReport
from tengri.checkpoints.overdue import overdue_groups, overdue_sweep
from tengri.checkpoints.services import alert_act, descent_notice_file
from tengri.checkpoints.tasks import overdue_sweep_periodic
from tengri.core.audit import PERSONAL_DATA_READ, audit_verify
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.core.models import AuditEntry
from tengri.expeditions.models import Application
from tests.permits.test_issuing import tengri

from .presence_fixtures import MID_TRIP, ON_THE_WAY_IN, PLANNED_EXIT, deadline, place, scan, scan_all, stage_at, walk_in

pytest_plugins = ["tests.checkpoints.presence_fixtures"]

SECOND = timedelta(seconds=1)
Stage = OverdueAlert.Stage


def stages(application: Application) -> dict[int, OverdueAlert]:
    return {alert.stage: alert for alert in OverdueAlert.objects.filter(application=application)}


def report_position(application: Application, code: str, at) -> None:
    from tengri.checkpoints.services import position_report

    lat, lon = place(code)
    position_report(actor=None, application=application, lat=lat, lon=lon, reported_at=at, now=at)


def audit_actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def sweep(capture, now) -> list[OverdueAlert]:
    mail.outbox.clear()
    with capture(execute=True):
        return overdue_sweep(now=now)


@pytest.fixture
def inside(trip):
    """The whole group went in as planned and nobody came out."""
    walk_in(trip.application)
    return trip


# --- When each stage is raised -------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [1, 2, 3])
def test_each_stage_is_raised_from_its_time_not_a_second_before(inside, django_capture_on_commit_callbacks, stage):
    application = inside.application
    for earlier in range(1, stage):
        OverdueAlert.objects.create(
            application=application, stage=earlier, country="KZ", due_at=deadline(), raised_at=stage_at(earlier)
        )

    assert sweep(django_capture_on_commit_callbacks, stage_at(stage) - SECOND) == []
    [raised] = sweep(django_capture_on_commit_callbacks, stage_at(stage) + SECOND)

    assert (raised.stage, raised.due_at, raised.raised_at) == (stage, deadline(), stage_at(stage) + SECOND)
    assert raised.raised_by is None and raised.state == OverdueAlert.State.OPEN


def test_the_deadline_is_planned_exit_plus_grace(inside):
    assert overdue_groups(now=deadline() - SECOND) == []
    [group] = overdue_groups(now=deadline() + SECOND)
    assert (group.application, group.planned_exit, group.deadline) == (inside.application, PLANNED_EXIT, deadline())


def test_a_sweep_after_a_long_silence_raises_every_stage_due(inside, django_capture_on_commit_callbacks):
    raised = sweep(django_capture_on_commit_callbacks, stage_at(3) + timedelta(days=2))

    assert [alert.stage for alert in raised] == [1, 2, 3]


def test_the_sweep_is_idempotent(inside, django_capture_on_commit_callbacks):
    first = sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND)
    again = sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND)
    later = sweep(django_capture_on_commit_callbacks, stage_at(3) + timedelta(days=1))

    assert len(first) == 3 and again == [] and later == []
    assert OverdueAlert.objects.count() == 3
    assert len(audit_actions("overdue_alert.raise")) == 3
    assert mail.outbox == []  # the repeated sweeps mailed nothing


def test_a_stage_raised_meanwhile_by_another_sweep_is_skipped_not_an_error(
    inside, django_capture_on_commit_callbacks, monkeypatch
):
    """The unique constraint's refusal is handled: as when a concurrent sweep without the lock got there first."""
    OverdueAlert.objects.create(
        application=inside.application, stage=1, country="KZ", due_at=deadline(), raised_at=stage_at(1)
    )
    monkeypatch.setattr(overdue, "raised_stages", lambda application: set())

    raised = sweep(django_capture_on_commit_callbacks, stage_at(2) + SECOND)

    assert [alert.stage for alert in raised] == [2]
    assert sorted(stages(inside.application)) == [1, 2]


def test_a_group_that_never_went_in_is_overdue_too(trip, django_capture_on_commit_callbacks):
    """Nobody was seen coming out: the operator is asked, and closes the alert if the group never went."""
    assert [alert.stage for alert in sweep(django_capture_on_commit_callbacks, stage_at(1))] == [1]


def test_a_group_withdrawn_before_it_went_is_never_overdue(trip, django_capture_on_commit_callbacks):
    Application.objects.filter(pk=trip.application.pk).update(state=Application.State.WITHDRAWN)

    assert sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND) == []


@pytest.mark.parametrize("state", [Application.State.WITHDRAWN, Application.State.REJECTED])
def test_a_group_on_the_mountain_stays_overdue_whatever_becomes_of_its_application(
    inside, django_capture_on_commit_callbacks, state
):
    """Withdrawing or rejecting (an amendment) while the group is inside does not bring it down."""
    Application.objects.filter(pk=inside.application.pk).update(state=state)

    assert [alert.stage for alert in sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND)] == [1, 2, 3]


def test_coming_out_late_with_expired_permits_stops_the_escalation(inside, django_capture_on_commit_callbacks):
    """The checkpoint refuses a late group's expired permits on the way out: they have come out all the same."""
    assert [alert.stage for alert in sweep(django_capture_on_commit_callbacks, stage_at(1) + SECOND)] == [1]
    for member in inside.members:
        scan(member, "KRK-HB-KZ", "out", stage_at(1) + timedelta(hours=1), verdict="OUTSIDE_WINDOW")

    assert sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND) == []


# --- What stops it ------------------------------------------------------------------------------------------------


def test_coming_out_through_a_checkpoint_stops_further_stages_but_closes_nothing(
    inside, django_capture_on_commit_callbacks
):
    [reminder] = sweep(django_capture_on_commit_callbacks, stage_at(1) + SECOND)
    scan_all(inside.application, "KRK-HB-KZ", "out", stage_at(1) + timedelta(hours=1))

    assert sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND) == []
    reminder.refresh_from_db()
    assert reminder.state == OverdueAlert.State.OPEN


def test_one_member_still_inside_keeps_the_escalation_going(inside, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, stage_at(1) + SECOND)
    for member in inside.members[1:]:
        scan(member, "KRK-HB-KZ", "out", stage_at(1) + timedelta(hours=1))

    assert [alert.stage for alert in sweep(django_capture_on_commit_callbacks, stage_at(2) + SECOND)] == [2]


def test_the_descent_notice_stops_further_stages_but_closes_nothing(inside, django_capture_on_commit_callbacks):
    [reminder] = sweep(django_capture_on_commit_callbacks, stage_at(1) + SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        descent_notice_file(actor=None, application=inside.application, note="leader called: all down", now=stage_at(1))

    assert sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND) == []
    reminder.refresh_from_db()
    assert reminder.state == OverdueAlert.State.OPEN


def test_a_notice_filed_before_the_deadline_means_no_alert_at_all(inside, django_capture_on_commit_callbacks):
    descent_notice_file(actor=None, application=inside.application, note="down early", now=PLANNED_EXIT)

    assert sweep(django_capture_on_commit_callbacks, stage_at(3) + SECOND) == []


# --- Who is told, and which rescue service -------------------------------------------------------------------------


def test_stage_1_mails_the_operator_to_call_the_leader(inside, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, stage_at(1))

    [message] = mail.outbox
    assert set(message.to) == {"operator-kz@tengri.example", "ops@tengri-alpine.example"}
    assert "stage 1" in message.subject and inside.application.reference in message.subject
    assert "call the leader, ZHUMABEKOV ASKAR" in message.body
    assert inside.application.emergency_contact_phone not in message.body


def test_stage_2_asks_the_operator_and_the_access_states_rescue_to_call_the_emergency_contact(
    inside, django_capture_on_commit_callbacks
):
    sweep(django_capture_on_commit_callbacks, stage_at(1))
    [alert] = sweep(django_capture_on_commit_callbacks, stage_at(2))

    [message] = mail.outbox
    assert alert.country == "KZ"  # KT-N-KZ is reached from Kazakhstan
    assert set(message.to) == {"operator-kz@tengri.example", "ops@tengri-alpine.example", "rescue-kz@tengri.example"}
    assert "Saule Nurlanovna" in message.body and "+7 701 555 0101" in message.body
    [disclosed] = audit_actions(PERSONAL_DATA_READ)
    assert disclosed.subject_id == str(inside.application.pk)
    assert disclosed.data == {"fields": ["emergency_contact_name", "emergency_contact_phone"]}


@pytest.mark.parametrize(
    ("scan_first", "rescue"),
    [(True, "KG"), (False, "KZ")],
    ids=["kz-scan-then-kg-position", "kg-position-then-kz-scan"],
)
def test_stage_3_goes_to_the_rescue_service_where_the_group_was_last_known(
    trip, django_capture_on_commit_callbacks, scan_first, rescue
):
    """A scan at a Kazakh checkpoint and a position report in Kyrgyzstan: the later one decides."""
    earlier, later = ON_THE_WAY_IN, MID_TRIP
    scan_all(trip.application, "KRK-HB-KZ", "in", earlier if scan_first else later)
    report_position(trip.application, "north-inylchek-bc", later if scan_first else earlier)
    OverdueAlert.objects.bulk_create(
        OverdueAlert(application=trip.application, stage=s, country="KZ", due_at=deadline(), raised_at=stage_at(s))
        for s in (1, 2)
    )

    [alert] = sweep(django_capture_on_commit_callbacks, stage_at(3))

    assert alert.country == rescue
    [message] = mail.outbox
    assert f"rescue-{rescue.lower()}@tengri.example" in message.to
    assert f"rescue-{({'KZ', 'KG'} - {rescue}).pop().lower()}@tengri.example" not in message.to
    assert f"last known in {rescue}" in message.body


def test_stage_3_falls_back_to_the_access_state_when_nothing_is_known(trip, django_capture_on_commit_callbacks):
    PositionReport.objects.create(application=trip.application, lat=10, lon=10, country="", reported_at=MID_TRIP)

    alerts = sweep(django_capture_on_commit_callbacks, stage_at(3))

    assert [(alert.stage, alert.country) for alert in alerts] == [(1, "KZ"), (2, "KZ"), (3, "KZ")]


# --- People act on alerts -------------------------------------------------------------------------------------------


@pytest.fixture
def reminder(inside, django_capture_on_commit_callbacks) -> OverdueAlert:
    [alert] = sweep(django_capture_on_commit_callbacks, stage_at(1))
    return alert


def operator():
    from .presence_fixtures import user

    return user("operator-kz")


def test_acknowledge_with_a_note(reminder):
    alert = alert_act(
        actor=operator(), alert=reminder, kind="acknowledge", note="calling the leader", now=stage_at(1) + SECOND
    )

    assert alert.state == OverdueAlert.State.ACKNOWLEDGED
    [action] = AlertAction.objects.filter(alert=reminder)
    assert (action.kind, action.note, action.actor, action.at) == (
        "acknowledge",
        "calling the leader",
        operator(),
        stage_at(1) + SECOND,
    )


@pytest.mark.parametrize("kind", ["acknowledge", "escalate", "close"])
def test_no_act_without_a_note(reminder, kind):
    with pytest.raises(InvalidInput, match="note"):
        alert_act(actor=operator(), alert=reminder, kind=kind, note="   ", now=stage_at(1))

    assert AlertAction.objects.count() == 0
    assert OverdueAlert.objects.count() == 1


def test_an_unknown_kind_is_refused(reminder):
    with pytest.raises(InvalidInput, match="kind"):
        alert_act(actor=operator(), alert=reminder, kind="ignore", note="no", now=stage_at(1))


def test_a_closed_alert_accepts_nothing(reminder):
    alert_act(actor=operator(), alert=reminder, kind="close", note="group down, called", now=stage_at(1) + SECOND)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.closed_at) == (OverdueAlert.State.CLOSED, stage_at(1) + SECOND)

    for kind in ("acknowledge", "escalate", "close"):
        with pytest.raises(InvalidTransition, match="closed"):
            alert_act(actor=operator(), alert=reminder, kind=kind, note="again", now=stage_at(2))
    assert AlertAction.objects.filter(alert=reminder).count() == 1
    assert OverdueAlert.objects.count() == 1


def test_escalating_raises_the_next_stage_now(reminder, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_act(actor=operator(), alert=reminder, kind="escalate", note="no answer", now=stage_at(1) + SECOND)

    second = stages(reminder.application)[2]
    assert (second.raised_at, second.raised_by, second.due_at) == (stage_at(1) + SECOND, operator(), deadline())
    reminder.refresh_from_db()
    assert reminder.state == OverdueAlert.State.ACKNOWLEDGED
    [message] = mail.outbox
    assert "stage 2" in message.subject
    # The sweep does not raise it again when its time comes.
    assert sweep(django_capture_on_commit_callbacks, stage_at(2) + SECOND) == []


def test_escalating_to_the_rescue_stage_goes_where_the_group_was_last_known(inside, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, stage_at(2))
    report_position(inside.application, "north-inylchek-bc", stage_at(2))
    second = stages(inside.application)[2]
    rescue_kz = _user("rescue-kz")

    alert_act(actor=rescue_kz, alert=second, kind="escalate", note="contact heard nothing", now=stage_at(2) + SECOND)

    third = stages(inside.application)[3]
    assert (third.country, third.raised_by) == ("KG", rescue_kz)


def test_escalating_when_the_next_stage_exists_only_records_the_act(inside, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, stage_at(2))
    first = stages(inside.application)[1]

    alert_act(actor=operator(), alert=first, kind="escalate", note="still nothing", now=stage_at(2) + SECOND)

    assert sorted(stages(inside.application)) == [1, 2]
    assert AlertAction.objects.get(alert=first).kind == "escalate"


def test_the_rescue_stage_cannot_be_escalated(inside, django_capture_on_commit_callbacks):
    sweep(django_capture_on_commit_callbacks, stage_at(3))
    third = stages(inside.application)[3]

    with pytest.raises(InvalidTransition, match="last"):
        alert_act(actor=_user("rescue-kz"), alert=third, kind="escalate", note="more", now=stage_at(3))
    assert AlertAction.objects.count() == 0


def test_every_act_is_audited_with_its_note(reminder):
    notes = {"acknowledge": "calling", "escalate": "no answer", "close": "found them"}
    for kind, note in notes.items():
        alert_act(actor=operator(), alert=reminder, kind=kind, note=note, now=stage_at(1) + SECOND)

    entries = [entry for entry in AuditEntry.objects.order_by("sequence") if entry.action.startswith("overdue_alert.")]
    acts = [(entry.action, entry.reason, entry.actor_name) for entry in entries if entry.subject_id == str(reminder.pk)]
    assert acts == [
        ("overdue_alert.raise", "", "system"),
        ("overdue_alert.acknowledge", "calling", "operator-kz"),
        ("overdue_alert.escalate", "no answer", "operator-kz"),
        ("overdue_alert.close", "found them", "operator-kz"),
    ]
    escalated = next(entry for entry in entries if entry.action == "overdue_alert.escalate")
    assert escalated.data["raised"] == 2
    assert [entry.action for entry in entries if entry.subject_id != str(reminder.pk)] == ["overdue_alert.raise"]
    assert audit_verify() == []


def _user(username: str):
    from .presence_fixtures import user

    return user(username)


# --- The periodic task and the command --------------------------------------------------------------------------------


def test_the_periodic_task_sweeps_at_the_current_time(inside):
    inside.clock.moment = stage_at(2) + SECOND

    overdue_sweep_periodic.call_local()

    assert sorted(stages(inside.application)) == [1, 2]


def test_tengri_overdue_sweep_and_list(inside, capsys):
    at = (stage_at(1) + SECOND).isoformat()

    code, out, _ = tengri(capsys, "overdue", "list", "--at", at, "--json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["reference"], row["stages_due"]) == (inside.application.reference, [1])

    code, out, _ = tengri(capsys, "overdue", "sweep", "--at", at, "--json")
    assert code == 0
    assert [(row["reference"], row["stage"], row["country"]) for row in json.loads(out)] == [
        (inside.application.reference, 1, "KZ")
    ]
    code, out, _ = tengri(capsys, "overdue", "sweep", "--at", at)
    assert (code, out.strip()) == (0, "0 alert(s) raised")


def test_tengri_overdue_sweep_refuses_a_malformed_time(trip, capsys):
    code, _, err = tengri(capsys, "overdue", "sweep", "--at", "tomorrow")
    assert code == 2 and "ISO" in err
