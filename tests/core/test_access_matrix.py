"""The access matrix of group applications and their permits: every page and API endpoint against every role.

The demo season (two companies, every role, applications in every state) is loaded once for the
module inside an outer transaction, as Django's `setUpTestData` does; each test runs in a savepoint
that is rolled back, so an allowed write in one test is never seen by the next.

For each (method, path, payload) the matrix lists who may reach it. Everyone else is refused: a page
sends the anonymous to the login page and answers 403 to the rest; the API answers 401 to the
anonymous and 403 to the rest. A refused request changes nothing (state, members, decisions,
itinerary, permits, audit log), and every read of members' personal data by an allowed user leaves
exactly one `personal_data.read` entry in the audit log.

The permits are those of the approved application, issued when its last approval commits (the demo
has one active signing key per authority before its applications are filed). The trust list and the
revocations are public: every role reaches them, the anonymous included. The holder's private link
(`?t=`) is tested apart from the matrix.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tengri.checkpoints.devices import device_register
from tengri.checkpoints.models import AlertAction, DescentNotice, Device, OverdueAlert, PositionReport, SummitNotice
from tengri.checkpoints.overdue import overdue_sweep
from tengri.core.audit import PERSONAL_DATA_READ
from tengri.core.models import AuditEntry
from tengri.documents.specimen import td3_lines
from tengri.expeditions.models import Application
from tengri.indicators.models import TradeFigure
from tengri.permits.links import permit_link_token
from tengri.permits.models import Permit

PASSWORD = "tengri-demo-2026"

# --- Who -------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
DEACTIVATED = "deactivated-officer-kz"  # a border officer whose user was switched off: as good as anonymous
ROLES = [
    ANONYMOUS,
    DEACTIVATED,
    "no-role",  # signed in, but holds no Tengri role
    "operator-kz",  # Tengri Alpine Tours (KZ-TUR-0042)
    "operator-kg",  # Inylchek Expeditions (KG-TUR-0117)
    "operator-lapsed",  # a third company whose licence has expired; it owns no application
    "officer-kz",
    "officer-kg",
    "checkpoint-krk",
    "rescue-kz",
    "rescue-kg",
    "analyst",
    "administrator",  # the administrator role (a superuser with an account)
    "superuser",  # a Django superuser without any Tengri account
]
NOT_SIGNED_IN = {ANONYMOUS, DEACTIVATED}
OPERATORS = {"operator-kz", "operator-kg", "operator-lapsed"}
BORDER_OFFICERS = {"officer-kz", "officer-kg"}

# --- What: the demo applications, and one whose route is wholly in Kyrgyzstan ----------------------

APPROVED, UNDER_REVIEW, SUBMITTED, CHANGES_REQUESTED, REJECTED, DRAFT, WITHDRAWN = (
    f"KT-2027-{number:06d}" for number in range(1, 8)
)
KG_ONLY = "KT-2027-000008"  # submitted; only the KG authority decides on it
OWNER = {
    APPROVED: "operator-kz",
    UNDER_REVIEW: "operator-kz",  # KZ approved, KG pending
    SUBMITTED: "operator-kz",
    CHANGES_REQUESTED: "operator-kg",
    REJECTED: "operator-kg",
    DRAFT: "operator-kg",
    WITHDRAWN: "operator-kg",
    KG_ONLY: "operator-kg",
}
# Border officers of every authority the application needs, once it was filed; never a draft.
REVIEWERS = {
    APPROVED: BORDER_OFFICERS,
    UNDER_REVIEW: BORDER_OFFICERS,
    SUBMITTED: BORDER_OFFICERS,
    CHANGES_REQUESTED: BORDER_OFFICERS,
    REJECTED: BORDER_OFFICERS,
    DRAFT: set(),
    WITHDRAWN: BORDER_OFFICERS,
    KG_ONLY: {"officer-kg"},
}
REFERENCES = list(OWNER)
# Who may read the approved application, and so see, print and replace its permits.
PERMIT_READERS = frozenset({OWNER[APPROVED]} | REVIEWERS[APPROVED])
PERMIT_VERIFIERS = frozenset(BORDER_OFFICERS | {"checkpoint-krk"})


def new_passport_mrz() -> str:
    return "\n".join(
        td3_lines(
            surname="MATRIX",
            given_names="TESTA",
            number="MX7654321",
            nationality="AUT",
            birth_date=date(1985, 3, 4),
            sex="F",
            expiry_date=date(2034, 5, 20),
        )
    )


@dataclass(frozen=True)
class Endpoint:
    """One request and who may make it. `path` may name {member} (the first member of `reference`) and
    {permit} (the permit of the approved application's first member); a payload value QR_OF_THE_PERMIT
    stands for that permit's QR text. A read of personal data is audited on `audited` (the application
    or the permit)."""

    name: str
    method: str
    path: str
    allowed: frozenset[str]
    api: bool
    payload: dict | None = None
    reference: str = ""
    reads_personal_data: bool = False
    audited: str = "application"

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def application_endpoints(reference: str) -> list[Endpoint]:
    readers = frozenset({OWNER[reference]} | REVIEWERS[reference])
    editors = frozenset({OWNER[reference]})
    deciders = frozenset(REVIEWERS[reference])
    page, api = f"/en/applications/{reference}", f"/api/v1/applications/{reference}"
    rows = [
        ("page-detail", "GET", page + "/", readers, False, None, True),
        ("page-findings", "GET", page + "/findings", readers, False, None, False),
        ("page-details", "POST", page + "/details", editors, False, {"insurance_policy": "MATRIX-1"}, False),
        ("page-itinerary", "POST", page + "/itinerary", editors, False, {"passage_rows": "0"}, False),
        ("page-members-add", "POST", page + "/members", editors, False, {"mrz": new_passport_mrz()}, False),
        ("page-member-remove", "POST", page + "/members/{member}/remove", editors, False, {"reason": "matrix"}, False),
        ("page-submit", "POST", page + "/submit", editors, False, {}, False),
        ("page-withdraw", "POST", page + "/withdraw", editors, False, {"reason": "matrix"}, False),
        ("page-decide", "POST", page + "/decide", deciders, False, {"verdict": "reject", "reason": "matrix"}, False),
        ("api-detail", "GET", api, readers, True, None, False),
        ("api-members", "GET", api + "/members?reason=matrix", readers, True, None, True),
        ("api-patch", "PATCH", api, editors, True, {"insurance_policy": "MATRIX-1"}, False),
        ("api-itinerary", "PUT", api + "/itinerary", editors, True, {"nights": [], "passages": []}, False),
        ("api-members-add", "POST", api + "/members", editors, True, {"mrz": new_passport_mrz()}, False),
        ("api-member-remove", "DELETE", api + "/members/{member}?reason=matrix", editors, True, None, False),
        ("api-submit", "POST", api + "/submit", editors, True, None, False),
        ("api-withdraw", "POST", api + "/withdraw", editors, True, {"reason": "matrix"}, False),
        ("api-decide", "POST", api + "/decisions", deciders, True, {"verdict": "reject", "reason": "matrix"}, False),
        ("api-permits", "GET", api + "/permits", readers, True, None, False),
        ("page-hold", "POST", page + "/hold", editors, False, {}, False),
        ("page-waitlist", "POST", page + "/waitlist", editors, False, {}, False),
        ("api-hold", "GET", api + "/hold", readers, True, None, False),
        ("api-hold-place", "POST", api + "/hold", editors, True, None, False),
        ("api-waitlist", "POST", api + "/waitlist", editors, True, None, False),
    ]
    return [
        Endpoint(name, method, path, allowed, is_api, payload, reference, personal)
        for name, method, path, allowed, is_api, payload, personal in rows
    ]


NEW_TRIP = {"route": "SRB-TREK", "start_date": "2027-08-20", "end_date": "2027-08-23"}
SPECIMEN_MRZ = {
    "line1": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "line2": "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}
COMPANY_ENDPOINTS = [
    Endpoint("page-list", "GET", "/en/applications/", frozenset(OPERATORS), api=False),
    # The lapsed company may list its (no) applications but not file a new one.
    Endpoint("page-create", "POST", "/en/applications/new", frozenset({"operator-kz", "operator-kg"}), False, NEW_TRIP),
    Endpoint("page-review-queue", "GET", "/en/review/", frozenset(BORDER_OFFICERS), api=False),
    Endpoint("api-list", "GET", "/api/v1/applications", frozenset(OPERATORS | BORDER_OFFICERS), api=True),
    Endpoint("api-create", "POST", "/api/v1/applications", frozenset({"operator-kz", "operator-kg"}), True, NEW_TRIP),
    Endpoint(
        "api-mrz-check",
        "POST",
        "/api/v1/mrz/check",
        frozenset(OPERATORS | BORDER_OFFICERS | {"checkpoint-krk"}),
        True,
        SPECIMEN_MRZ,
    ),
]
QR_OF_THE_PERMIT = "<the QR text of the permit>"
# During the trip, at its first planned checkpoint (passage on 13 July, window 12 to 14 July).
VERIFY = {"qr": QR_OF_THE_PERMIT, "checkpoint": "KRK-HB-KZ", "at": "2027-07-13T08:00:00+05:00"}
PERMIT_ENDPOINTS = [
    Endpoint("page-permit", "GET", "/en/permits/{permit}/", PERMIT_READERS, False, None, APPROVED, True, "permit"),
    Endpoint(
        "page-permit-pdf", "GET", "/en/permits/{permit}.pdf", PERMIT_READERS, False, None, APPROVED, True, "permit"
    ),
    Endpoint(
        "page-permit-replace",
        "POST",
        "/en/permits/{permit}/replace",
        PERMIT_READERS,
        False,
        {"reason": "lost"},
        APPROVED,
    ),
    Endpoint(
        "api-permit-replace",
        "POST",
        "/api/v1/permits/{permit}/replace",
        PERMIT_READERS,
        True,
        {"reason": "lost"},
        APPROVED,
    ),
    Endpoint("api-permit-verify", "POST", "/api/v1/permits/verify", PERMIT_VERIFIERS, True, VERIFY, APPROVED),
]
# What every checkpoint syncs to verify offline: public, like the registry.
PUBLIC_ENDPOINTS = [
    Endpoint("api-trust-list", "GET", "/api/v1/trust-list", frozenset(ROLES), api=True),
    Endpoint("api-revocations", "GET", "/api/v1/revocations", frozenset(ROLES), api=True),
    Endpoint("api-revocations-since", "GET", "/api/v1/revocations?since=0", frozenset(ROLES), api=True),
]
# --- Checkpoints, presence, overdue alerts (issue 5) ------------------------------------------------
# The world's approved group missed its exit: the sweep raised stages 1-3, all for KZ (no scan or position
# puts it elsewhere, so the route's access state). {alert1} is the reminder, {alert3} the rescue alert.
ADMINISTRATORS = frozenset({"administrator", "superuser"})
RESCUERS = {"rescue-kz", "rescue-kg"}
PRESENCE_READERS = frozenset(BORDER_OFFICERS | RESCUERS | ADMINISTRATORS)
RESCUE_READERS = frozenset(RESCUERS | ADMINISTRATORS)
# Whoever reads the approved application, rescue officers of a state its route enters, administrators.
GROUP_READERS = frozenset(PERMIT_READERS | RESCUERS | ADMINISTRATORS)
REMINDER_ACTORS = frozenset({OWNER[APPROVED], "rescue-kz"} | ADMINISTRATORS)
RESCUE_ALERT_ACTORS = frozenset({"rescue-kz"} | ADMINISTRATORS)
DEVICE_ADMINS = frozenset(ADMINISTRATORS)
NOBODY: frozenset[str] = frozenset()
POSITION = {"lat": 42.2, "lon": 79.9, "reported_at": "2026-11-01T06:00:00Z", "source": "messenger", "note": "matrix"}
POSITION_FORM = {"lat": "42.2", "lon": "79.9", "reported_at": "2026-11-01T06:00", "zone": "UTC", "source": "messenger"}
NEW_DEVICE = {"checkpoint": "KRK", "label": "matrix laptop 2"}
ACKNOWLEDGE = {"kind": "acknowledge", "note": "matrix: called the group"}
SUMMITERS = frozenset({OWNER[APPROVED]})
SUMMIT = {"peak": "Khan Tengri", "reached_at": "2027-07-20T06:00:00Z", "persons": 2, "note": "matrix"}
SUMMIT_FORM = {"peak": "Khan Tengri", "reached_at": "2027-07-20T06:00", "zone": "UTC", "persons": "2", "note": "matrix"}
CHECKPOINT_ENDPOINTS = [
    Endpoint("page-presence", "GET", "/en/presence/", PRESENCE_READERS, False),
    Endpoint("page-rescue", "GET", "/en/rescue/", RESCUE_READERS, False),
    Endpoint("page-rescue-map", "GET", "/en/rescue/map.png", RESCUE_READERS, False),
    Endpoint("page-rescue-people", "GET", f"/en/rescue/{APPROVED}/people", RESCUE_READERS, False, None, APPROVED, True),
    Endpoint("page-alert-reminder", "POST", "/en/alerts/{alert1}/act", REMINDER_ACTORS, False, ACKNOWLEDGE, APPROVED),
    Endpoint("page-alert-rescue", "POST", "/en/alerts/{alert3}/act", RESCUE_ALERT_ACTORS, False, ACKNOWLEDGE, APPROVED),
    Endpoint("page-group-presence", "GET", f"/en/applications/{APPROVED}/presence", GROUP_READERS, False),
    Endpoint(
        "page-position", "POST", f"/en/applications/{APPROVED}/positions", GROUP_READERS, False, POSITION_FORM, APPROVED
    ),
    Endpoint(
        "page-descent",
        "POST",
        f"/en/applications/{APPROVED}/descent",
        frozenset({OWNER[APPROVED]}),
        False,
        {"note": "matrix"},
        APPROVED,
    ),
    # Without the leader's link (`?t=`): the operator only. The link is tested in tests/web.
    Endpoint(
        "page-permit-descent",
        "POST",
        "/en/permits/{permit}/descent",
        frozenset({OWNER[APPROVED]}),
        False,
        {"note": "matrix"},
        APPROVED,
    ),
    # Summit notices (issue 7): the same people as the descent notice.
    Endpoint("page-summit", "POST", f"/en/applications/{APPROVED}/summit", SUMMITERS, False, SUMMIT_FORM, APPROVED),
    Endpoint("page-permit-summit", "POST", "/en/permits/{permit}/summit", SUMMITERS, False, SUMMIT_FORM, APPROVED),
    Endpoint("api-summit", "POST", f"/api/v1/applications/{APPROVED}/summit", SUMMITERS, True, SUMMIT, APPROVED),
    Endpoint("page-devices", "GET", "/en/devices/", DEVICE_ADMINS, False),
    Endpoint(
        "page-device-register",
        "POST",
        "/en/devices/register",
        DEVICE_ADMINS,
        False,
        NEW_DEVICE,
    ),
    Endpoint("page-device-revoke", "POST", "/en/devices/{device}/revoke", DEVICE_ADMINS, False, {"reason": "matrix"}),
    Endpoint("api-presence", "GET", "/api/v1/presence", PRESENCE_READERS, True),
    Endpoint("api-group-presence", "GET", f"/api/v1/applications/{APPROVED}/presence", GROUP_READERS, True),
    Endpoint(
        "api-group-presence-contact",
        "GET",
        f"/api/v1/applications/{APPROVED}/presence?reason=matrix",
        GROUP_READERS,
        True,
        None,
        APPROVED,
        True,
    ),
    Endpoint(
        "api-position", "POST", f"/api/v1/applications/{APPROVED}/positions", GROUP_READERS, True, POSITION, APPROVED
    ),
    Endpoint(
        "api-descent",
        "POST",
        f"/api/v1/applications/{APPROVED}/descent",
        frozenset({OWNER[APPROVED]}),
        True,
        {"note": "matrix"},
        APPROVED,
    ),
    Endpoint("api-alerts", "GET", "/api/v1/alerts", frozenset(OPERATORS | RESCUE_READERS), True),
    Endpoint("api-alert-reminder", "POST", "/api/v1/alerts/{alert1}/act", REMINDER_ACTORS, True, ACKNOWLEDGE, APPROVED),
    Endpoint(
        "api-alert-rescue", "POST", "/api/v1/alerts/{alert3}/act", RESCUE_ALERT_ACTORS, True, ACKNOWLEDGE, APPROVED
    ),
    # A device's credential is the only way in: every person is refused, administrators too (401).
    Endpoint("api-device-manifest", "GET", "/api/v1/device/manifest", NOBODY, True),
    Endpoint("api-device-status", "GET", "/api/v1/device/status", NOBODY, True),
    Endpoint(
        "api-device-events",
        "POST",
        "/api/v1/device/events",
        NOBODY,
        True,
        {"sent_at": "2027-07-13T03:00:00Z", "events": []},
    ),
    # The one-time token is the credential: anyone may try one (a wrong one is a 400, never a device).
    Endpoint("api-device-enrol", "POST", "/api/v1/devices/enrol", frozenset(ROLES), True, {"token": "not-a-token"}),
]
# Before a group is approved its presence is the application's readers' (and administrators'), never the
# rescue services': a draft or a request under review is nobody's trip yet.
for reference in (DRAFT, UNDER_REVIEW):
    not_yet = frozenset({OWNER[reference]} | REVIEWERS[reference] | ADMINISTRATORS)
    CHECKPOINT_ENDPOINTS += [
        Endpoint(
            "page-group-presence", "GET", f"/en/applications/{reference}/presence", not_yet, False, None, reference
        ),
        Endpoint(
            "api-group-presence", "GET", f"/api/v1/applications/{reference}/presence", not_yet, True, None, reference
        ),
    ]
DEVICE_ONLY = ("/api/v1/device/",)

# Capacity: counts per resource-day for those who plan and review, who holds what for administrators
# (references and head counts, no personal data), and who-am-I for anyone signed in.
CALENDAR_READERS = frozenset(OPERATORS | BORDER_OFFICERS | ADMINISTRATORS)
SIGNED_IN = frozenset(set(ROLES) - NOT_SIGNED_IN)
CAPACITY_ENDPOINTS = [
    Endpoint("page-capacity-calendar", "GET", "/en/capacity/?first=2027-07-10", CALENDAR_READERS, api=False),
    Endpoint("api-capacity-calendar", "GET", "/api/v1/capacity/calendar?first=2027-07-10", CALENDAR_READERS, True),
    Endpoint("page-capacity-usage", "GET", "/en/capacity/usage?first=2027-07-10", ADMINISTRATORS, api=False),
    Endpoint("api-capacity-usage", "GET", "/api/v1/capacity/usage?first=2027-07-10", ADMINISTRATORS, api=True),
    Endpoint("api-whoami", "GET", "/api/v1/whoami", SIGNED_IN, api=True),
]
# --- Indicators (issue 7) ---------------------------------------------------------------------------
# The dashboard, its charts, the season report and the indicators API are unsuppressed counts: analysts and
# administrators. The trade ledger likewise (reading and importing). Open data is public, one season per
# year once it closed more than 30 days ago: with the clock on the demo's filing day (3 May 2027) the 2026
# season has; the refusal of 2027 is tested apart from the matrix (everyone is refused, so it is not a
# role's matter).
INDICATOR_READERS = frozenset(ADMINISTRATORS | {"analyst"})
SEASON_2027 = "first=2027-07-01&last=2027-09-30"
ENDED, NOT_ENDED = 2026, 2027  # open-data years: published, and not yet (not even begun on 3 May 2027)
OPEN_TABLE = "crossings.by_nationality"
LEDGER_CSV = (
    b"period_first,period_last,indicator,flow,value,scale,currency,growth_pct,reported_by,side,source,source_url,"
    b"published_on,note\n"
    b"2026-01-01,2026-06-30,turnover,,0.7,bn,USD,,kz_statistics,KZ,Matrix bulletin,https://example.org/matrix,"
    b"2026-08-01,matrix\n"
)
CLAIM = "Jan–Aug 2025 turnover USD 1.4 bn, +21 %"
INDICATOR_ENDPOINTS = [
    Endpoint("page-indicators", "GET", f"/en/indicators/?{SEASON_2027}", INDICATOR_READERS, False),
    Endpoint(
        "page-indicators-chart", "GET", f"/en/indicators/charts/flows.svg?{SEASON_2027}", INDICATOR_READERS, False
    ),
    Endpoint("page-indicators-report", "GET", "/en/indicators/report/2027/", INDICATOR_READERS, False),
    Endpoint("page-indicators-report-pdf", "GET", "/en/indicators/report/2027.pdf", INDICATOR_READERS, False),
    Endpoint("api-indicators", "GET", f"/api/v1/indicators?{SEASON_2027}", INDICATOR_READERS, True),
    Endpoint("page-ledger", "GET", "/en/ledger/", INDICATOR_READERS, False),
    Endpoint("page-ledger-import", "POST", "/en/ledger/import", INDICATOR_READERS, False, {"file": LEDGER_CSV}),
    Endpoint("page-ledger-claim", "POST", "/en/ledger/claim", INDICATOR_READERS, False, {"claim": CLAIM}),
    Endpoint("api-ledger-entries", "GET", "/api/v1/ledger/entries", INDICATOR_READERS, True),
    Endpoint("api-ledger-derived", "GET", "/api/v1/ledger/derived", INDICATOR_READERS, True),
    Endpoint("api-ledger-mirror", "GET", "/api/v1/ledger/mirror", INDICATOR_READERS, True),
    Endpoint("api-ledger-claim", "POST", "/api/v1/ledger/claim-check", INDICATOR_READERS, True, {"claim": CLAIM}),
    Endpoint("api-ledger-import", "POST", "/api/v1/ledger/import", INDICATOR_READERS, True, {"file": LEDGER_CSV}),
]
OPEN_DATA_ENDPOINTS = [
    Endpoint("page-open-data", "GET", "/en/indicators/open-data/", frozenset(ROLES), False),
    Endpoint(
        "page-open-data-csv", "GET", f"/en/indicators/open-data/{ENDED}/{OPEN_TABLE}.csv", frozenset(ROLES), False
    ),
    Endpoint("api-open-data-csv", "GET", f"/api/v1/open-data/{ENDED}/{OPEN_TABLE}.csv", frozenset(ROLES), True),
]
ENDPOINTS = (
    COMPANY_ENDPOINTS
    + [row for reference in REFERENCES for row in application_endpoints(reference)]
    + PERMIT_ENDPOINTS
    + PUBLIC_ENDPOINTS
    + CHECKPOINT_ENDPOINTS
    + CAPACITY_ENDPOINTS
    + INDICATOR_ENDPOINTS
    + OPEN_DATA_ENDPOINTS
)
MATRIX = [
    pytest.param(endpoint, role, id=f"{endpoint.name}:{endpoint.reference or '-'}:{role}")
    for endpoint in ENDPOINTS
    for role in ROLES
]


# --- The world, once per module ------------------------------------------------------------------


@dataclass
class World:
    users: dict
    first_member: dict[str, int]
    permit: str  # the id of the approved application's first member's permit
    qr: str  # its QR text
    alerts: dict[int, int]  # the approved group's overdue alerts by stage
    device: str  # a registered device (KRK)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo season with its people and applications, plus the extra people and the KG-only
    application; loaded once in an outer transaction that is rolled back when the module ends."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # services use durable transactions; this outer block is the test's, as in TestCase
        outer.__enter__()
        try:
            loaded = _world_load()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield loaded
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def filing_day(monkeypatch):
    """Pages and API take "today" from the clock; the demo files its applications on 3 May 2027."""
    from tengri.api import applications as api_applications
    from tengri.api import indicators as api_indicators
    from tengri.expeditions.demo import FILED_ON
    from tengri.web import applications as web_applications
    from tengri.web import indicators as web_indicators

    monkeypatch.setattr(web_applications, "today", lambda: FILED_ON)
    monkeypatch.setattr(web_indicators, "today", lambda: FILED_ON)
    monkeypatch.setattr(api_indicators, "_today", lambda: FILED_ON)
    monkeypatch.setattr(api_applications, "_today", lambda: FILED_ON)


def _world_load() -> World:
    from django.test import TestCase

    from tengri.accounts.services import account_create, company_register
    from tengri.core.roles import Role
    from tengri.expeditions import services
    from tengri.expeditions.demo import FILED_ON, demo_applications_load, demo_people_load
    from tengri.permits.demo import demo_keys_load
    from tengri.permits.services import permit_qr_text
    from tengri.registry.demo.loader import demo_season_load
    from tengri.registry.models import Route

    demo_season_load(with_users=False)
    demo_people_load()
    assert len(demo_keys_load()) == 2  # one active key per authority, before anything is approved
    # The approval's `application_approved` signal is sent after commit, and the outer block never
    # commits: run the callbacks as the commit would, so the permits are issued the way they are live.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert demo_applications_load() == 7
    user_model = get_user_model()
    user_model.objects.create_user("no-role", password=PASSWORD)
    user_model.objects.create_superuser("superuser", password=PASSWORD)
    account_create(actor=None, username="administrator", password=PASSWORD, role=Role.ADMINISTRATOR)
    account_create(actor=None, username=DEACTIVATED, password=PASSWORD, role=Role.BORDER_OFFICER, country="KZ")
    user_model.objects.filter(username=DEACTIVATED).update(is_active=False)
    lapsed = company_register(
        actor=None,
        name="Lapsed Treks",
        country="KZ",
        licence_number="KZ-TUR-0999",
        licence_valid_until=date(2024, 12, 31),
    )
    account_create(actor=None, username="operator-lapsed", password=PASSWORD, role=Role.OPERATOR, company=lapsed)

    # No route of the demo season lies in one state only, so the KG-only application is made by hand:
    # a draft with one member, then marked submitted with KG as its only authority, as a route wholly
    # inside Kyrgyzstan would have it.
    operator_kg = user_model.objects.get(username="operator-kg")
    kg_only = services.application_create(
        actor=operator_kg,
        company=operator_kg.account.company,
        route=Route.objects.get(code="KT-S-KG"),
        start_date=date(2027, 8, 20),
        end_date=date(2027, 8, 30),
        today=FILED_ON,
    )
    services.members_add(actor=operator_kg, application=kg_only, mrz_text=_kg_climber_mrz(), today=FILED_ON)
    Application.objects.filter(pk=kg_only.pk).update(state="submitted", review_round=1, required_authorities=["KG"])
    assert kg_only.reference == KG_ONLY

    states = dict(Application.objects.values_list("reference", "state"))
    assert states == {
        APPROVED: "approved",
        UNDER_REVIEW: "under_review",
        SUBMITTED: "submitted",
        CHANGES_REQUESTED: "changes_requested",
        REJECTED: "rejected",
        DRAFT: "draft",
        WITHDRAWN: "withdrawn",
        KG_ONLY: "submitted",
    }
    first_member = {
        application.reference: application.members.filter(removed_at__isnull=True).order_by("pk").first().pk
        for application in Application.objects.all()
    }
    approved = Application.objects.get(reference=APPROVED)
    assert sorted(Permit.objects.values_list("member_id", "review_round", "revoked_at")) == sorted(
        (member, 1, None) for member in approved.members.filter(removed_at__isnull=True).values_list("pk", flat=True)
    ), "the approved application's members each hold one live permit, and nobody else holds one"
    permit = Permit.objects.get(member_id=first_member[APPROVED])
    # The approved group plans to come out on 27 July 2027 and never does: every stage is due on the 29th.
    raised = overdue_sweep(now=datetime(2027, 7, 29, 12, 0, tzinfo=UTC))
    assert [(alert.application.reference, alert.stage, alert.country) for alert in raised] == [
        (APPROVED, stage, "KZ") for stage in (1, 2, 3)
    ]
    device, _token = device_register(actor=None, checkpoint_code="KRK", label="matrix laptop")
    return World(
        users={user.username: user for user in user_model.objects.all()},
        first_member=first_member,
        permit=str(permit.pk),
        qr=permit_qr_text(permit),
        alerts={alert.stage: alert.pk for alert in raised},
        device=str(device.pk),
    )


def _kg_climber_mrz() -> str:
    return "\n".join(
        td3_lines(
            surname="ISAKOV",
            given_names="TALANT",
            number="KG0000888",
            nationality="KGZ",
            birth_date=date(1990, 6, 1),
            sex="M",
            expiry_date=date(2034, 5, 20),
        )
    )


# --- Helpers -------------------------------------------------------------------------------------


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def request(client, world: World, endpoint: Endpoint, role: str):
    """Make the endpoint's request as `role`: pages with a session, the API with HTTP Basic."""
    path = endpoint.path.format(
        member=world.first_member.get(endpoint.reference, 0),
        permit=world.permit,
        alert1=world.alerts[1],
        alert3=world.alerts[3],
        device=world.device,
    )
    payload = endpoint.payload and {
        key: world.qr if value == QR_OF_THE_PERMIT else value for key, value in endpoint.payload.items()
    }
    headers = {}
    upload = payload and isinstance(payload.get("file"), bytes)
    if upload:  # a CSV file, sent as a form upload (page and API alike)
        payload = {**payload, "file": SimpleUploadedFile("matrix.csv", payload["file"], content_type="text/csv")}
    if endpoint.api:
        if role != ANONYMOUS:
            headers["Authorization"] = basic(role)
        if upload:
            return client.post(path, payload, headers=headers)
        body = {} if payload is None else {"data": json.dumps(payload)}
        return client.generic(endpoint.method, path, content_type="application/json", headers=headers, **body)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    if endpoint.method == "GET":
        return client.get(path)
    return client.post(path, payload or {})


