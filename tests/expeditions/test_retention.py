"""Erasure of personal data three years (`TENGRI_RETENTION_YEARS`) after an application closes: by the
service with a given `now`, and by `tengri retention run [--dry-run]` against the real clock."""

import json
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from tengri.approvals.models import Decision
from tengri.approvals.services import decision_record
from tengri.cli import main
from tengri.core.audit import audit_verify
from tengri.core.models import AuditEntry
from tengri.expeditions import services
from tengri.expeditions.models import Application, Member
from tengri.expeditions.retention import retention_run
from tengri.expeditions.selectors import member_documents
from tests import factories
from tests.factories import TODAY

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
THREE_YEARS_BEFORE_NOW = datetime(2028, 3, 1, 12, 0, tzinfo=UTC)
NUMBER, BIRTH, IIN = "N77001122", date(1985, 3, 14), "850314300424"


def closed_application(operator, officers, *, closed_at: datetime) -> Application:
    """An approved trip, closed at `closed_at`: a member with a typed name and an IIN, and one removed before
    submission (whose data must go as well)."""
    application = factories.application_complete(actor=operator)
    services.members_add(
        actor=operator,
        application=application,
        today=TODAY,
        typed_name="Жұмабеков Асқар",
        iin=IIN,
        mrz_text=factories.mrz(surname="ZHUMABEKOV", given_names="ASKAR", number=NUMBER, birth_date=BIRTH, sex="M"),
    )
    dropped = application.members.filter(role=Member.Role.MEMBER).first()
    services.member_remove(actor=operator, application=application, member_id=dropped.pk, today=TODAY)
    services.application_submit(actor=operator, application=application, today=TODAY)
    for authority, officer in officers.items():
        decision_record(actor=officer, application=application, authority=authority, verdict="approve")
    services.application_close(actor=operator, application=application, reason="the group is back")
    # The file closed long ago: set the time the service stamped.
    Application.objects.filter(pk=application.pk).update(closed_at=closed_at)
    application.refresh_from_db()
    return application


def personal_data(application: Application) -> list[tuple]:
    return list(
        Member.objects.filter(application=application)
        .order_by("pk")
        .values_list(
            "surname", "given_names", "typed_name", "document_number_sealed", "birth_date_sealed", "iin_sealed"
        )
    )


def raw_member_rows(application: Application) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM expeditions_member WHERE application_id = %s", [application.pk])
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_three_years_and_a_day_after_closing_personal_data_is_erased(operator, officers):
    application = closed_application(operator, officers, closed_at=THREE_YEARS_BEFORE_NOW - timedelta(days=1))
    kept = list(Member.objects.filter(application=application).order_by("pk").values_list("nationality", "sex", "role"))
    assert "ZHUMABEKOV" in raw_member_rows(application)

    result = retention_run(now=NOW)

    assert (result.due, result.dry_run) == ([application.reference], False)
    members = Member.objects.filter(application=application).order_by("pk")
    assert members.count() == 5 and members.filter(removed_at__isnull=False).count() == 1
    assert all(row == ("",) * 6 for row in personal_data(application))
    assert all(member.erased and member.document_number_index.startswith("erased-") for member in members)
    assert list(members.values_list("nationality", "sex", "role")) == kept
    assert {"D", "POL", "JPN", "KAZ"} <= {nationality for nationality, _, _ in kept}
    raw = raw_member_rows(application)
    assert not any(value in raw for value in ("ZHUMABEKOV", "ASKAR", "Жұмабеков", NUMBER, IIN))

    application.refresh_from_db()
    assert (application.emergency_contact_name, application.emergency_contact_phone, application.insurance_policy) == (
        "",
        "",
        "",
    )
    assert application.personal_data_erased_at == NOW
    # What the indicators count stays: the route, dates, state and decisions.
    assert application.state == Application.State.CLOSED
    assert Decision.objects.filter(application=application).count() == 2

    entry = AuditEntry.objects.get(action="application.personal_data_erase")
    assert (entry.subject_id, entry.actor_id, entry.actor_name) == (str(application.pk), None, "system")
    assert "3 years" in entry.reason
    assert audit_verify() == []


def test_an_erased_file_opens_to_nothing_and_is_not_erased_twice(operator, officers):
    application = closed_application(operator, officers, closed_at=THREE_YEARS_BEFORE_NOW - timedelta(days=1))
    retention_run(now=NOW)

    assert retention_run(now=NOW + timedelta(days=30)).due == []
    assert AuditEntry.objects.filter(action="application.personal_data_erase").count() == 1
    opened = member_documents(application, actor=officers["KZ"], reason="statistics check")
    assert {(row["document_number"], row["birth_date"], row["iin"]) for row in opened} == {("", None, "")}


def test_three_years_less_a_day_after_closing_nothing_is_erased(operator, officers):
    application = closed_application(operator, officers, closed_at=THREE_YEARS_BEFORE_NOW + timedelta(days=1))
    before = personal_data(application)

    assert retention_run(now=NOW).due == []

    assert personal_data(application) == before
    assert ("ZHUMABEKOV", "ASKAR") in [row[:2] for row in before]
    application.refresh_from_db()
    assert application.insurance_policy and application.personal_data_erased_at is None
    assert not AuditEntry.objects.filter(action="application.personal_data_erase").exists()


def test_only_the_files_due_are_erased(operator, officers):
    due = closed_application(operator, officers, closed_at=THREE_YEARS_BEFORE_NOW - timedelta(days=1))
    young = closed_application(operator, officers, closed_at=THREE_YEARS_BEFORE_NOW + timedelta(days=1))
    open_file = factories.application_submitted(actor=operator)

    assert retention_run(now=NOW).due == [due.reference]
    assert Member.objects.filter(erased=True).count() == 5
    assert not Member.objects.filter(application__in=[young, open_file], erased=True).exists()


def test_cli_dry_run_lists_what_is_due_and_changes_nothing(operator, officers, capsys):
    closed_at = timezone.now() - timedelta(days=3 * 366 + 1)
    application = closed_application(operator, officers, closed_at=closed_at)
    before, audit_before = personal_data(application), AuditEntry.objects.count()

    assert main(["retention", "run", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "would erase" in out and application.reference in out
    assert personal_data(application) == before
    application.refresh_from_db()
    assert application.personal_data_erased_at is None and application.insurance_policy
    assert AuditEntry.objects.count() == audit_before

    assert main(["retention", "run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"dry_run": False, "applications": [application.reference]}
    assert all(row == ("",) * 6 for row in personal_data(application))


def test_an_approved_trip_over_for_three_years_is_erased_though_nobody_closed_it(operator, officers):
    """Nothing in the system calls `application_close` (no page, endpoint, command or task), so an approved
    trip stays approved for ever; retention must still reach it, counting from the end of the trip."""
    application = factories.application_approved(actor=operator, officers_by_authority=officers)
    assert application.end_date == date(2027, 7, 30) and application.closed_at is None

    assert retention_run(now=NOW).due == [application.reference]
    assert all(row == ("",) * 6 for row in personal_data(application))
