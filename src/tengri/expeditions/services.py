"""Every write to an application: create, edit, itinerary, members, submit, withdraw, close.

Each service runs in one durable transaction, locks the application row (`select_for_update`; on
SQLite the IMMEDIATE transaction already serialises writers), checks the state, saves with
`update_fields`, re-runs the pre-screen, writes the audit entry, and sends mail and signals only
after commit. Editing an approved application is an amendment: it goes back to review by every
required authority. Every edit announces `application_saved` after commit (capacity then holds what
the itinerary needs); a submission asks `application_submitting` and an amendment
`application_amending` inside its transaction (capacity may refuse either).
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition, NotFound
from tengri.expeditions import notifications, signals
from tengri.expeditions.members import member_from_passport, passports_from_text
from tengri.expeditions.models import (
    EDITABLE_STATES,
    Application,
    ItineraryDay,
    Member,
    PlannedPassage,
    ReferenceCounter,
)
from tengri.expeditions.prescreen import application_prescreen
from tengri.registry.models import Checkpoint, Route
from tengri.registry.selectors import route_required_authorities

State = Application.State
MAX_TRIP_DAYS = 60


@transaction.atomic(durable=True)
def application_create(*, actor, company, route: Route, start_date: date, end_date: date, today: date) -> Application:
    """A new draft with the next reference of the start year (locks that year's counter)."""
    _check_dates(start_date, end_date, today)
    application = Application.objects.create(
        reference=_next_reference(start_date.year),
        company=company,
        route=route,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
        required_authorities=route_required_authorities(route),
    )
    _prescreen(application, today)
    audit_record(actor=actor, action="application.create", subject=application, data={"route": route.code})
    return application


@transaction.atomic(durable=True)
def application_update(*, actor, application: Application, today: date, **details) -> Application:
    """Change dates, emergency contact or insurance. Moving the dates clears nights outside them."""
    application = _editable(application)
    allowed = {"start_date", "end_date", "emergency_contact_name", "emergency_contact_phone", "insurance_policy"}
    unknown = set(details) - allowed
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    changed = [name for name, value in details.items() if value is not None and getattr(application, name) != value]
    for name in changed:
        setattr(application, name, details[name])
    if "start_date" in changed or "end_date" in changed:
        _check_dates(application.start_date, application.end_date, today)
        _drop_outside_dates(application)
    application.save(update_fields=[*changed, "updated_at"])
    _edited(application, actor, today, action="application.update", data={"fields": changed})
    return application


@transaction.atomic(durable=True)
def itinerary_set(
    *,
    actor,
    application: Application,
    nights: dict[date, str],
    passages: Iterable[tuple[date, str, str]],
    today: date,
) -> Application:
    """Replace the itinerary: a sleeping place (a waypoint of the route) per night, and the planned
    checkpoint passages (date, checkpoint code, "in"/"out"), all within the trip's dates."""
    application = _editable(application)
    places = _route_places(application.route)
    checkpoints = {c.code: c for c in Checkpoint.objects.all()}
    rows, passage_rows = _itinerary_rows(application, nights, places), []
    for day, code, direction in passages:
        _within_trip(application, day, f"passage at {code}")
        if code not in checkpoints:
            raise InvalidInput(f"unknown checkpoint {code!r}")
        if direction not in PlannedPassage.Direction.values:
            raise InvalidInput(f"direction must be 'in' or 'out', not {direction!r}")
        passage_rows.append(
            PlannedPassage(application=application, date=day, checkpoint=checkpoints[code], direction=direction)
        )
    application.itinerary.all().delete()
    application.passages.all().delete()
    ItineraryDay.objects.bulk_create(rows)
    PlannedPassage.objects.bulk_create(passage_rows)
    _edited(
        application,
        actor,
        today,
        action="application.itinerary",
        data={"nights": len(rows), "passages": len(passage_rows)},
    )
    return application


@transaction.atomic(durable=True)
def members_add(
    *,
    actor,
    application: Application,
    mrz_text: str,
    today: date,
    role: str = Member.Role.MEMBER,
    guide=None,
    typed_name: str = "",
    iin: str = "",
) -> list[Member]:
    """Add one person per pasted TD3 MRZ (two lines each). All or nothing: one bad passport adds none."""
    application = _editable(application)
    passports = passports_from_text(mrz_text, today=today)
    if (typed_name or iin or guide) and len(passports) != 1:
        raise InvalidInput("a typed name, IIN or guide applies to one passport: paste one MRZ at a time")
    if guide is not None and guide.company_id != application.company_id:
        raise InvalidInput("the guide works for another company")
    members = [
        member_from_passport(application, passport, role=role, guide=guide, typed_name=typed_name, iin=iin)
        for passport in passports
    ]
    _refuse_duplicates(application, members)
    Member.objects.bulk_create(members)
    _edited(application, actor, today, action="application.members_add", data={"count": len(members), "role": role})
    return members


@transaction.atomic(durable=True)
def member_remove(*, actor, application: Application, member_id: int, today: date, reason: str = "") -> Member:
    application = _editable(application)
    member = application.members.filter(pk=member_id, removed_at__isnull=True).first()
    if member is None:
        raise NotFound(f"no member {member_id} in {application.reference}")
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    _edited(application, actor, today, action="application.member_remove", reason=reason, data={"member": member.pk})
    # Whatever the state now, a permit issued at an earlier approval must be revoked.
    transaction.on_commit(lambda: signals.member_removed.send(Application, application=application, member=member))
    return member


def application_submit(*, actor, application: Application, today: date) -> Application:
    """Draft or changes-requested → submitted, opening a new review round. Refused while any blocking
    finding stands (the error lists them, and the application keeps them: the pre-screen's result is
    saved first, in its own transaction). Mails the officers of every required authority."""
    prescreen_refresh(application=application, today=today)
    return _submit(actor=actor, application=application, today=today)


@transaction.atomic(durable=True)
def prescreen_refresh(*, application: Application, today: date) -> None:
    """Re-run the pre-screen (today's date matters for lead times) and store its findings."""
    _prescreen(_locked(application), today)


@transaction.atomic(durable=True)
def _submit(*, actor, application: Application, today: date) -> Application:
    application = _locked(application)
    if application.state not in (State.DRAFT, State.CHANGES_REQUESTED):
        raise InvalidTransition(f"{application.reference} is {application.get_state_display()}: it cannot be submitted")
    findings = _prescreen(application, today)
    blocking = [finding for finding in findings if finding.blocking]
    if blocking:
        raise InvalidTransition(
            "the pre-screen blocks submission: " + "; ".join(finding.message for finding in blocking)
        )
    # Packages above may refuse (capacity: no hold that fits); they take their locks after ours.
    signals.application_submitting.send(Application, application=application)
    _open_review_round(application)
    audit_record(
        actor=actor,
        action="application.submit",
        subject=application,
        data={"round": application.review_round, "authorities": application.required_authorities},
    )
    transaction.on_commit(lambda: notifications.officers_new_work(application))
    return application


@transaction.atomic(durable=True)
def application_withdraw(*, actor, application: Application, reason: str) -> Application:
    application = _locked(application)
    if application.state in (State.WITHDRAWN, State.REJECTED, State.CLOSED):
        raise InvalidTransition(f"{application.reference} is {application.get_state_display()} already")
    if not reason.strip():
        raise InvalidInput("say why the application is withdrawn")
    _finish(application, State.WITHDRAWN)
    audit_record(actor=actor, action="application.withdraw", subject=application, reason=reason)
    return application


@transaction.atomic(durable=True)
def application_close(*, actor, application: Application, reason: str = "") -> Application:
    """An approved trip is over: the file closes and the retention period starts."""
    application = _locked(application)
    if application.state != State.APPROVED:
        raise InvalidTransition(
            f"only an approved application can be closed; {application.reference} is {application.state}"
        )
    _finish(application, State.CLOSED)
    audit_record(actor=actor, action="application.close", subject=application, reason=reason)
    return application


# --- helpers ---------------------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("route", "company").get(pk=application.pk)


def _editable(application: Application) -> Application:
    application = _locked(application)
    if application.state not in EDITABLE_STATES:
        raise InvalidTransition(
            f"{application.reference} is {application.get_state_display()}: it cannot be changed now"
        )
    return application


def _edited(application: Application, actor, today: date, *, action: str, data: dict, reason: str = "") -> None:
    """After any edit: re-screen; an approved application goes back to review (an amendment)."""
    findings = _prescreen(application, today)
    if application.state == State.APPROVED:
        # Packages above may refuse the amendment (capacity: no room); before the audit entry, since they
        # lock what they need before the audit chain, as every booking does.
        signals.application_amending.send(Application, application=application)
    audit_record(actor=actor, action=action, subject=application, reason=reason, data=data)
    transaction.on_commit(lambda: signals.application_saved.send(Application, application=application))
    if application.state != State.APPROVED:
        return
    if any(finding.blocking for finding in findings):
        # Not reviewable as it stands: the operator fixes it, then submits it as an amendment.
        application.state = State.CHANGES_REQUESTED
        application.save(update_fields=["state", "updated_at"])
    else:
        _open_review_round(application)
        transaction.on_commit(lambda: notifications.officers_new_work(application))
    audit_record(actor=actor, action="application.amend", subject=application, data={"state": application.state})
    transaction.on_commit(lambda: signals.application_amended.send(Application, application=application))


def _open_review_round(application: Application) -> None:
    application.state = State.SUBMITTED
    application.review_round += 1
    application.submitted_at = timezone.now()
    application.save(update_fields=["state", "review_round", "submitted_at", "updated_at"])


def _finish(application: Application, state: str) -> None:
    application.state = state
    application.closed_at = timezone.now()
    application.save(update_fields=["state", "closed_at", "updated_at"])
    transaction.on_commit(lambda: signals.application_finished.send(Application, application=application))


def _prescreen(application: Application, today: date):
    application.required_authorities = route_required_authorities(application.route)
    findings = application_prescreen(application, today=today)
    application.findings = [finding.as_json() for finding in findings]
    application.save(update_fields=["required_authorities", "findings", "updated_at"])
    return findings


def _next_reference(year: int) -> str:
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"KT-{year}-{counter.last:06d}"


def _check_dates(start: date, end: date, today: date) -> None:
    if end < start:
        raise InvalidInput(f"the trip ends ({end}) before it starts ({start})")
    if start < today:
        raise InvalidInput(f"the trip cannot start in the past ({start})")
    if (end - start).days > MAX_TRIP_DAYS:
        raise InvalidInput(f"a trip lasts at most {MAX_TRIP_DAYS} days")


def _within_trip(application: Application, day: date, what: str) -> None:
    if not application.start_date <= day <= application.end_date:
        raise InvalidInput(f"{what} on {day} is outside the trip ({application.start_date} to {application.end_date})")


def _drop_outside_dates(application: Application) -> None:
    application.itinerary.exclude(date__gte=application.start_date, date__lt=application.end_date).delete()
    application.passages.exclude(date__gte=application.start_date, date__lte=application.end_date).delete()


def _route_places(route: Route) -> dict:
    return {waypoint.place.code: waypoint.place for waypoint in route.waypoints.select_related("place")}


def _itinerary_rows(application: Application, nights: dict[date, str], places: dict) -> list[ItineraryDay]:
    rows = []
    for day, code in sorted(nights.items()):
        if not application.start_date <= day < application.end_date:
            raise InvalidInput(
                f"night of {day} is outside the trip ({application.start_date} to {application.end_date})"
            )
        if code not in places:
            raise InvalidInput(f"{code!r} is not a place on route {application.route.code}")
        rows.append(ItineraryDay(application=application, date=day, sleeping_place=places[code]))
    return rows


def _refuse_duplicates(application: Application, members: list[Member]) -> None:
    indexes = [member.document_number_index for member in members]
    if len(set(indexes)) != len(indexes):
        raise InvalidInput("the same passport was pasted twice")
    if application.members.filter(document_number_index__in=indexes, removed_at__isnull=True).exists():
        raise InvalidInput("a passport pasted is already in this group")