def snapshot(reference: str = "", *, reads: bool = True) -> dict:
    """Everything a request could change: the application with its members, itinerary and decisions,
    how many applications there are, every permit, and the audit log (without its personal-data reads
    if not `reads`: a page that answers an allowed user's mistake shows the application, documents
    included)."""
    audit = AuditEntry.objects.all() if reads else AuditEntry.objects.exclude(action=PERSONAL_DATA_READ)
    shot = {
        "applications": sorted(Application.objects.values_list("reference", "state", "review_round")),
        "permits": sorted(Permit.objects.values_list("id", "member_id", "review_round", "revoked_at", "revoke_reason")),
        "audit": list(audit.values_list("sequence", "action")),
        "alerts": sorted(OverdueAlert.objects.values_list("pk", "stage", "state", "closed_at")),
        "alert_actions": AlertAction.objects.count(),
        "positions": PositionReport.objects.count(),
        "descent_notices": DescentNotice.objects.count(),
        "summit_notices": SummitNotice.objects.count(),
        "trade_figures": sorted(TradeFigure.objects.values_list("pk", "value", "source")),
        "devices": sorted(Device.objects.values_list("pk", "revoked_at", "enrolment_token_hash")),
    }
    if reference:
        application = Application.objects.get(reference=reference)
        shot["application"] = {
            field: getattr(application, field)
            for field in (
                "state",
                "review_round",
                "start_date",
                "end_date",
                "insurance_policy",
                "emergency_contact_name",
                "emergency_contact_phone",
                "required_authorities",
                "findings",
                "updated_at",
                "submitted_at",
                "decided_at",
                "closed_at",
            )
        }
        shot["members"] = sorted(application.members.values_list("pk", "removed_at"))
        shot["decisions"] = sorted(application.decisions.values_list("pk", "authority", "verdict", "review_round"))
        shot["nights"] = sorted(application.itinerary.values_list("date", "sleeping_place_id"))
        shot["passages"] = sorted(application.passages.values_list("date", "checkpoint_id", "direction"))
    return shot


