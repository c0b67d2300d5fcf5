"""Open data: no count under 5, no small count that can be got back (not from the equal sums, not by
subtracting one download from another), and no personal data."""

import csv
import io
import itertools
from datetime import date, timedelta

import pytest

from tengri.approvals.models import Decision
from tengri.core.errors import AccessDenied, NotFound
from tengri.documents.crypto import unseal
from tengri.expeditions.models import Application, Member
from tengri.indicators.demo import demo_history_load
from tengri.indicators.figures import Period, Table
from tengri.indicators.opendata import (
    OPEN_TABLES,
    SMALL,
    SUPPRESSION_THRESHOLD,
    WITHHELD,
    open_data_file,
    open_period,
    open_tables,
    open_years,
    table_csv,
)
from tengri.indicators.report import season_period
from tengri.indicators.tourism import tourism_indicators
from tests.indicators.test_tourism import PERIOD, hand_counted  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
SEASON = Period(date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def season(hand_counted):  # noqa: F811
    """The hand-counted world (counts of 1–4) and the generated season 2026 (counts of 5 and more)."""
    demo_history_load(2026)
    return hand_counted


def test_no_count_from_1_to_4_is_published(season):
    raw = tourism_indicators(SEASON).tables
    small = [
        cell for key in OPEN_TABLES for row in _cells(raw[key]) for cell in row if 1 <= cell < SUPPRESSION_THRESHOLD
    ]
    assert small, "the fixture must have small counts, or this test proves nothing"
    assert any(cell >= SUPPRESSION_THRESHOLD for key in OPEN_TABLES for row in _cells(raw[key]) for cell in row)
    for key, table in open_tables(SEASON).items():
        for row in _cells(table, keep_marks=True):
            for cell in row:
                assert cell in (SMALL, WITHHELD) or cell == 0 or cell >= SUPPRESSION_THRESHOLD, (key, row)
    published = open_tables(SEASON)
    assert any(cell == SMALL for table in published.values() for row in table.rows for cell in row)


def test_the_hand_counted_world_alone_publishes_no_small_count(hand_counted):  # noqa: F811
    """Every crossing count there is under 5: nothing of 5 or more can protect them, so all are withheld."""
    published = open_tables(PERIOD)
    for key in ("crossings.by_month_checkpoint", "crossings.by_nationality"):
        table = published[key]
        counts = [row[index] for row in table.rows for index in _count_indexes(table)]
        assert counts and set(counts) <= {SMALL, WITHHELD, 0}, (key, counts)
    _assert_small_cells_cannot_be_recovered(published)


def test_a_small_count_cannot_be_recovered_from_the_equal_sums(season):
    published = open_tables(SEASON)
    marks = [cell for key in ("crossings.by_month_checkpoint", "crossings.by_nationality")
             for row in published[key].rows for cell in row if cell in (SMALL, WITHHELD)]  # fmt: skip
    assert SMALL in marks and WITHHELD in marks  # complementary suppression happened
    _assert_small_cells_cannot_be_recovered(published)


def _assert_small_cells_cannot_be_recovered(published: dict[str, Table]) -> None:
    """The attacker's view: crossings by month and by nationality add up to the same entries (and exits).
    Published numbers are known; a "<5" is 1–4; an "x" is 5 or more, or (all withheld) 1 or more. For
    every "<5" and every value 1–4 it might be, the two sums must still be able to agree."""
    by_month, by_nationality = published["crossings.by_month_checkpoint"], published["crossings.by_nationality"]
    for direction, column in (("in", "entries"), ("out", "exits")):
        month_cells = [row[3] for row in by_month.rows if row[2] == direction]
        nationality_cells = [row[by_nationality.columns.index(column)] for row in by_nationality.rows]
        all_withheld = all(cell in (WITHHELD, 0) for cell in month_cells + nationality_cells)
        for side, other in ((month_cells, nationality_cells), (nationality_cells, month_cells)):
            for position, cell in enumerate(side):
                if cell != SMALL:
                    continue
                rest = side[:position] + side[position + 1 :]
                for value in range(1, SUPPRESSION_THRESHOLD):
                    low, high = _range(rest, all_withheld)
                    other_low, other_high = _range(other, all_withheld)
                    assert low + value <= other_high and other_low <= high + value, (direction, cell, value)


def _range(cells: list, all_withheld: bool) -> tuple[float, float]:
    low = high = 0.0
    for cell in cells:
        if cell == SMALL:
            low, high = low + 1, high + SUPPRESSION_THRESHOLD - 1
        elif cell == WITHHELD:
            low, high = low + (1 if all_withheld else SUPPRESSION_THRESHOLD), float("inf")
        else:
            low, high = low + cell, high + cell
    return low, high


def test_no_personal_data_in_any_export(season):
    exports = "\n".join(table_csv(table) for table in open_tables(SEASON).values())
    assert "\r\n" in exports
    members = Member.objects.all()
    assert members.count() > 500
    names = {member.surname for member in members} | {member.given_names for member in members if member.given_names}
    passports = {unseal(member.document_number_sealed) for member in members}
    births = {unseal(member.birth_date_sealed) for member in members}
    assert set(season.passports) <= passports
    references = set(Application.objects.values_list("reference", flat=True))
    reasons = set(Decision.objects.exclude(reason="").values_list("reason", flat=True))
    companies = set(Application.objects.values_list("company__name", flat=True))
    fields = _csv_fields(exports)
    for secret in names | passports | births | references | reasons | companies:
        assert secret not in fields, secret
        assert secret not in exports or len(secret) <= 3, secret  # "LI" and the like are parts of route codes
    for column in ("reason", "reference", "surname", "given_names", "company", "holder_name", "birth_date"):
        assert all(column not in table.columns for table in open_tables(SEASON).values())


def test_csv_has_a_header_and_rows_that_read_back(season):
    table = open_tables(SEASON)["crossings.by_nationality"]
    text = table_csv(table)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == table.columns
    assert [tuple(row) for row in rows[1:]] == [tuple(str(cell) for cell in row) for row in table.rows]
    assert not text.startswith("#") and text.endswith("\r\n")
    odd = Table("t", "t", ("a", "b"), (('say "hi", twice', None),), "test")
    assert table_csv(odd) == 'a,b\r\n"say ""hi"", twice",\r\n'


def test_the_open_tables_are_the_publishable_ones(season):
    published = open_tables(SEASON)
    assert tuple(published) == OPEN_TABLES
    assert "rejections.by_reason" not in published
    # Day-to-day differences of persons on a route would show 1–4 people leaving: analysts only.
    assert "persons.by_route_day" not in published
    assert published["decisions.by_authority"].columns == ("authority", "approved", "rejected")
    # A helicopter leg is scanned at both ends: the month table counts crossings, not people.
    month = published["crossings.by_month_checkpoint"]
    assert month.columns == ("month", "checkpoint", "direction", "crossings")
    assert month.count_columns == ("crossings",)
    assert tourism_indicators(SEASON).tables["crossings.by_month_checkpoint"].columns[-1] == "persons"  # analysts'


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_inert():
    table = Table("t", "t", ("code", "n"), (("=HYPERLINK(1)", 5), ("+1", 6), ("-2", -3), ("@SUM", 0), ("KAZ", 7)), "t")
    rows = list(csv.reader(io.StringIO(table_csv(table), newline="")))
    assert rows[1:] == [["'=HYPERLINK(1)", "5"], ["'+1", "6"], ["'-2", "-3"], ["'@SUM", "0"], ["KAZ", "7"]]


# --- One fixed period per year ---------------------------------------------------------------------


def test_each_year_publishes_only_its_season_once_closed_thirty_days(season, settings):
    closes = season_period(2026)[0].last
    assert open_period(2026) == season_period(2026)[0]
    with pytest.raises(AccessDenied, match="30 days"):
        open_data_file(None, 2026, "crossings.by_nationality", closes + timedelta(days=30))
    name, text = open_data_file(None, 2026, "crossings.by_nationality", closes + timedelta(days=31))
    assert name == "tengri-crossings.by_nationality-2026.csv"
    assert text == table_csv(open_tables(open_period(2026))["crossings.by_nationality"])
    assert [year for year, _period in open_years(closes + timedelta(days=31))][:1] == [2026]
    assert 2026 not in [year for year, _period in open_years(closes + timedelta(days=30))]
    settings.TENGRI_OPEN_DATA_DELAY_DAYS = 60
    with pytest.raises(AccessDenied, match="60 days"):
        open_data_file(None, 2026, "crossings.by_nationality", closes + timedelta(days=31))


@pytest.mark.parametrize(
    ("year", "table"), [(2026, "persons.by_route_day"), (2026, "passports"), (1850, OPEN_TABLES[0])]
)
def test_an_unknown_table_or_year_is_not_found(season, year, table):
    with pytest.raises(NotFound):
        open_data_file(None, year, table, date(2100, 1, 1))


def test_no_two_downloads_can_be_subtracted_and_none_has_a_small_count(season, client, monkeypatch):
    """The attacker's view: download every table the API lets anyone have, for every year it would take,
    with whatever period it is asked for. A small cell exists in the records (the hand-counted world); yet
    no two published files overlap in time (nothing to subtract), and no file has a count of 1–4."""
    from tengri.api import indicators as api

    raw = tourism_indicators(open_period(2026)).tables
    assert any(1 <= cell < SUPPRESSION_THRESHOLD for key in OPEN_TABLES for row in _cells(raw[key]) for cell in row)
    today = date(2027, 12, 1)  # the seasons 2026 and 2027 have both closed more than 30 days ago
    monkeypatch.setattr(api, "_today", lambda: today)
    published: dict[int, Period] = {}
    for year in range(1999, today.year + 2):
        for key in OPEN_TABLES:
            url = f"/api/v1/open-data/{year}/{key}.csv"
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            if response.status_code != 200:
                continue
            published[year] = open_period(year)
            # A period of one's own choosing is not a thing the API takes: the same file comes back.
            narrower = client.get(url + "?first=2026-07-01&last=2026-07-15")
            assert narrower.content == response.content
            header, *rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
            for row in rows:
                for column, cell in zip(header, row, strict=True):
                    if column in raw[key].count_columns or column == "crossings":
                        assert not (cell.isdigit() and 0 < int(cell) < SUPPRESSION_THRESHOLD), (year, key, row)
    assert {2026, 2027} <= set(published) and today.year + 1 not in published  # 2028 has not even begun
    periods = sorted(published.values(), key=lambda period: period.first)
    for before, after in itertools.pairwise(periods):
        assert before.last < after.first, (before, after)  # disjoint: no file is part of another


def _count_indexes(table: Table) -> list[int]:
    return [index for index, column in enumerate(table.columns) if column in table.count_columns]


def _cells(table: Table, *, keep_marks: bool = False) -> list[list]:
    """The count cells of each row (the marks too when asked)."""
    return [
        [row[index] for index in _count_indexes(table) if keep_marks or isinstance(row[index], int)]
        for row in table.rows
    ]


def _csv_fields(text: str) -> set[str]:
    return {field for row in csv.reader(io.StringIO(text, newline="")) for field in row}
