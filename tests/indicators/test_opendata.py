"""Open data: no count under 5, no small count that can be got back, and no personal data."""

import csv
import io
from datetime import date

import pytest

from tengri.approvals.models import Decision
from tengri.documents.crypto import unseal
from tengri.expeditions.models import Application, Member
from tengri.indicators.demo import demo_history_load
from tengri.indicators.figures import Period, Table
from tengri.indicators.opendata import OPEN_TABLES, SMALL, SUPPRESSION_THRESHOLD, WITHHELD, open_tables, table_csv
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
    assert published["decisions.by_authority"].columns == ("authority", "approved", "rejected")


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