def assert_refused(response, endpoint: Endpoint, role: str) -> None:
    if endpoint.path.startswith(DEVICE_ONLY):
        assert response.status_code == 401, response.content[:500]
        return
    if role in NOT_SIGNED_IN:
        if endpoint.api:
            assert response.status_code == 401, response.content[:500]
        else:
            assert response.status_code == 302, response.content[:500]
            assert response["Location"].startswith("/en/login/?next=")
    else:
        assert response.status_code == 403, response.content[:500]


def assert_reached(response) -> None:
    assert response.status_code not in (401, 403), response.content[:500]
    assert not (response.status_code == 302 and "/login/" in response["Location"])


def snapshot_without_reads(shot: dict) -> dict:
    """`shot` as `snapshot(..., reads=False)` would have taken it."""
    return {**shot, "audit": [(sequence, action) for sequence, action in shot["audit"] if action != PERSONAL_DATA_READ]}


def reads_since(before: dict) -> list[tuple[str, str, str]]:
    """The personal-data reads recorded after `before` was taken: (who, subject type, subject id)."""
    last = max([sequence for sequence, _ in before["audit"]], default=0)
    reads = AuditEntry.objects.filter(action=PERSONAL_DATA_READ, sequence__gt=last).order_by("sequence")
    return list(reads.values_list("actor_name", "subject_type", "subject_id"))


