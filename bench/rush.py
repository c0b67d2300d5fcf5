"""The season-opening rush: N operators at once booking the same resource-days through the real API.

    .venv/bin/python bench/rush.py [--clients 50 200] [--bookings 400] [--threads 8]
                                   [--postgres postgres://postgres@127.0.0.1:5432]

Sets up its own PostgreSQL database (`tengri_bench_rush`, dropped and created), migrates it and loads
the demo registry. One KT-N-KZ group of four (leader and three climbers) is filed through the
services, then copied into `--bookings` draft applications per client count: every copy needs the same
fourteen resource-days (two helipad days, two Karkara days, both helicopter flights, eight base camp
nights). Each of those resource-days is set to take half the groups, so the rush is oversubscribed
two to one. The centre runs with production settings under waitress; every client has its own signed-in
session (made in the database beforehand, so that no password hash is timed) and its CSRF token.

Per client count N, in one run of the one server:
- **trivial**: N clients call `GET /api/v1/whoami` (session look-up, user, JSON) as fast as they can,
  before and after the rush (the mean of the two is the floor the booking is compared with);
  the rush's holds are given back afterwards, so the next client count starts from empty days;
- **booking**: N clients each `POST /api/v1/applications/{ref}/hold` for their share of the copies,
  all at once: every request locks the fourteen resource-days in one statement, recounts, and holds
  or refuses;
- afterwards the database is asked whether any resource-day holds more than its capacity.
Reports requests per second, confirmed holds per second, p50/p99 latency, refusals, busy answers and
the oversold count (must be 0), and the ratio of booking to trivial throughput.
"""

import argparse
import asyncio
import os
import platform
import secrets
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import psycopg
from _server import production_server

DB = "tengri_bench_rush"
START = date(2027, 7, 12)
FILED = date(2027, 4, 1)
PEOPLE = 4


@dataclass
class Phase:
    """What one phase measured: wall time, each request's latency, and the answers by kind."""

    seconds: float
    latencies: list[float]
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> int:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="tengri-rush-") as var_dir:
        env = _environment(args.postgres, var_dir)
        _database(args.postgres)
        _django()
        operator = _prepare()
        template = _file_one_group(operator)
        log = Path(var_dir) / "server.log"
        server = production_server(
            env, log=log, ready_path="/api/v1/routes", threads=args.threads, connections=max(args.clients) + 50
        )
        with server as base:
            results = [_rush(args, base, operator, template, clients) for clients in args.clients]
    _report(args, results)
    return 0 if all(result["oversold"] == 0 for result in results) else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200], help="concurrent clients, one rush each")
    parser.add_argument("--bookings", type=int, default=400, help="booking requests per rush (one per application)")
    parser.add_argument("--trivial", type=int, default=2000, help="whoami requests per trivial phase")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    return parser.parse_args()


def _environment(postgres: str, var_dir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{postgres}/{DB}",
        "DJANGO_SETTINGS_MODULE": "tengri.config.production",
        "TENGRI_SECRET_KEY": secrets.token_urlsafe(32),
        "TENGRI_DATA_KEY": secrets.token_urlsafe(32),
        "TENGRI_SIGNING_KEY_SECRET": secrets.token_urlsafe(32),
        "TENGRI_ALLOWED_HOSTS": "127.0.0.1",
        "TENGRI_VAR_DIR": var_dir,
    }
    os.environ.update(env)
    return env


def _database(postgres: str) -> None:
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB}")


def _django() -> None:
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    call_command("migrate", verbosity=0)
    from tengri.registry.demo.loader import demo_season_load

    demo_season_load(with_users=False)


def _prepare():
    from tengri.accounts.services import account_create, company_register
    from tengri.core.roles import Role

    company = company_register(
        actor=None,
        name="Rush Tours",
        country="KZ",
        licence_number="KZ-RUSH-0001",
        licence_valid_until=date(2028, 12, 31),
        email="rush@tours.example",
    )
    return account_create(
        actor=None,
        username="rush-operator",
        password=secrets.token_urlsafe(16),
        role=Role.OPERATOR,
        company=company,
        email="rush-operator@tours.example",
    )


