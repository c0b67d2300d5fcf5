"""CSV import of reported figures: all or nothing, the bad row and column named, no duplicates on
re-import, audited; and `tengri ledger import/export` on the command line."""

from decimal import Decimal

import pytest

from tengri.cli import main
from tengri.core.errors import InvalidInput
from tengri.core.models import AuditEntry
from tengri.indicators.ledger import ledger_entries
from tengri.indicators.ledger_csv import COLUMNS, ledger_csv, ledger_csv_import
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import SEED, ledger_seed

HEADER = ",".join(COLUMNS)
GOOD = [
    "2025-01-01,2025-08-31,turnover,,1.4,bn,USD,21,council,KZ,Council communiqué,,2025-11-13,as published",
    "2025-01-01,2025-08-31,agri_trade,,326,m,USD,+42,council,KZ,Council communiqué,,2025-11-13,",
    '2023-01-01,2023-12-31,imports,KZ>KG,"862,182",m,USD,,kg_nsc,KG,Trend,https://en.trend.az/casia/kyrgyzstan/3903697.html,,',
]


def csv_text(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_a_good_file_is_imported_and_audited(db):
    result = ledger_csv_import(csv_text(*GOOD), actor=None)
    assert (result.rows, len(result.created), result.updated, result.unchanged) == (3, 3, (), ())
    imports = TradeFigure.objects.get(indicator="imports")
    assert (imports.published_value, imports.half_step, imports.flow) == (
        Decimal("862.182"),
        Decimal("0.0005"),
        "KZ>KG",
    )
    turnover = TradeFigure.objects.get(indicator="turnover")
    assert turnover.published_growth == 21 and turnover.published_on.isoformat() == "2025-11-13"
    assert AuditEntry.objects.filter(action="ledger.entry_create").count() == 3
    summary = AuditEntry.objects.get(action="ledger.import")
    assert summary.data == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}


def test_re_importing_the_same_rows_adds_nothing(db):
    ledger_csv_import(csv_text(*GOOD), actor=None)
    again = ledger_csv_import(csv_text(*GOOD), actor=None)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 3)
    assert TradeFigure.objects.count() == 3
    assert AuditEntry.objects.filter(action="ledger.entry_create").count() == 3


def test_a_corrected_row_updates_its_entry(db):
    ledger_csv_import(csv_text(*GOOD), actor=None)
    corrected = GOOD[0].replace(",1.4,bn,", ",1.41,bn,")
    result = ledger_csv_import(csv_text(corrected), actor=None)
    assert len(result.updated) == 1 and TradeFigure.objects.count() == 3
    assert TradeFigure.objects.get(indicator="turnover").published_value == Decimal("1.41")


def test_the_seeded_ledger_exports_and_re_imports_unchanged(db):
    ledger_seed()
    result = ledger_csv_import(ledger_csv(ledger_entries()), actor=None)
    assert (result.rows, len(result.unchanged)) == (len(SEED), len(SEED))
    assert TradeFigure.objects.count() == len(SEED)


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (GOOD[1].replace(",326,", ",3x6,"), "row 2 (line 3), column value: '3x6' is not a number"),
        (GOOD[1].replace("2025-08-31", "31.08.2025"), "row 2 (line 3), column period_last: '31.08.2025' is not a date"),
        (GOOD[1].replace("agri_trade", "agritrade"), "row 2 (line 3), column indicator: 'agritrade' is not one of"),
        (GOOD[1].replace(",KZ,", ",CN,"), "row 2 (line 3), column side: 'CN' is not one of"),
        (GOOD[1].replace(",+42,", ",lots,"), "row 2 (line 3), column growth_pct: 'lots' is not a number"),
        (GOOD[1] + ",extra", "row 2 (line 3): has more cells than the header"),
        (GOOD[0], "row 2 (line 3): the same report as row 1"),
    ],
)
def test_a_bad_row_names_row_and_column_and_nothing_is_imported(db, bad_row, message):
    with pytest.raises(InvalidInput) as refused:
        ledger_csv_import(csv_text(GOOD[0], bad_row, GOOD[2]), actor=None)
    assert message in str(refused.value)
    assert not TradeFigure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="ledger.").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (csv_text(header=HEADER.replace(",note", "")), "header: column note missing"),
        (csv_text(GOOD[0], header=HEADER + ",colour"), "header: unknown column 'colour'"),
        (csv_text(), "the file has a header but no rows"),
        (csv_text(GOOD[0]).replace(b"communiqu\xc3\xa9", b"communiqu\xe9"), "the file is not UTF-8"),
    ],
)
def test_a_bad_file_is_refused_clearly(db, content, message):
    with pytest.raises(InvalidInput, match=message):
        ledger_csv_import(content, actor=None)
    assert not TradeFigure.objects.exists()


def test_a_byte_order_mark_is_accepted(db):
    assert len(ledger_csv_import(b"\xef\xbb\xbf" + csv_text(GOOD[0]), actor=None).created) == 1


def test_the_command_imports_a_file_and_refuses_a_bad_one(db, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_text(*GOOD))
    bad.write_bytes(csv_text(GOOD[0].replace("council", "rumour")))
    assert main(["ledger", "import", str(good)]) == 0
    assert "3 rows: 3 created" in capsys.readouterr().out
    assert main(["ledger", "import", str(bad)]) == 2
    assert "row 1 (line 2), column reported_by: 'rumour' is not one of" in capsys.readouterr().err
    assert TradeFigure.objects.count() == 3
    assert main(["ledger", "import", str(tmp_path / "missing.csv")]) == 2


def test_the_command_exports_what_it_imports(db, capsys):
    ledger_seed()
    assert main(["ledger", "export"]) == 0
    exported = capsys.readouterr().out
    assert exported.splitlines()[0].startswith(HEADER)
    assert ledger_csv_import(exported, actor=None).unchanged