# --- The matrix ----------------------------------------------------------------------------------


# Pages and operations outside this matrix: the public registry, and signing in and out.
OTHER_PAGES = ("routes/", "checkpoints/", "login/", "logout/", "start/")
OTHER_OPERATIONS = ("/api/v1/routes", "/api/v1/checkpoints")


def test_the_matrix_covers_every_application_url_and_api_operation():
    """A new page or endpoint must be added to the matrix: compare with the URL conf and the OpenAPI."""
    from django.urls import get_resolver

    from tengri.api.main import api

    pages = {str(pattern.pattern) for pattern in get_resolver("tengri.web.urls").url_patterns}
    assert {page for page in pages if not page.startswith(OTHER_PAGES)} == {
        "applications/",
        "applications/new",
        "applications/<str:reference>/",
        "applications/<str:reference>/findings",
        "applications/<str:reference>/details",
        "applications/<str:reference>/itinerary",
        "applications/<str:reference>/members",
        "applications/<str:reference>/members/<int:member_id>/remove",
        "applications/<str:reference>/submit",
        "applications/<str:reference>/withdraw",
        "applications/<str:reference>/decide",
        "applications/<str:reference>/hold",
        "applications/<str:reference>/waitlist",
        "review/",
        "capacity/",
        "capacity/usage",
        "permits/<str:permit_id>/",
        "permits/<str:permit_id>.pdf",
        "permits/<str:permit_id>/replace",
        "permits/<str:permit_id>/descent",
        "presence/",
        "rescue/",
        "rescue/map.png",
        "rescue/<str:reference>/people",
        "alerts/<int:alert_id>/act",
        "applications/<str:reference>/presence",
        "applications/<str:reference>/positions",
        "applications/<str:reference>/descent",
        "applications/<str:reference>/summit",
        "permits/<str:permit_id>/summit",
        "devices/",
        "devices/register",
        "devices/<str:device_id>/revoke",
        "indicators/",
        "indicators/charts/<str:name>.<str:fmt>",
        "indicators/report/<int:year>/",
        "indicators/report/<int:year>.pdf",
        "indicators/open-data/",
        "indicators/open-data/<int:year>/<str:table>.csv",
        "ledger/",
        "ledger/import",
        "ledger/claim",
    }, "a page was added or renamed: put it in the access matrix"

    operations = {
        (method.upper(), path)
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
        if not path.startswith(OTHER_OPERATIONS)
    }
    assert operations == {
        ("GET", "/api/v1/applications"),
        ("POST", "/api/v1/applications"),
        ("GET", "/api/v1/applications/{reference}"),
        ("PATCH", "/api/v1/applications/{reference}"),
        ("PUT", "/api/v1/applications/{reference}/itinerary"),
        ("GET", "/api/v1/applications/{reference}/members"),
        ("POST", "/api/v1/applications/{reference}/members"),
        ("DELETE", "/api/v1/applications/{reference}/members/{member_id}"),
        ("POST", "/api/v1/applications/{reference}/submit"),
        ("POST", "/api/v1/applications/{reference}/withdraw"),
        ("POST", "/api/v1/applications/{reference}/decisions"),
        ("POST", "/api/v1/mrz/check"),
        ("GET", "/api/v1/applications/{reference}/permits"),
        ("GET", "/api/v1/trust-list"),
        ("GET", "/api/v1/revocations"),
        ("POST", "/api/v1/permits/verify"),
        ("POST", "/api/v1/permits/{permit_id}/replace"),
        ("GET", "/api/v1/presence"),
        ("GET", "/api/v1/applications/{reference}/presence"),
        ("POST", "/api/v1/applications/{reference}/positions"),
        ("POST", "/api/v1/applications/{reference}/descent"),
        ("POST", "/api/v1/applications/{reference}/summit"),
        ("GET", "/api/v1/alerts"),
        ("POST", "/api/v1/alerts/{alert_id}/act"),
        ("POST", "/api/v1/devices/enrol"),
        ("GET", "/api/v1/device/manifest"),
        ("POST", "/api/v1/device/events"),
        ("GET", "/api/v1/device/status"),
        ("GET", "/api/v1/applications/{reference}/hold"),
        ("POST", "/api/v1/applications/{reference}/hold"),
        ("POST", "/api/v1/applications/{reference}/waitlist"),
        ("GET", "/api/v1/capacity/calendar"),
        ("GET", "/api/v1/capacity/usage"),
        ("GET", "/api/v1/whoami"),
        ("GET", "/api/v1/indicators"),
        ("GET", "/api/v1/open-data/{year}/{table}.csv"),
        ("GET", "/api/v1/ledger/entries"),
        ("GET", "/api/v1/ledger/derived"),
        ("GET", "/api/v1/ledger/mirror"),
        ("POST", "/api/v1/ledger/claim-check"),
        ("POST", "/api/v1/ledger/import"),
    }, "an API operation was added or renamed: put it in the access matrix"