def _file_one_group(operator):
    """One complete KT-N-KZ draft through the services, as an operator files it (not timed)."""
    from tengri.documents.specimen import td3_lines
    from tengri.expeditions import services
    from tengri.expeditions.demo import PROGRAMMES
    from tengri.expeditions.models import Guide, Member
    from tengri.registry.models import Route

    nights, passages = PROGRAMMES["KT-N-KZ"]
    application = services.application_create(
        actor=operator,
        company=operator.account.company,
        route=Route.objects.get(code="KT-N-KZ"),
        start_date=START,
        end_date=START + timedelta(days=len(nights)),
        today=FILED,
    )
    services.application_update(
        actor=operator,
        application=application,
        today=FILED,
        emergency_contact_name="Saule Nurlanovna",
        emergency_contact_phone="+7 701 555 0101",
        insurance_policy="ALP-RUSH",
    )
    services.itinerary_set(
        actor=operator,
        application=application,
        today=FILED,
        nights={START + timedelta(days=n): code for n, code in enumerate(nights)},
        passages=[(START + timedelta(days=n), checkpoint, way) for n, checkpoint, way in passages],
    )
    guide = Guide.objects.create(company=operator.account.company, full_name="RUSH ASKAR", qualification_grade="6A")
    people = [("RUSH", "ASKAR", "KAZ", "M")] + [(f"CLIMBER{'ABC'[n]}", "ANNA", "D<<", "F") for n in range(3)]
    for index, (surname, given, nationality, sex) in enumerate(people):
        mrz = "\n".join(
            td3_lines(
                surname=surname,
                given_names=given,
                number=f"RU{index:07d}",
                nationality=nationality,
                birth_date=date(1985, 3, 14),
                sex=sex,
                expiry_date=date(2034, 5, 20),
            )
        )
        leader = index == 0
        services.members_add(
            actor=operator,
            application=application,
            today=FILED,
            mrz_text=mrz,
            role=Member.Role.LEADER if leader else Member.Role.MEMBER,
            guide=guide if leader else None,
        )
    application.refresh_from_db()
    # Saving it placed its own hold: give it back, so that the copies share the whole capacity.
    from tengri.capacity.services import hold_release

    hold_release(actor=None, application=application, reason="the rush's template")
    return application


def _copies(template, count: int, prefix: str) -> list[str]:
    """`count` drafts like `template` (its itinerary and its group), made in bulk: setting the stage."""
    from tengri.expeditions.models import Application, ItineraryDay, Member, PlannedPassage

    skip = {"id", "reference", "created_at", "updated_at"}
    fields = {f.attname: getattr(template, f.attname) for f in Application._meta.concrete_fields if f.name not in skip}
    copies = Application.objects.bulk_create(
        [Application(reference=f"{prefix}{n:06d}", **fields) for n in range(count)]
    )
    nights = list(template.itinerary.values("date", "sleeping_place_id"))
    passages = list(template.passages.values("date", "checkpoint_id", "direction"))
    member_fields = [f.attname for f in Member._meta.concrete_fields if f.name not in ("id", "application")]
    members = [{name: getattr(m, name) for name in member_fields} for m in template.members.all()]
    ItineraryDay.objects.bulk_create([ItineraryDay(application=a, **night) for a in copies for night in nights])
    PlannedPassage.objects.bulk_create([PlannedPassage(application=a, **p) for a in copies for p in passages])
    Member.objects.bulk_create([Member(application=a, **member) for a in copies for member in members])
    return [application.reference for application in copies]


def _set_capacities(template, groups: int) -> None:
    """Each resource-day the group needs takes `groups` groups of four, and no more."""
    from tengri.capacity.demand import application_demand
    from tengri.capacity.models import Resource
    from tengri.capacity.services import capacity_override_set

    for (resource, day), _people in application_demand(template).items():
        capacity_override_set(
            actor=None,
            resource=Resource.objects.get(pk=resource),
            day=day,
            capacity=groups * PEOPLE,
            reason="rush benchmark",
        )


