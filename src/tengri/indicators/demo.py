"""The demo's history: a generated past season, so that the season report of the demo year has a year
before it to grow from (`tengri demo` loads it after the demo's people and applications)."""

from django.db import transaction

from tengri.indicators.season_generator import season_generate

HISTORY_YEAR = 2026
HISTORY_GROUPS = 150  # about 800 people: a season of the size the council hears about


def demo_history_load(year: int = HISTORY_YEAR) -> int:
    """Generate the past season `year` once (seeded by the year: the same rows every time). Returns how
    many applications were created: 0 when the season is there already.

    Needs the registry demo and the demo companies (`demo_season_load`, `demo_people_load`): raises
    LookupError without them. One transaction: a failure leaves nothing half-made."""
    with transaction.atomic():
        return season_generate(year=year, groups=HISTORY_GROUPS, seed=year).applications
