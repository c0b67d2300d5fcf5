"""The demo's generated past season: made once, the same every time, recognisable, and counted."""

from datetime import date

import pytest
from django.utils import timezone

from tengri.approvals.models import Decision
from tengri.capacity.models import Resource
from tengri.capacity.selectors import capacities, oversold
from tengri.checkpoints.models import AlertAction, CrossingEvent, DescentNotice, OverdueAlert, SummitNotice
from tengri.checkpoints.presence import presence_now
from tengri.documents.crypto import unseal
from tengri.expeditions.models import Application, Member, PlannedPassage
from tengri.indicators.demo import HISTORY_GROUPS, demo_history_load
from tengri.indicators.figures import Period
from tengri.indicators.report import season_period
from tengri.indicators.season_generator import season_generate
from tengri.indicators.tourism import tourism_indicators

pytestmark = pytest.mark.django_db


def test_the_history_is_made_once_and_marked_generated(demo_companies):
    assert demo_history_load(2026) == HISTORY_GROUPS
    counts = _counts()
    assert demo_history_load(2026) == 0
    assert _counts() == counts  # the second call created nothing
    references = list(Application.objects.values_list("reference", flat=True))
    assert len(references) == HISTORY_GROUPS
    assert all(reference.startswith("KT-2026-H") for reference in references)
    assert 600 <= Member.objects.count() <= 1100
    assert set(Application.objects.values_list("state", flat=True)) == {"closed", "rejected", "withdrawn"}


def test_rejections_carry_the_refusing_authoritys_reason(demo_companies):
    demo_history_load(2026)
    rejected = Application.objects.filter(state="rejected")
    assert rejected.exists()
    for application in rejected:
        refusals = application.decisions.filter(verdict=Decision.Verdict.REJECT)
        assert refusals.count() == 1 and refusals.get().reason
    approved = Application.objects.filter(state="closed")
    for application in approved[:10]:
        assert sorted(application.decisions.values_list("authority", flat=True)) == sorted(
            application.required_authorities
        )


def test_passport_data_is_sealed_and_events_follow_the_approved_groups(demo_companies):
    demo_history_load(2026)
    member = Member.objects.exclude(role="leader").first()
    assert member.document_number_sealed and not member.document_number_sealed.startswith("G26")
    assert unseal(member.document_number_sealed).startswith("G26")
    date.fromisoformat(unseal(member.birth_date_sealed))
    scanned = set(CrossingEvent.objects.exclude(application=None).values_list("application__state", flat=True))
    assert scanned == {"closed"}
    assert CrossingEvent.objects.exclude(verdict="VALID").exists()
    assert SummitNotice.objects.exists() and DescentNotice.objects.exists()
    assert OverdueAlert.objects.exists() and AlertAction.objects.exists()
    assert set(Member.objects.values_list("nationality", flat=True)) >= {"KAZ", "KGZ", "RUS", "D", "POL", "JPN"}


def test_every_generated_group_has_come_out(demo_companies):
    """Presence and the overdue sweep must leave the history alone: nobody of it is inside in 2027."""
    from datetime import UTC, datetime

    demo_history_load(2026)
    now = presence_now(now=datetime(2027, 7, 1, tzinfo=UTC))
    assert now["inside"] == 0 and now["groups"] == []


def test_the_same_seed_makes_the_same_season(demo_companies):
    first = season_generate(year=2025, groups=12, seed=7, with_plans=False)
    season = _snapshot()
    _forget_generated()
    assert not CrossingEvent.objects.exists()
    second = season_generate(year=2025, groups=12, seed=7, with_plans=False)
    assert second.events == first.events > 0
    assert _snapshot() == season


def _snapshot() -> tuple:
    return (
        sorted(CrossingEvent.objects.values_list("id", "occurred_at", "verdict", "reference")),
        sorted(Member.objects.values_list("surname", "given_names", "nationality", "document_number_index")),
        sorted(Decision.objects.values_list("application__reference", "authority", "verdict", "reason", "decided_at")),
    )