def _sessions(operator, count: int) -> list[dict[str, str]]:
    """A signed-in session and a CSRF token per client, as a browser would hold after signing in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    alphabet = string.ascii_letters + string.digits
    headers = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(operator.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
        session.create()
        csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        headers.append(
            {
                # The production cookies are Secure; over this loopback HTTP they are sent by hand.
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "X-CSRFToken": csrf,
            }
        )
    return headers


async def _phase(base: str, requests: list[list[tuple[str, str, dict]]]) -> Phase:
    """Every client sends its requests one after another, all clients at once; answers counted by kind."""
    latencies: list[float] = []
    answers: dict[str, int] = {}
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as http:

        async def client(own: list[tuple[str, str, dict]]) -> None:
            for method, path, headers in own:
                sent = time.perf_counter()
                response = await http.request(method, path, headers=headers)
                latencies.append(time.perf_counter() - sent)
                kind = _kind(response)
                answers[kind] = answers.get(kind, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client(own) for own in requests))
        seconds = time.perf_counter() - started
    return Phase(seconds, latencies, answers)


def _kind(response: httpx.Response) -> str:
    if response.status_code == 200 and response.url.path.endswith("/hold"):
        return "confirmed" if response.json()["fits"] else "refused"
    if response.status_code == 200:
        return "ok"
    return "busy" if response.status_code == 503 else f"HTTP {response.status_code}"


def _rush(args: argparse.Namespace, base: str, operator, template, clients: int) -> dict:
    references = _copies(template, args.bookings, prefix=f"KT-2027-N{clients}-")
    _set_capacities(template, groups=args.bookings // 2)
    sessions = _sessions(operator, clients)
    whoami = [[("GET", "/api/v1/whoami", sessions[c])] * (args.trivial // clients) for c in range(clients)]
    bookings = [
        [("POST", f"/api/v1/applications/{reference}/hold", sessions[c]) for reference in references[c::clients]]
        for c in range(clients)
    ]
    asyncio.run(_phase(base, [own[:5] for own in whoami]))  # warm the server's threads and code paths
    before = asyncio.run(_phase(base, whoami))
    booking = asyncio.run(_phase(base, bookings))
    after = asyncio.run(_phase(base, whoami))
    oversold, held = _check(references)
    _release(references)  # the next rush starts from empty resource-days (not timed)
    result = {
        "clients": clients,
        "trivial_rate": (before.rate + after.rate) / 2,
        "trivial": after,
        "booking": booking,
        "confirmed": booking.answers.get("confirmed", 0),
        "confirmed_in_database": held,
        "oversold": oversold,
    }
    _print_rush(result, before)
    return result


def _check(references: list[str]) -> tuple[int, int]:
    """Resource-days holding more than their capacity (the database's own recount), and holds held."""
    from django.db import close_old_connections
    from django.utils import timezone

    from tengri.capacity.models import Hold
    from tengri.capacity.selectors import oversold

    close_old_connections()
    held = Hold.objects.filter(application__reference__in=references, state=Hold.State.HELD).count()
    return len(oversold(now=timezone.now())), held


def _release(references: list[str]) -> None:
    from tengri.capacity.services import hold_release
    from tengri.expeditions.models import Application

    for application in Application.objects.filter(reference__in=references):
        hold_release(actor=None, application=application, reason="the next rush")


def _print_rush(result: dict, before: Phase) -> None:
    booking, trivial = result["booking"], result["trivial"]
    print(
        f"N={result['clients']}: whoami {before.rate:,.0f}/s then {trivial.rate:,.0f}/s; "
        f"booking {booking.rate:,.0f} requests/s, {result['confirmed'] / booking.seconds:,.0f} confirmed/s; "
        f"answers {booking.answers}; oversold {result['oversold']}",
        flush=True,
    )


def _report(args: argparse.Namespace, results: list[dict]) -> None:
    print()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"waitress {args.threads} threads, production settings, PostgreSQL; {args.bookings} bookings a rush")
    print(
        "| N | whoami/s | booking requests/s | confirmed holds/s | p50 / p99 booking (ms) | p50 / p99 whoami (ms) "
        "| refused | busy | other | oversold | booking ÷ whoami | confirmed ÷ whoami |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        booking, trivial = result["booking"], result["trivial"]
        confirmed_rate = result["confirmed"] / booking.seconds
        other = sum(count for kind, count in booking.answers.items() if kind not in ("confirmed", "refused", "busy"))
        print(
            f"| {result['clients']} | {result['trivial_rate']:,.0f} | {booking.rate:,.0f} | {confirmed_rate:,.0f} "
            f"| {booking.percentile(0.5):,.0f} / {booking.percentile(0.99):,.0f} "
            f"| {trivial.percentile(0.5):,.0f} / {trivial.percentile(0.99):,.0f} "
            f"| {booking.answers.get('refused', 0)} | {booking.answers.get('busy', 0)} | {other} "
            f"| {result['oversold']} | {booking.rate / result['trivial_rate']:.2f} "
            f"| {confirmed_rate / result['trivial_rate']:.2f} |"
        )
        assert result["confirmed"] == result["confirmed_in_database"], "the answers and the database disagree"


if __name__ == "__main__":
    sys.exit(main())
