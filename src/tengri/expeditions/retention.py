"""Erasure of personal data N years after an application closes (`TENGRI_RETENTION_YEARS`, default 3,
as the EU Entry/Exit System keeps its records).

What stays: the application's route, dates, states, decisions and the members' nationality, sex and
role — the figures the Council's indicators count — but no name, document number, birth date, IIN,
emergency contact or insurance policy. The audit log keeps no personal data, so it stays verifiable.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tengri.core.audit import audit_record
from tengri.core.seasons import add_months
from tengri.expeditions.models import Application, Member

ERASED = ""


@dataclass(frozen=True)
class RetentionResult:
    due: list[str]  # references whose personal data is (or, in a dry run, would be) erased
    dry_run: bool


def retention_due(*, now: datetime) -> list[Application]:
    cutoff_day = add_months(now.date(), -12 * settings.TENGRI_RETENTION_YEARS)  # 29 Feb falls back to 28 Feb
    cutoff = now.replace(year=cutoff_day.year, month=cutoff_day.month, day=cutoff_day.day)
    # An approved trip that nobody closed counts as closed when it ended.
    ended = Q(closed_at__lt=cutoff) | Q(
        closed_at__isnull=True, state=Application.State.APPROVED, end_date__lt=cutoff_day
    )
    return list(Application.objects.filter(ended, personal_data_erased_at__isnull=True).order_by("end_date"))


def retention_run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Erase the personal data of every application closed more than the retention period ago.
    Each application is erased in its own transaction, so an interruption leaves no half-erased file."""
    now = now or timezone.now()
    due = retention_due(now=now)
    if not dry_run:
        for application in due:
            application_personal_data_erase(application=application, now=now)
    return RetentionResult(due=[application.reference for application in due], dry_run=dry_run)


@transaction.atomic(durable=True)
def application_personal_data_erase(*, application: Application, now: datetime) -> None:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.personal_data_erased_at is not None:
        return
    for member in Member.objects.filter(application=application):
        member.surname = member.given_names = member.typed_name = ERASED
        member.document_number_sealed = member.birth_date_sealed = member.iin_sealed = ERASED
        member.document_number_index = f"erased-{member.pk}"  # unique per member, matches no passport
        member.erased = True
        member.save(
            update_fields=[
                "surname",
                "given_names",
                "typed_name",
                "document_number_sealed",
                "birth_date_sealed",
                "iin_sealed",
                "document_number_index",
                "erased",
            ]
        )
    application.emergency_contact_name = application.emergency_contact_phone = application.insurance_policy = ERASED
    application.personal_data_erased_at = now
    application.save(
        update_fields=[
            "emergency_contact_name",
            "emergency_contact_phone",
            "insurance_policy",
            "personal_data_erased_at",
        ]
    )
    audit_record(
        actor=None,
        action="application.personal_data_erase",
        subject=application,
        reason=f"retention: closed more than {settings.TENGRI_RETENTION_YEARS} years ago",
    )