@pytest.mark.parametrize(("endpoint", "role"), MATRIX)
def test_every_role_against_every_endpoint(client, world, db, endpoint, role):
    before = snapshot(endpoint.reference)
    response = request(client, world, endpoint, role)
    if role not in endpoint.allowed:
        assert_refused(response, endpoint, role)
        assert snapshot(endpoint.reference) == before, "a refused request changed something"
        return
    assert_reached(response)
    if not endpoint.writes:
        assert response.status_code == 200
    if endpoint.reads_personal_data:
        if endpoint.audited == "permit":
            subject = ("permits.permit", world.permit)
        else:
            subject = ("expeditions.application", str(Application.objects.get(reference=endpoint.reference).pk))
        assert reads_since(before) == [(role, *subject)]


def test_every_role_is_refused_somewhere_and_reaches_something_only_if_it_should():
    """Guard the table itself: roles with no business here appear in no allowed set; only what a checkpoint
    syncs to verify offline, and the enrolment a one-time token protects, are public."""
    public = [endpoint for endpoint in ENDPOINTS if endpoint.allowed == frozenset(ROLES)]
    assert {endpoint.path.split("?")[0] for endpoint in public} == {
        "/api/v1/trust-list",
        "/api/v1/revocations",
        "/api/v1/devices/enrol",
        "/en/indicators/open-data/",
        f"/en/indicators/open-data/{ENDED}/{OPEN_TABLE}.csv",
        f"/api/v1/open-data/{ENDED}/{OPEN_TABLE}.csv",
    }
    assert all(endpoint.method == "GET" for endpoint in public if "enrol" not in endpoint.path)
    # Indicators and the ledger: analysts and administrators, nobody else; open data public (closed seasons).
    for endpoint in INDICATOR_ENDPOINTS:
        assert endpoint.allowed == INDICATOR_READERS
    assert all(endpoint in public and endpoint.method == "GET" for endpoint in OPEN_DATA_ENDPOINTS)
    guarded = [
        endpoint
        for endpoint in ENDPOINTS
        if endpoint not in public and endpoint not in CAPACITY_ENDPOINTS and endpoint not in INDICATOR_ENDPOINTS
    ]
    reached = {role for endpoint in guarded for role in endpoint.allowed}
    assert reached == OPERATORS | BORDER_OFFICERS | RESCUERS | ADMINISTRATORS | {"checkpoint-krk"}
    for endpoint in guarded:
        assert not endpoint.allowed & {"no-role", "analyst"}
        assert not endpoint.allowed & NOT_SIGNED_IN
        if endpoint not in CHECKPOINT_ENDPOINTS:  # applications and permits: no rescue, no administrators
            assert not endpoint.allowed & (RESCUERS | ADMINISTRATORS)
    assert all(not endpoint.allowed for endpoint in guarded if endpoint.path.startswith(DEVICE_ONLY))
    # Capacity counts are for planning and review; who holds what is for administrators; all read-only.
    for endpoint in CAPACITY_ENDPOINTS:
        assert endpoint.method == "GET" and not endpoint.allowed & NOT_SIGNED_IN
        if "whoami" not in endpoint.path:
            assert not endpoint.allowed & {"no-role", "checkpoint-krk", "rescue-kz", "rescue-kg", "analyst"}
        if "usage" in endpoint.path:
            assert endpoint.allowed == ADMINISTRATORS


