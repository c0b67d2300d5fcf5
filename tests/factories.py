"""Factories for tests of accounts, applications and decisions. They go through the services, as users do.

Every factory needs the demo season's registry (the `demo_season` fixture) for routes and checkpoints.
Numbers that must be unique (licences, usernames, passport numbers) come from one counter, so two calls
never collide. Applications are filed on `TODAY`, well before `START`, so that every lead time passes.
"""

import itertools
from datetime import date, timedelta

from tengri.accounts.models import Company
from tengri.accounts.services import account_create, company_register
from tengri.approvals.services import decision_record
from tengri.core.roles import Role
from tengri.documents.specimen import td3_lines
from tengri.expeditions import services
from tengri.expeditions.demo import PROGRAMMES
from tengri.expeditions.models import Application, Guide, Member
from tengri.registry.models import Place, Route, Waypoint

TODAY = date(2027, 4, 1)  # a Thursday, no public holiday in either state
START = date(2027, 7, 12)  # a Monday in the season of every demo route and checkpoint
PASSWORD = "factory-password"
PASSPORT_EXPIRY = date(2034, 5, 20)
CLIMBERS = [("MUELLER", "ANNA", "D<<", "F"), ("NOWAK", "PIOTR", "POL", "M"), ("TANAKA", "KENJI", "JPN", "M")]
NATIONALITY = {"KZ": "KAZ", "KG": "KGZ"}

_unique = itertools.count(1)


def unique() -> int:
    return next(_unique)


# --- Companies, people, guides ----------------------------------------------------------------------


def company(*, country: str = "KZ", licence_valid_until: date = date(2028, 12, 31), email: str = "") -> Company:
    number = unique()
    return company_register(
        actor=None,
        name=f"Test Tours {number}",
        country=country,
        licence_number=f"{country}-TEST-{number:04d}",
        licence_valid_until=licence_valid_until,
        email=email or f"office{number}@tours.example",
    )


def user(role: str, *, company: Company | None = None, country: str = "", email: str | None = None):
    username = f"{role.replace('_', '-')}-{unique()}"
    return account_create(
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        country=country,
        company=company,
        email=f"{username}@tengri.example" if email is None else email,
    )


def operator(of_company: Company | None = None):
    return user(Role.OPERATOR, company=of_company or company())


def border_officer(country: str):
    return user(Role.BORDER_OFFICER, country=country)


def officers() -> dict:
    """A border officer of each state, by authority code."""
    return {"KZ": border_officer("KZ"), "KG": border_officer("KG")}


def guide(of_company: Company, *, grade: str = "6A", full_name: str = "") -> Guide:
    return Guide.objects.create(
        company=of_company, full_name=full_name or f"GUIDE{_letters(unique())} ASKAR", qualification_grade=grade
    )