def _forget_generated() -> None:
    """Delete a generated season (events may be deleted; only UPDATE is refused)."""
    CrossingEvent.objects.all().delete()
    AlertAction.objects.all().delete()
    OverdueAlert.objects.all().delete()
    SummitNotice.objects.all().delete()
    DescentNotice.objects.all().delete()
    Application.objects.all().delete()


def test_the_history_has_indicators(demo_companies):
    demo_history_load(2026)
    season = tourism_indicators(Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert season.figure("applications.filed").value == HISTORY_GROUPS
    assert season.figure("crossings.total").value > 1000
    assert season.tables["capacity.occupancy"].rows


def test_the_history_keeps_to_open_days_and_capacity(demo_companies):
    """Real records never take a resource-day past what it offers (capacity refuses the hold), nor pass a
    checkpoint on a day it is closed: the generated ones must not either. Two overrides make it harder
    than the registry alone: Karkara (KZ) closed for a day in the middle of the season, and Maida-Adyr
    down to one flight (8 people) for ten days."""
    krk, mad = (Resource.objects.get(code=f"checkpoint:{code}") for code in ("KRK-HB-KZ", "MAD-HB"))
    krk.overrides.create(day=date(2026, 7, 20), capacity=0, reason="storm: no flights")
    tight = [date(2026, 7, day) for day in range(15, 25)]
    for day in tight:
        mad.overrides.create(day=day, capacity=8, reason="one helicopter")
    demo_history_load(2026)

    assert oversold(now=timezone.now()) == []  # capacity's own check, every resource-day
    rows = tourism_indicators(season_period(2026)[0]).tables["capacity.occupancy"].rows
    assert rows and all(used <= offered for _kind, _resource, _month, offered, used, _share in rows)
    assert all(offered > 0 for _kind, _resource, _month, offered, used, _share in rows if used)
    passages = list(PlannedPassage.objects.values_list("checkpoint__code", "date"))
    assert ("KRK-HB-KZ", date(2026, 7, 20)) not in passages  # not even a refused group plans to pass then
    assert any((code, day) in passages for code, day in [("MAD-HB", day) for day in tight])  # tight, not shut
    # Every scan (late exits too) on a day its checkpoint is open, as capacity reckons it.
    resource_of = dict(Resource.objects.filter(checkpoint__isnull=False).values_list("checkpoint_id", "pk"))
    scanned = {
        (resource_of[checkpoint], at.date())
        for checkpoint, at in CrossingEvent.objects.values_list("checkpoint_id", "occurred_at")
    }
    assert scanned and all(day.capacity > 0 for day in capacities(sorted(scanned)).values())
    for application in Application.objects.select_related("route"):  # in the route's season, start and end
        assert application.route.in_season(application.start_date) and application.route.in_season(application.end_date)


def test_the_demo_years_decision_times_are_counted(demo_companies, django_capture_on_commit_callbacks):
    """The 2027 demo's decisions are recorded when `tengri demo` runs, long before the 2027 season (and
    by the day they were made, its report showed no decision time). They count for the season of their
    trips. From `expeditions/demo.py`: KZ approves the trips of 10 and 20 July and refuses that of
    1 August; KG approves 10 July and asks for changes on 14 July (neither approval nor refusal)."""
    from tengri.expeditions.demo import demo_applications_load

    with django_capture_on_commit_callbacks(execute=True):
        demo_applications_load()
    demo_history_load(2026)
    season = tourism_indicators(season_period(2027)[0])
    table = season.tables["decisions.by_authority"]
    assert [row[:3] for row in table.rows] == [("KG", 1, 0), ("KZ", 2, 1)]
    # `tengri demo` files and decides in the same run, seconds apart (submitted_at and decided_at are the
    # moment it ran, not FILED_ON): well under an hour, but a figure, and the generated 2026 beside it.
    for authority in ("KZ", "KG"):
        figure = season.figure(f"decisions.median_hours.{authority}")
        assert figure.value is not None and 0.0 <= figure.value < 1.0
        assert figure.previous is not None and figure.previous > 6  # generated: every decision takes 6 h or more
    assert [row[3] for row in table.rows] == [season.figure(f"decisions.median_hours.{a}").value for a in ("KG", "KZ")]


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Application, Member, Decision, CrossingEvent, SummitNotice, DescentNotice, OverdueAlert)
    )