# --- Open data: public, but never for a season not closed 30 days ago --------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/en/indicators/open-data/{NOT_ENDED}/{OPEN_TABLE}.csv",
        f"/api/v1/open-data/{NOT_ENDED}/{OPEN_TABLE}.csv",
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_open_data_of_a_season_not_closed_is_refused_to_everyone_with_the_reason(client, world, db, path, role):
    """Signing in would not help, so nobody is sent to the login page: 403 with the reason, for every role."""
    api = path.startswith("/api/")
    if role != ANONYMOUS and not api:
        client.force_login(world.users[role])
    headers = {"Authorization": basic(role)} if api and role != ANONYMOUS else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 403, response.content[:500]
    assert b"only for seasons that closed at least 30 days ago" in response.content


# --- The permits: the holder's private link, and verifying the real QR -----------------------------

PERMIT_VIEWS = ["/", ".pdf"]  # the page with the QR for a phone, and the PDF to print


@pytest.mark.parametrize("view", PERMIT_VIEWS)
@pytest.mark.parametrize("role", [ANONYMOUS, "operator-kg", "analyst"])
def test_the_holders_private_link_opens_the_permit_to_whoever_holds_it(client, world, db, view, role):
    """The operator hands each member a link with the token; it opens that permit without signing in,
    and the read is audited in the name of whoever followed it."""
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    before = snapshot(APPROVED)
    response = client.get(f"/en/permits/{world.permit}{view}?t={permit_link_token(world.permit)}")
    assert response.status_code == 200, response.content[:500]
    if view == ".pdf":
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert reads_since(before) == [(role, "permits.permit", world.permit)]
    assert snapshot(APPROVED, reads=False) == snapshot_without_reads(before)


def wrong_tokens(world: World) -> list[str]:
    token = permit_link_token(world.permit)
    other = Permit.objects.exclude(pk=world.permit).order_by("pk").first()
    return [
        permit_link_token(str(other.pk)),  # another member's link does not open this permit
        token[:-1],
        token + "0",
        token.upper(),
        "0" * 32,
        "",
    ]


@pytest.mark.parametrize("view", PERMIT_VIEWS)
def test_a_wrong_token_sends_the_anonymous_to_the_login_page(client, world, db, view):
    for token in wrong_tokens(world):
        before = snapshot(APPROVED)
        response = client.get(f"/en/permits/{world.permit}{view}?t={token}")
        assert response.status_code == 302, (token, response.content[:500])
        assert response["Location"].startswith("/en/login/?next=")
        assert snapshot(APPROVED) == before, "a refused permit view wrote something (an audit entry?)"


@pytest.mark.parametrize("view", PERMIT_VIEWS)
@pytest.mark.parametrize("role", ["operator-kg", "operator-lapsed", "checkpoint-krk", "rescue-kz", "no-role"])
def test_a_wrong_token_does_not_open_the_permit_to_those_who_may_not_read_the_application(
    client, world, db, view, role
):
    client.force_login(world.users[role])
    for token in wrong_tokens(world):
        before = snapshot(APPROVED)
        response = client.get(f"/en/permits/{world.permit}{view}?t={token}")
        assert response.status_code == 403, (token, response.content[:500])
        assert snapshot(APPROVED) == before, "a refused permit view wrote something (an audit entry?)"