def _letters(number: int) -> str:
    """A number as letters (MRZ names have no digits): 1 → B, 26 → BA."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + letters
        if number == 0:
            return letters


# --- Passports --------------------------------------------------------------------------------------


def passport_number() -> str:
    return f"TF{unique():07d}"


def mrz(
    *,
    surname: str = "",
    given_names: str = "ANNA",
    number: str = "",
    nationality: str = "KAZ",
    birth_date: date = date(1985, 3, 14),
    sex: str = "F",
    expiry_date: date = PASSPORT_EXPIRY,
) -> str:
    """The two MRZ lines of a valid TD3 passport, one per line."""
    return "\n".join(
        td3_lines(
            surname=surname or f"CLIMBER{_letters(unique())}",
            given_names=given_names,
            number=number or passport_number(),
            nationality=nationality,
            birth_date=birth_date,
            sex=sex,
            expiry_date=expiry_date,
        )
    )


def climbers_mrz(count: int = 3) -> str:
    """`count` climbers of several nationalities (Germany's code is D<<), one passport after another."""
    return "\n\n".join(
        mrz(
            surname=CLIMBERS[index % len(CLIMBERS)][0] + _letters(unique()),
            given_names=CLIMBERS[index % len(CLIMBERS)][1],
            nationality=CLIMBERS[index % len(CLIMBERS)][2],
            sex=CLIMBERS[index % len(CLIMBERS)][3],
            birth_date=date(1980 + index, 1 + index, 10 + index),
        )
        for index in range(count)
    )


# --- Applications -----------------------------------------------------------------------------------


def programme(route_code: str, start: date) -> tuple[dict[date, str], list[tuple[date, str, str]], date]:
    """The demo programme of a route from `start`: nights, passages and the end date."""
    nights, passages = PROGRAMMES[route_code]
    return (
        {start + timedelta(days=n): code for n, code in enumerate(nights)},
        [(start + timedelta(days=n), checkpoint, way) for n, checkpoint, way in passages],
        start + timedelta(days=len(nights)),
    )


def application_draft(*, actor, route_code: str = "KT-N-KZ", start: date = START, today: date = TODAY) -> Application:
    """A bare draft with the dates of the route's programme."""
    _, _, end = programme(route_code, start)
    return services.application_create(
        actor=actor,
        company=actor.account.company,
        route=Route.objects.get(code=route_code),
        start_date=start,
        end_date=end,
        today=today,
    )


def application_complete(
    *,
    actor,
    route_code: str = "KT-N-KZ",
    start: date = START,
    today: date = TODAY,
    leader: Guide | None = None,
    climbers: int = 3,
) -> Application:
    """A draft that passes every blocking check: contacts, insurance, itinerary, passages, a qualified guide
    as leader and `climbers` more members. Warnings (acclimatisation) may remain."""
    application = application_draft(actor=actor, route_code=route_code, start=start, today=today)
    services.application_update(
        actor=actor,
        application=application,
        today=today,
        emergency_contact_name="Saule Nurlanovna",
        emergency_contact_phone="+7 701 555 0101",
        insurance_policy=f"ALP-{unique():05d}",
    )
    nights, passages, _ = programme(route_code, start)
    services.itinerary_set(actor=actor, application=application, today=today, nights=nights, passages=passages)
    leader = leader or guide(actor.account.company)
    surname, given_names = leader.full_name.split(" ", 1)
    services.members_add(
        actor=actor,
        application=application,
        today=today,
        role=Member.Role.LEADER,
        guide=leader,
        mrz_text=mrz(
            surname=surname,
            given_names=given_names,
            nationality=NATIONALITY[leader.company.country],
            sex="M",
        ),
    )
    if climbers:
        services.members_add(actor=actor, application=application, today=today, mrz_text=climbers_mrz(climbers))
    application.refresh_from_db()
    return application


def application_submitted(*, actor, today: date = TODAY, **options) -> Application:
    application = application_complete(actor=actor, today=today, **options)
    services.application_submit(actor=actor, application=application, today=today)
    application.refresh_from_db()
    return application


def application_approved(*, actor, officers_by_authority: dict, **options) -> Application:
    application = application_submitted(actor=actor, **options)
    for authority in application.required_authorities:
        decision_record(
            actor=officers_by_authority[authority], application=application, authority=authority, verdict="approve"
        )
    application.refresh_from_db()
    return application


# --- Registry additions -------------------------------------------------------------------------------


def route_within_kazakhstan() -> Route:
    """A hike that never leaves Kazakhstan: only the KZ authority decides on it."""
    route = Route.objects.create(
        code="KOLSAI-HIKE",
        grade="1A",
        access_country="KZ",
        season_opens="06-01",
        season_closes="09-30",
        status="open",
        name_en="Kolsai lakes hike",
        name_ru="Кольсайские озёра",
    )
    for position, code in enumerate(["kolsai-lower", "kolsai-middle"], start=1):
        Waypoint.objects.create(route=route, position=position, place=Place.objects.get(code=code), arrival="foot")
    return route


def application_within_kazakhstan(*, actor, start: date = START, today: date = TODAY) -> Application:
    """A submitted application on `route_within_kazakhstan` (which it creates if missing)."""
    route = Route.objects.filter(code="KOLSAI-HIKE").first() or route_within_kazakhstan()
    application = services.application_create(
        actor=actor,
        company=actor.account.company,
        route=route,
        start_date=start,
        end_date=start + timedelta(days=2),
        today=today,
    )
    services.application_update(
        actor=actor,
        application=application,
        today=today,
        emergency_contact_name="Saule Nurlanovna",
        emergency_contact_phone="+7 701 555 0101",
        insurance_policy="ALP-KOLSAI",
    )
    services.itinerary_set(
        actor=actor,
        application=application,
        today=today,
        nights={start: "kolsai-lower", start + timedelta(days=1): "kolsai-middle"},
        passages=[(start, "SRB", "in"), (start + timedelta(days=2), "SRB", "out")],
    )
    leader = guide(actor.account.company, grade="2A")
    surname, given_names = leader.full_name.split(" ", 1)
    services.members_add(
        actor=actor,
        application=application,
        today=today,
        role=Member.Role.LEADER,
        guide=leader,
        mrz_text=mrz(surname=surname, given_names=given_names, sex="M"),
    )
    services.members_add(actor=actor, application=application, today=today, mrz_text=climbers_mrz(2))
    services.application_submit(actor=actor, application=application, today=today)
    application.refresh_from_db()
    return application
