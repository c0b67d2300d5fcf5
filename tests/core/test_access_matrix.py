"""The access matrix of group applications: every page and API endpoint against every role.

The demo season (two companies, every role, applications in every state) is loaded once for the
module inside an outer transaction, as Django's `setUpTestData` does; each test runs in a savepoint
that is rolled back, so an allowed write in one test is never seen by the next.

For each (method, path, payload) the matrix lists who may reach it. Everyone else is refused: a page
sends the anonymous to the login page and answers 403 to the rest; the API answers 401 to the
anonymous and 403 to the rest. A refused request changes nothing (state, members, decisions,
itinerary, audit log), and every read of members' personal data by an allowed user leaves exactly one
`personal_data.read` entry in the audit log.
"""

import base64
import json
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from tengri.core.audit import PERSONAL_DATA_READ
from tengri.core.models import AuditEntry
from tengri.documents.specimen import td3_lines
from tengri.expeditions.models import Application

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
    """One request and who may make it. `path` may name {reference} and {member} (a member of it)."""

    name: str
    method: str
    path: str
    allowed: frozenset[str]
    api: bool
    payload: dict | None = None
    reference: str = ""
    reads_personal_data: bool = False

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
ENDPOINTS = COMPANY_ENDPOINTS + [row for reference in REFERENCES for row in application_endpoints(reference)]
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
    from tengri.expeditions.demo import FILED_ON
    from tengri.web import applications as web_applications

    monkeypatch.setattr(web_applications, "today", lambda: FILED_ON)
    monkeypatch.setattr(api_applications, "_today", lambda: FILED_ON)


def _world_load() -> World:
    from tengri.accounts.services import account_create, company_register
    from tengri.core.roles import Role
    from tengri.expeditions import services
    from tengri.expeditions.demo import FILED_ON, demo_applications_load, demo_people_load
    from tengri.registry.demo.loader import demo_season_load
    from tengri.registry.models import Route

    demo_season_load(with_users=False)
    demo_people_load()
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
    return World(users={user.username: user for user in user_model.objects.all()}, first_member=first_member)


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
    path = endpoint.path.format(member=world.first_member.get(endpoint.reference, 0))
    headers = {}
    if endpoint.api:
        if role != ANONYMOUS:
            headers["Authorization"] = basic(role)
        body = {} if endpoint.payload is None else {"data": json.dumps(endpoint.payload)}
        return client.generic(endpoint.method, path, content_type="application/json", headers=headers, **body)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    if endpoint.method == "GET":
        return client.get(path)
    return client.post(path, endpoint.payload or {})


def snapshot(reference: str = "", *, reads: bool = True) -> dict:
    """Everything a request could change: the application with its members, itinerary and decisions,
    how many applications there are, and the audit log (without its personal-data reads if not `reads`:
    a page that answers an allowed user's mistake shows the application, documents included)."""
    audit = AuditEntry.objects.all() if reads else AuditEntry.objects.exclude(action=PERSONAL_DATA_READ)
    shot = {
        "applications": sorted(Application.objects.values_list("reference", "state", "review_round")),
        "audit": list(audit.values_list("sequence", "action")),
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


# --- The matrix ----------------------------------------------------------------------------------


# Pages and operations outside this matrix: the public registry, signing in and out, and the permits
# (their own work in progress: they join the matrix, with permit data, when they land).
OTHER_PAGES = ("routes/", "checkpoints/", "login/", "logout/", "start/", "permits/")
OTHER_OPERATIONS = ("/api/v1/routes", "/api/v1/checkpoints", "/api/v1/permits", "/api/v1/trust-list")
OTHER_OPERATIONS += ("/api/v1/revocations", "/api/v1/applications/{reference}/permits")


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
        "review/",
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
        reads = AuditEntry.objects.filter(
            action=PERSONAL_DATA_READ, sequence__gt=max([s for s, _ in before["audit"]], default=0)
        )
        application = Application.objects.get(reference=endpoint.reference)
        assert [(entry.actor_name, entry.subject_id) for entry in reads] == [(role, str(application.pk))]


def test_every_role_is_refused_somewhere_and_reaches_something_only_if_it_should():
    """Guard the table itself: roles with no business in applications appear in no allowed set."""
    reached = {role for endpoint in ENDPOINTS for role in endpoint.allowed}
    assert reached == OPERATORS | BORDER_OFFICERS | {"checkpoint-krk"}
    for endpoint in ENDPOINTS:
        assert not endpoint.allowed & {"no-role", "rescue-kz", "rescue-kg", "analyst", "administrator", "superuser"}
        assert not endpoint.allowed & NOT_SIGNED_IN


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
