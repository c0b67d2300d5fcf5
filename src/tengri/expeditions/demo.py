"""The demo season's people and applications: two companies, every role, guides, and applications in
every state. Used by `tengri demo` (which `make run` calls) and by the browser tests.

Idempotent: users and companies are updated in place; applications are created once (when the
companies have none). All people and passports are invented.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from tengri.accounts.services import account_create, company_register
from tengri.approvals.services import decision_record
from tengri.core.roles import Role
from tengri.documents.specimen import td3_lines
from tengri.expeditions import services
from tengri.expeditions.models import Application, Guide, Member
from tengri.registry.models import Route

PASSWORD = "tengri-demo-2026"  # noqa: S105 (published on purpose: demo logins for development only)
SEASON = 2027
NATIONALITY = {"KZ": "KAZ", "KG": "KGZ"}
FILED_ON = date(SEASON, 5, 3)  # the demo applications are filed as if on this day

USERS = [
    # (username, role, country, company licence, what they do)
    ("operator-kz", Role.OPERATOR, "", "KZ-TUR-0042", "tour operator, Tengri Alpine Tours (KZ)"),
    ("operator-kg", Role.OPERATOR, "", "KG-TUR-0117", "tour operator, Inylchek Expeditions (KG)"),
    ("officer-kz", Role.BORDER_OFFICER, "KZ", None, "border officer, KZ Border Service"),
    ("officer-kg", Role.BORDER_OFFICER, "KG", None, "border officer, KG Border Service"),
    ("checkpoint-krk", Role.CHECKPOINT_OFFICER, "KZ", None, "checkpoint officer, Karkara"),
    ("rescue-kz", Role.RESCUE_OFFICER, "KZ", None, "rescue officer, KZ"),
    ("rescue-kg", Role.RESCUE_OFFICER, "KG", None, "rescue officer, KG"),
    ("analyst", Role.ANALYST, "", None, "council secretariat analyst"),
]
COMPANIES = [
    ("Tengri Alpine Tours", "KZ", "KZ-TUR-0042", "ops@tengri-alpine.example"),
    ("Inylchek Expeditions", "KG", "KG-TUR-0117", "office@inylchek.example"),
]
GUIDES = [
    ("KZ-TUR-0042", "ZHUMABEKOV ASKAR", "6A"),
    ("KZ-TUR-0042", "PETROVA OLGA", "3B"),
    ("KG-TUR-0117", "ASANOV BAKYT", "6A"),
    ("KG-TUR-0117", "TOKTOGULOVA AIGUL", "2A"),
]
# Nights of each route's programme (place codes) and planned passages (night index, checkpoint, direction).
PROGRAMMES = {
    "KT-N-KZ": (
        ["almaty", "karkara-kz", "karkara-kz"]
        + ["north-inylchek-bc"] * 3
        + [
            "kt-n-camp-1",
            "north-inylchek-bc",
            "north-inylchek-bc",
            "kt-n-camp-1",
            "kt-n-camp-2",
            "north-inylchek-bc",
            "north-inylchek-bc",
            "kt-n-camp-1",
            "kt-n-camp-2",
            "chapaev-shoulder",
            "north-inylchek-bc",
            "karkara-kz",
        ],
        [(3, "KRK-HB-KZ", "in"), (3, "NIB-HP", "in"), (17, "NIB-HP", "out"), (17, "KRK-HB-KZ", "out")],
    ),
    "KT-S-KG": (
        ["karakol", "maida-adyr"]
        + ["south-inylchek-bc"] * 3
        + [
            "kt-s-camp-1",
            "south-inylchek-bc",
            "south-inylchek-bc",
            "kt-s-camp-1",
            "kt-s-camp-2",
            "south-inylchek-bc",
            "south-inylchek-bc",
            "kt-s-camp-2",
            "kt-s-camp-3",
            "south-inylchek-bc",
            "maida-adyr",
        ],
        [(2, "MAD-HB", "in"), (2, "SIB-HP", "in"), (15, "SIB-HP", "out"), (15, "MAD-HB", "out")],
    ),
    "SRB-TREK": (["kolsai-lower", "kolsai-middle", "sary-bulak-pass"], [(2, "SRB", "in"), (3, "SRB", "out")]),
}


@dataclass(frozen=True)
class Person:
    surname: str
    given_names: str
    nationality: str
    born: date
    sex: str
    number: str

    def mrz(self) -> str:
        return "\n".join(
            td3_lines(
                surname=self.surname,
                given_names=self.given_names,
                number=self.number,
                nationality=self.nationality,
                birth_date=self.born,
                sex=self.sex,
                expiry_date=date(2034, 5, 20),
            )
        )


def person(index: int, surname: str, given: str, nationality: str, sex: str = "M") -> Person:
    return Person(
        surname, given, nationality, date(1975 + index % 20, 1 + index % 12, 1 + index % 27), sex, f"DM{index:07d}"
    )


def demo_people_load() -> list[tuple[str, str, str]]:
    """Companies, users and guides; returns (username, password, role) for the logins to print."""
    companies = {
        licence: company_register(
            actor=None,
            name=name,
            country=country,
            licence_number=licence,
            licence_valid_until=date(SEASON + 1, 12, 31),
            email=email,
        )
        for name, country, licence, email in COMPANIES
    }
    for username, role, country, licence, _ in USERS:
        account_create(
            actor=None,
            username=username,
            password=PASSWORD,
            role=role,
            country=country,
            company=companies.get(licence or ""),
            email=f"{username}@tengri.example",
        )
    for licence, name, grade in GUIDES:
        Guide.objects.update_or_create(
            company=companies[licence], full_name=name, defaults={"qualification_grade": grade}
        )
    return [(username, PASSWORD, what) for username, _, _, _, what in USERS]


def demo_applications_load() -> int:
    """Applications in every state (once). Returns how many were created."""
    if Application.objects.filter(company__licence_number__in=[c[2] for c in COMPANIES]).exists():
        return 0
    kz, kg = (Guide.objects.get(full_name=name) for name in ("ZHUMABEKOV ASKAR", "ASANOV BAKYT"))
    operator_kz, operator_kg = _user("operator-kz"), _user("operator-kg")
    officers = {"KZ": _user("officer-kz"), "KG": _user("officer-kg")}
    olga = Guide.objects.get(full_name="PETROVA OLGA")
    # (application, decisions): approved, under review, submitted, changes requested, rejected, draft.
    made = [
        (_filed(operator_kz, "KT-N-KZ", date(SEASON, 7, 10), kz, 1), {"KZ": "approve", "KG": "approve"}),
        (_filed(operator_kz, "KT-N-KZ", date(SEASON, 7, 20), kz, 10), {"KZ": "approve"}),
        (_filed(operator_kz, "SRB-TREK", date(SEASON, 8, 4), olga, 20), {}),
        (_filed(operator_kg, "KT-S-KG", date(SEASON, 7, 14), kg, 30), {"KG": "request_changes"}),
        (_filed(operator_kg, "KT-S-KG", date(SEASON, 8, 1), kg, 40), {"KZ": "reject"}),
        (_filed(operator_kg, "KT-S-KG", date(SEASON, 8, 10), kg, 50, submit=False), {}),
    ]
    services.application_withdraw(
        actor=operator_kg,
        application=_filed(operator_kg, "KT-S-KG", date(SEASON, 7, 5), kg, 60),
        reason="the group cancelled its trip",
    )
    for application, decide in made:
        for authority, verdict in decide.items():
            reason = "" if verdict == "approve" else "demo: " + verdict.replace("_", " ")
            decision_record(
                actor=officers[authority], application=application, authority=authority, verdict=verdict, reason=reason
            )
    return len(made) + 1


def _filed(actor, route_code: str, start: date, guide: Guide, seed: int, *, submit: bool = True) -> Application:
    nights, passages = PROGRAMMES[route_code]
    route = Route.objects.get(code=route_code)
    end = start + timedelta(days=len(nights))
    application = services.application_create(
        actor=actor, company=actor.account.company, route=route, start_date=start, end_date=end, today=FILED_ON
    )
    services.application_update(
        actor=actor,
        application=application,
        today=FILED_ON,
        emergency_contact_name="Saule Nurlanovna",
        emergency_contact_phone="+7 701 555 0101",
        insurance_policy=f"ALP-{SEASON}-{seed:05d}",
    )
    services.itinerary_set(
        actor=actor,
        application=application,
        today=FILED_ON,
        nights={start + timedelta(days=n): code for n, code in enumerate(nights)},
        passages=[(start + timedelta(days=n), checkpoint, way) for n, checkpoint, way in passages],
    )
    leader_surname, leader_given = guide.full_name.split(" ", 1)
    services.members_add(
        actor=actor,
        application=application,
        today=FILED_ON,
        role=Member.Role.LEADER,
        guide=guide,
        mrz_text=person(seed, leader_surname, leader_given, NATIONALITY[guide.company.country]).mrz(),
    )
    climbers = [
        person(seed + n, *name)
        for n, name in enumerate(
            [("MUELLER", "ANNA", "D<<", "F"), ("NOWAK", "PIOTR", "POL"), ("TANAKA", "KENJI", "JPN")], start=1
        )
    ]
    services.members_add(
        actor=actor,
        application=application,
        today=FILED_ON,
        mrz_text="\n\n".join(climber.mrz() for climber in climbers),
    )
    if submit:
        services.application_submit(actor=actor, application=application, today=FILED_ON)
    return application


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
