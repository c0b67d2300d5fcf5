"""The automated pre-screen: every rule an application must meet, as findings a reviewer can read.

Runs on every save (the result is stored on the application) and again on submit. A finding is a
code, a severity and the numbers behind it; its message is rendered in the reader's language, so a
Kyrgyz officer and a Kazakh operator read the same finding each in their own. Blocking findings
prevent submission; warnings are shown to the officers (as ETIAS: people review only the hits).
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from tengri.core.seasons import add_months, in_season
from tengri.core.workdays import working_days_between
from tengri.expeditions import messages
from tengri.expeditions.models import Application, Member
from tengri.geo.acclimatisation import AcclimatisationFinding
from tengri.registry.itinerary import itinerary_check
from tengri.registry.models import Authority, Status

BLOCKING, WARNING = "blocking", "warning"
GRADE = re.compile(r"^([1-6])([AB])?$")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    params: dict = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING

    @property
    def message(self) -> str:
        if self.code.startswith("acclimatisation."):
            return AcclimatisationFinding(**_acclimatisation_fields(self.params)).message
        return messages.finding_message(self.code, self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "params": self.params}


def findings_from_json(rows: list[dict]) -> list[Finding]:
    return [Finding(row["code"], row["severity"], row.get("params", {})) for row in rows]


@dataclass
class _Group:
    """What the checks look at, fetched once."""

    application: Application
    today: date
    members: list[Member]
    nights: dict[date, str]  # date → sleeping place code
    passages: list
    authorities: list[Authority]


def application_prescreen(application: Application, *, today: date) -> list[Finding]:
    group = _Group(
        application=application,
        today=today,
        members=list(application.members.filter(removed_at__isnull=True).select_related("guide")),
        nights=dict(application.itinerary.values_list("date", "sleeping_place__code")),
        passages=list(application.passages.select_related("checkpoint")),
        authorities=list(Authority.objects.filter(code__in=application.required_authorities)),
    )
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(group))
    return findings


def _route(group: _Group) -> list[Finding]:
    route, app = group.application.route, group.application
    if route.status != Status.OPEN:
        return [Finding("route.closed", BLOCKING, {"route": route.code, "reason": route.closed_reason})]
    outside = [
        day for day in (app.start_date, app.end_date) if not in_season(day, route.season_opens, route.season_closes)
    ]
    if outside:
        params = {"route": route.code, "opens": route.season_opens, "closes": route.season_closes}
        return [Finding("route.out_of_season", BLOCKING, params)]
    return []


def _licence(group: _Group) -> list[Finding]:
    company = group.application.company
    if company.licence_valid_on(group.application.end_date):
        return []
    return [Finding("company.licence_expires", BLOCKING, {"until": company.licence_valid_until.isoformat()})]


def _contacts(group: _Group) -> list[Finding]:
    app, findings = group.application, []
    if not (app.emergency_contact_name.strip() and app.emergency_contact_phone.strip()):
        findings.append(Finding("application.no_emergency_contact", BLOCKING))
    if not app.insurance_policy.strip():
        findings.append(Finding("application.no_insurance", BLOCKING))
    return findings


def _lead_time(group: _Group) -> list[Finding]:
    app = group.application
    if app.first_approved_at is not None:
        return []  # an amendment of an approved group is not a new filing
    findings = []
    for authority in group.authorities:
        available = working_days_between(authority.code, group.today, app.start_date)
        if available < authority.lead_time_working_days:
            params = {"authority": authority.code, "needed": authority.lead_time_working_days, "available": available}
            findings.append(Finding("lead_time.too_short", BLOCKING, params))
    return findings


def _itinerary(group: _Group) -> list[Finding]:
    app = group.application
    missing = [app.start_date + timedelta(days=n) for n in range(app.nights)]
    missing = [day for day in missing if day not in group.nights]
    if missing:
        return [Finding("itinerary.nights_missing", BLOCKING, {"count": len(missing), "first": missing[0].isoformat()})]
    if not group.nights:
        return []
    codes = [group.nights[day] for day in sorted(group.nights)]
    return [
        Finding(finding.code, WARNING, _acclimatisation_params(finding, app))
        for finding in itinerary_check(place_codes=codes, route=app.route)
    ]


def _passages(group: _Group) -> list[Finding]:
    directions = {passage.direction for passage in group.passages}
    findings = []
    if not {"in", "out"} <= directions:
        findings.append(Finding("passages.entry_and_exit_needed", BLOCKING))
    for passage in group.passages:
        checkpoint, params = (
            passage.checkpoint,
            {"checkpoint": passage.checkpoint.code, "date": passage.date.isoformat()},
        )
        if checkpoint.status != Status.OPEN:
            findings.append(
                Finding("passage.checkpoint_closed", BLOCKING, {**params, "reason": checkpoint.closed_reason})
            )
        elif not checkpoint.in_season(passage.date):
            season = {"opens": checkpoint.season_opens, "closes": checkpoint.season_closes}
            findings.append(Finding("passage.out_of_season", BLOCKING, {**params, **season}))
    return findings


def _group_size(group: _Group) -> list[Finding]:
    route, size = group.application.route, len(group.members)
    findings = []
    if size < route.group_size_min or size > route.group_size_max:
        params = {"size": size, "min": route.group_size_min, "max": route.group_size_max}
        findings.append(Finding("group.size", BLOCKING, params))
    leaders = sum(member.role == Member.Role.LEADER for member in group.members)
    if leaders != 1:
        findings.append(Finding("group.one_leader", BLOCKING, {"leaders": leaders}))
    return findings


def _guides(group: _Group) -> list[Finding]:
    needed = _grade(group.application.route.grade)
    if needed is None:
        return [Finding("guide.grade_unknown", WARNING, {"grade": group.application.route.grade})]
    qualified = [
        member
        for member in group.members
        if member.guide and member.guide.active and (_grade(member.guide.qualification_grade) or (0, "")) >= needed
    ]
    if qualified:
        return []
    return [Finding("guide.none_qualified", BLOCKING, {"grade": group.application.route.grade})]


def _passports(group: _Group) -> list[Finding]:
    months = max((authority.passport_valid_months_after_trip for authority in group.authorities), default=6)
    needed_until = add_months(group.application.end_date, months)
    return [
        Finding(
            "passport.expires_too_soon",
            BLOCKING,
            {"member": member.name, "expiry": member.document_expiry.isoformat(), "months": months},
        )
        for member in group.members
        if member.document_expiry < needed_until
    ]


def _overlaps(group: _Group) -> list[Finding]:
    app = group.application
    indexes = {member.document_number_index: member.name for member in group.members}
    others = (
        Member.objects.filter(document_number_index__in=indexes, removed_at__isnull=True)
        .exclude(application=app)
        .filter(application__start_date__lte=app.end_date, application__end_date__gte=app.start_date)
        .filter(
            application__state__in=[
                Application.State.APPROVED,
                Application.State.SUBMITTED,
                Application.State.UNDER_REVIEW,
            ]
        )
        .values_list("document_number_index", "application__reference", "application__state")
    )
    findings = []
    for index, reference, state in others:
        severity = BLOCKING if state == Application.State.APPROVED else WARNING
        params = {"member": indexes[index], "reference": reference}
        findings.append(
            Finding(f"member.on_overlapping_{'approved' if severity == BLOCKING else 'pending'}", severity, params)
        )
    return findings


CHECKS = (_route, _licence, _contacts, _lead_time, _itinerary, _passages, _group_size, _guides, _passports, _overlaps)


def _grade(text: str) -> tuple[int, str] | None:
    match = GRADE.match(text.strip().upper())
    return (int(match.group(1)), match.group(2) or "") if match else None


def _acclimatisation_params(finding: AcclimatisationFinding, application: Application) -> dict:
    params = asdict(finding)
    params["date"] = (application.start_date + timedelta(days=finding.day - 1)).isoformat()
    return params


def _acclimatisation_fields(params: dict) -> dict:
    fields = dict(params)
    fields["date"] = date.fromisoformat(fields["date"]) if fields.get("date") else None
    return fields