@pytest.mark.parametrize("role", sorted(PERMIT_READERS))
def test_a_wrong_token_does_not_stop_those_who_may_read_the_application(client, world, db, role):
    client.force_login(world.users[role])
    before = snapshot(APPROVED)
    response = client.get(f"/en/permits/{world.permit}/?t=wrong")
    assert response.status_code == 200
    assert reads_since(before) == [(role, "permits.permit", world.permit)]


def test_the_permit_link_is_not_a_key_to_the_application(client, world, db):
    """The token opens the one permit; the application, its members and the other permits stay shut."""
    token = permit_link_token(world.permit)
    before = snapshot(APPROVED)
    other = Permit.objects.exclude(pk=world.permit).order_by("pk").first()
    assert client.get(f"/en/applications/{APPROVED}/?t={token}").status_code == 302
    assert client.get(f"/en/permits/{other.pk}/?t={token}").status_code == 302
    response = client.get(f"/api/v1/applications/{APPROVED}/permits?t={token}")
    assert response.status_code == 401
    response = client.post(f"/en/permits/{world.permit}/replace?t={token}", {"reason": "lost"})
    assert response.status_code == 302 and response["Location"].startswith("/en/login/?next=")
    assert snapshot(APPROVED) == before


def test_a_checkpoint_officer_verifies_the_real_qr_of_a_demo_permit(client, world, db):
    before = snapshot(APPROVED)
    response = client.post(
        "/api/v1/permits/verify",
        {**VERIFY, "qr": world.qr},
        content_type="application/json",
        headers={"Authorization": basic("checkpoint-krk")},
    )
    assert response.status_code == 200, response.content
    verdict = response.json()
    assert verdict["ok"] is True, verdict
    assert (verdict["reference"], verdict["permit_id"]) == (APPROVED, world.permit)
    assert snapshot(APPROVED) == before, "verifying wrote something"


def test_the_application_permits_api_lists_the_approved_applications_permits(client, world, db):
    response = client.get(f"/api/v1/applications/{APPROVED}/permits", headers={"Authorization": basic("officer-kg")})
    assert response.status_code == 200
    permits = Application.objects.get(reference=APPROVED).permits.values_list("pk", flat=True)
    assert sorted(row["id"] for row in response.json()) == sorted(str(pk) for pk in permits)
    for reference in REFERENCES[1:]:
        response = client.get(
            f"/api/v1/applications/{reference}/permits", headers={"Authorization": basic(OWNER[reference])}
        )
        assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("api", [False, True])
@pytest.mark.parametrize("role", sorted(PERMIT_READERS))
def test_replacing_a_permit_revokes_it_and_issues_the_holder_a_new_one(client, world, db, api, role):
    """What an allowed replace does, so that the matrix's refused replaces are seen to do nothing."""
    if api:
        response = client.post(
            f"/api/v1/permits/{world.permit}/replace",
            {"reason": "lost"},
            content_type="application/json",
            headers={"Authorization": basic(role)},
        )
        assert response.status_code == 200, response.content
    else:
        client.force_login(world.users[role])
        response = client.post(f"/en/permits/{world.permit}/replace", {"reason": "lost"})
        assert response.status_code == 302 and response["Location"] == f"/en/applications/{APPROVED}/"
    old = Permit.objects.get(pk=world.permit)
    assert old.revoked_at is not None and old.revoke_reason == "lost"
    live = Permit.objects.filter(member_id=old.member_id, revoked_at=None)
    assert live.count() == 1 and str(live.get().pk) != world.permit


@pytest.mark.parametrize(
    ("role", "method", "path", "payload"),
    [
        # A moment past the year 9999 is no datetime.
        (ANONYMOUS, "GET", "/api/v1/revocations?since=1099511627776", None),
        # At the end of time the revocation list's `expires > now` would overflow.
        ("officer-kz", "POST", "/api/v1/permits/verify", {**VERIFY, "at": "9999-12-31T23:59:59-12:00"}),
    ],
    ids=["revocations-since-beyond-9999", "verify-at-end-of-time"],
)
def test_bad_input_to_the_permit_endpoints_is_refused_not_a_server_error(world, db, role, method, path, payload):
    """Whoever may reach an endpoint gets a 4xx for input it cannot use, never a 500."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    headers = {} if role == ANONYMOUS else {"Authorization": basic(role)}
    body = {} if payload is None else {"data": json.dumps({**payload, "qr": world.qr})}
    before = snapshot(APPROVED)
    response = client.generic(method, path, content_type="application/json", headers=headers, **body)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert snapshot(APPROVED) == before


@pytest.mark.parametrize(
    ("payload", "meaning"),
    [
        ({**VERIFY, "at": "2027-07-13T08:00:00"}, "a time without a zone is read as UTC"),
        ({**VERIFY, "checkpoint": ""}, "an empty checkpoint code means no checkpoint"),
    ],
)
def test_lenient_verify_input_has_a_documented_meaning(world, db, payload, meaning):
    from django.test import Client

    response = Client(raise_request_exception=False).post(
        "/api/v1/permits/verify",
        json.dumps({**payload, "qr": world.qr}),
        content_type="application/json",
        headers={"Authorization": basic("checkpoint-krk")},
    )
    assert response.status_code == 200, meaning
    assert response.json()["verdict"] == "VALID", meaning


# --- Officers decide for their own state only ------------------------------------------------------


def test_an_officer_cannot_decide_for_the_other_country_through_the_api(client, world, db):
    """The authority comes from the officer's account; an `authority` smuggled in the body is ignored."""
    response = client.post(
        f"/api/v1/applications/{SUBMITTED}/decisions",
        {"verdict": "approve", "reason": "", "authority": "KG"},
        content_type="application/json",
        headers={"Authorization": basic("officer-kz")},
    )
    assert response.status_code == 201, response.content
    assert response.json()["authority"] == "KZ"
    application = Application.objects.get(reference=SUBMITTED)
    assert list(application.decisions.values_list("authority", "officer__username")) == [("KZ", "officer-kz")]
    assert application.state == "under_review"  # KG has yet to decide


def test_an_officer_cannot_decide_for_the_other_country_on_the_page(client, world, db):
    client.force_login(world.users["officer-kz"])
    response = client.post(
        f"/en/applications/{SUBMITTED}/decide", {"verdict": "approve", "authority": "KG", "country": "KG"}
    )
    assert response.status_code == 302
    application = Application.objects.get(reference=SUBMITTED)
    assert list(application.decisions.values_list("authority", "officer__username")) == [("KZ", "officer-kz")]


def test_deciding_again_for_an_authority_that_already_decided_is_a_conflict_not_a_refusal(client, world, db):
    """officer-kz may decide on an application needing KZ: access is granted; the state refuses a
    second KZ decision in the same round (409), and nothing is recorded for KG in its name."""
    before = snapshot(UNDER_REVIEW, reads=False)
    response = client.post(
        f"/api/v1/applications/{UNDER_REVIEW}/decisions",
        {"verdict": "reject", "reason": "second thoughts"},
        content_type="application/json",
        headers={"Authorization": basic("officer-kz")},
    )
    assert response.status_code == 409
    assert "already decided" in response.json()["detail"]
    assert snapshot(UNDER_REVIEW, reads=False) == before

    client.force_login(world.users["officer-kz"])
    page = client.post(f"/en/applications/{UNDER_REVIEW}/decide", {"verdict": "reject", "reason": "again"})
    assert page.status_code == 400 and "already decided" in page.content.decode()
    assert snapshot(UNDER_REVIEW, reads=False) == before


def test_the_other_countrys_officer_completes_the_approval_in_its_own_name(client, world, db):
    response = client.post(
        f"/api/v1/applications/{UNDER_REVIEW}/decisions",
        {"verdict": "approve"},
        content_type="application/json",
        headers={"Authorization": basic("officer-kg")},
    )
    assert response.status_code == 201 and response.json()["authority"] == "KG"
    application = Application.objects.get(reference=UNDER_REVIEW)
    assert application.state == "approved"
    assert sorted(application.decisions.values_list("authority", "officer__username")) == [
        ("KG", "officer-kg"),
        ("KZ", "officer-kz"),
    ]


def test_an_officer_of_a_state_the_route_does_not_enter_neither_sees_nor_decides(client, world, db):
    before = snapshot(KG_ONLY)
    for verdict in ("approve", "reject"):
        response = client.post(
            f"/api/v1/applications/{KG_ONLY}/decisions",
            {"verdict": verdict, "reason": "not ours", "authority": "KG"},
            content_type="application/json",
            headers={"Authorization": basic("officer-kz")},
        )
        assert response.status_code == 403
    assert snapshot(KG_ONLY) == before
    response = client.post(
        f"/api/v1/applications/{KG_ONLY}/decisions",
        {"verdict": "approve"},
        content_type="application/json",
        headers={"Authorization": basic("officer-kg")},
    )
    assert response.status_code == 201
    assert Application.objects.get(reference=KG_ONLY).state == "approved"  # KG alone was required


# --- Lists and queues per role ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("operator-kz", [APPROVED, UNDER_REVIEW, SUBMITTED]),
        ("operator-kg", [CHANGES_REQUESTED, REJECTED, DRAFT, WITHDRAWN, KG_ONLY]),
        ("operator-lapsed", []),
        ("officer-kz", [SUBMITTED]),  # KZ decided 000002 already; 000008 needs KG only; never a draft
        ("officer-kg", [UNDER_REVIEW, SUBMITTED, KG_ONLY]),
    ],
)
def test_the_application_list_api_answers_per_role(client, world, db, role, expected):
    response = client.get("/api/v1/applications", headers={"Authorization": basic(role)})
    assert response.status_code == 200
    assert sorted(row["reference"] for row in response.json()) == sorted(expected)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("officer-kz", {SUBMITTED}), ("officer-kg", {UNDER_REVIEW, SUBMITTED, KG_ONLY})],
)
def test_the_review_queue_page_lists_only_the_officers_own_work(client, world, db, role, expected):
    client.force_login(world.users[role])
    html = client.get("/en/review/").content.decode()
    assert {reference for reference in REFERENCES if reference in html} == expected


@pytest.mark.parametrize(
    ("role", "own"),
    [
        ("operator-kz", {APPROVED, UNDER_REVIEW, SUBMITTED}),
        ("operator-kg", {CHANGES_REQUESTED, REJECTED, DRAFT, WITHDRAWN, KG_ONLY}),
        ("operator-lapsed", set()),
    ],
)
def test_the_application_list_page_shows_only_the_operators_company(client, world, db, role, own):
    client.force_login(world.users[role])
    html = client.get("/en/applications/").content.decode()
    assert {reference for reference in REFERENCES if reference in html} == own


# --- Another company's things through one's own application --------------------------------------


def test_an_operator_cannot_remove_another_companys_member_through_an_own_application(client, world, db):
    foreign_member = world.first_member[CHANGES_REQUESTED]
    before = snapshot(CHANGES_REQUESTED, reads=False), snapshot(APPROVED, reads=False)
    response = client.delete(
        f"/api/v1/applications/{APPROVED}/members/{foreign_member}?reason=matrix",
        headers={"Authorization": basic("operator-kz")},
    )
    assert response.status_code == 404
    client.force_login(world.users["operator-kz"])
    page = client.post(f"/en/applications/{APPROVED}/members/{foreign_member}/remove", {"reason": "matrix"})
    assert page.status_code == 400
    assert (snapshot(CHANGES_REQUESTED, reads=False), snapshot(APPROVED, reads=False)) == before


def test_an_operator_cannot_name_another_companys_guide(client, world, db):
    from tengri.expeditions.models import Guide

    foreign_guide = Guide.objects.get(full_name="ASANOV BAKYT")  # Inylchek Expeditions (KG)
    before = snapshot(APPROVED, reads=False)
    response = client.post(
        f"/api/v1/applications/{APPROVED}/members",
        {"mrz": new_passport_mrz(), "role": "guide", "guide_id": foreign_guide.pk},
        content_type="application/json",
        headers={"Authorization": basic("operator-kz")},
    )
    assert response.status_code == 404
    client.force_login(world.users["operator-kz"])
    page = client.post(
        f"/en/applications/{APPROVED}/members", {"mrz": new_passport_mrz(), "role": "guide", "guide": foreign_guide.pk}
    )
    assert page.status_code == 400
    assert snapshot(APPROVED, reads=False) == before


# --- How the API knows who calls ------------------------------------------------------------------


def test_the_api_accepts_a_browser_session_and_applies_the_same_rules(client, world, db):
    client.force_login(world.users["operator-kz"])
    assert client.get(f"/api/v1/applications/{APPROVED}").status_code == 200
    assert client.get(f"/api/v1/applications/{DRAFT}").status_code == 403
    before = snapshot(DRAFT)
    assert client.post(f"/api/v1/applications/{DRAFT}/submit").status_code == 403
    assert snapshot(DRAFT) == before


@pytest.mark.parametrize(
    "authorization",
    [basic("operator-kz", "wrong"), basic("nobody-at-all"), basic(DEACTIVATED), "Basic not-base64", "Bearer x"],
)
def test_bad_or_switched_off_credentials_get_401(client, world, db, authorization):
    response = client.get(f"/api/v1/applications/{APPROVED}", headers={"Authorization": authorization})
    assert response.status_code == 401


# --- The administration site ----------------------------------------------------------------------

PEOPLE_ADMIN = ["/admin/accounts/company/", "/admin/accounts/account/", "/admin/expeditions/guide/"]


@pytest.mark.parametrize("path", PEOPLE_ADMIN)
@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_manage_companies_accounts_and_guides(client, world, db, path, role):
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    response = client.get(path)
    if role in ("administrator", "superuser"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", ["application", "member"])
def test_applications_and_their_members_are_not_in_the_admin_at_all(client, world, db, model):
    client.force_login(world.users["administrator"])
    assert client.get(f"/admin/expeditions/{model}/").status_code == 404


# --- A signed-in browser cannot be made to post from another site --------------------------------


def test_a_page_post_without_the_csrf_token_is_refused(world, db):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["operator-kz"])
    before = snapshot(SUBMITTED)
    response = browser.post(f"/en/applications/{SUBMITTED}/withdraw", {"reason": "forged"})
    assert response.status_code == 403
    assert snapshot(SUBMITTED) == before


def test_an_api_post_on_a_session_without_the_csrf_token_is_refused(world, db):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["operator-kz"])
    before = snapshot(SUBMITTED)
    response = browser.post(
        f"/api/v1/applications/{SUBMITTED}/withdraw", {"reason": "forged"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert snapshot(SUBMITTED) == before
