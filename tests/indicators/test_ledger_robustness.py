"""One bad figure must not take the ledger down: the service refuses what cannot be computed or stored
(growth of −100 %, a value of 0, the year 0001, more digits than the column keeps, NUL characters, texts
too long), the CSV import names the line it cannot read, reads compute around an entry stored before
those checks, the admin corrects an entry in place, the export cannot smuggle a spreadsheet formula, and
the report shows a published growth with the digits it was published with."""

import re
from datetime import date
from decimal import Decimal

import pytest

from tengri.core.errors import InvalidInput
from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tengri.indicators.claims import claim_check
from tengri.indicators.figures import Period
from tengri.indicators.ledger import derived_figures, ledger_entries, mirror_pairs
from tengri.indicators.ledger_csv import COLUMNS, OPTIONAL_COLUMNS, ledger_csv, ledger_csv_import
from tengri.indicators.ledger_services import FigureInput, trade_figure_record
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import ledger_seed
from tests import factories

HEADER = ",".join(COLUMNS)
ROW = "2026-01-01,2026-12-31,turnover,,1.5,bn,USD,7,kz_statistics,KZ,Bureau of National Statistics,,,test"
FIGURE = {
    "period_first": date(2026, 1, 1),
    "period_last": date(2026, 12, 31),
    "indicator": "turnover",
    "value": "1.5",
    "scale": "bn",
    "reported_by": "kz_statistics",
    "side": "KZ",
    "source": "test",
}


def stored_around_the_checks(**fields) -> TradeFigure:
    """An entry written straight to the table, as one stored before the service's checks would be."""
    values = {
        "period_first": date(2026, 1, 1),
        "period_last": date(2026, 12, 31),
        "indicator": "turnover",
        "value": Decimal("1.5"),
        "value_decimals": 1,
        "scale": "bn",
        "reported_by": "kz_statistics",
        "side": "KZ",
        "source": "bad row",
        **fields,
    }
    return TradeFigure.objects.create(**values)


# --- 1. Refused on input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"growth_pct": "-100"}, "growth_pct: -100 % is not a growth rate"),
        ({"growth_pct": "-250"}, "growth_pct: -250 % is not a growth rate"),
        ({"growth_pct": "12345678"}, "growth_pct: 12345678 % is too large"),
        ({"growth_pct": "21.1234"}, "growth_pct: at most 3 digits after the point, not 4"),
        ({"value": "0"}, "value: a trade value is more than 0"),
        ({"value": "0.000"}, "value: a trade value is more than 0"),
        ({"period_first": date(1, 1, 1), "period_last": date(1, 12, 31)}, "period_first: 0001-01-01 is not a year"),
        ({"period_last": date(2205, 12, 31)}, "period_last: 2205-12-31 is not a year from 1990 to 2100"),
        ({"speaker": "x" * 101}, "speaker: at most 100 characters, not 101"),
        ({"note": "x" * 2001}, "note: at most 2000 characters"),
        ({"source": "x" * 301}, "source: at most 300 characters"),
        ({"note": "a\x00b"}, "note: contains a NUL character"),
        ({"source": "Bureau\x00"}, "source: contains a NUL character"),
    ],
)
def test_a_figure_that_would_break_the_ledger_is_refused(db, changes, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("+", r"\+")):
        trade_figure_record(actor=None, data=FigureInput(**{**FIGURE, **changes}))
    assert not TradeFigure.objects.exists()


def test_growth_with_the_digits_the_ledger_keeps_is_accepted(db):
    entry, _ = trade_figure_record(actor=None, data=FigureInput(**{**FIGURE, "growth_pct": "-99.995"}))
    entry.refresh_from_db()
    assert entry.published_growth == Decimal("-99.995")
    assert derived_figures()  # the base 1.5 bn / 0.00005 is computable


# --- 1. Computed around an entry stored before the checks --------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"growth_pct": Decimal("-100"), "growth_decimals": 0},  # base: division by zero
        {"period_first": date(1, 1, 1), "period_last": date(1, 12, 31), "growth_pct": Decimal(5), "growth_decimals": 0},
    ],
)
def test_a_figure_that_cannot_be_derived_is_left_out_not_raised(client, db, bad):
    ledger_seed()
    entry = stored_around_the_checks(**bad)
    figures = derived_figures()
    assert figures and not [figure for figure in figures if entry.pk in figure.from_entries]
    client.force_login(factories.user(Role.ANALYST))
    assert client.get("/en/ledger/").status_code == 200
    assert claim_check("Jan–Aug 2025 turnover USD 1.4 bn, +21 %").status == "supported"


def test_a_zero_value_before_a_later_one_does_not_break_growth_between(client, db):
    stored_around_the_checks(
        period_first=date(2025, 1, 1), period_last=date(2025, 12, 31), value=Decimal(0), value_decimals=0, scale=""
    )
    later = stored_around_the_checks(source="bad row")  # 2026, same side: growth between is 1.5 bn / 0
    kg = stored_around_the_checks(side="KG", reported_by="kg_nsc", value=Decimal(0), value_decimals=0, scale="")
    assert not [figure for figure in derived_figures() if figure.kind == "growth_between"]
    assert [pair.kg for pair in mirror_pairs()] == [kg]  # a mean of 0.75 bn: computable, kept
    client.force_login(factories.user(Role.ANALYST))
    assert client.get("/api/v1/ledger/derived").status_code == 200
    assert claim_check("2026 turnover USD 1.5 bn (KZ)").entries == (later.pk,)


def test_the_season_report_trade_section_survives_a_bad_entry(db):
    from tengri.indicators.report_trade import trade_input

    ledger_seed()
    stored_around_the_checks(growth_pct=Decimal("-100"), growth_decimals=0)
    trade = trade_input(Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert trade.entries and trade.derived


# --- 2. CSV robustness -----------------------------------------------------------------------------------


def csv_text(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (csv_text(ROW, ROW.replace(",test", ',"' + "x" * 200_000 + '"')), "line 3: cannot be read as CSV"),
        (csv_text(ROW.replace("Bureau", "Bur\x00eau")), "line 2: contains a NUL character"),
        (csv_text(ROW.replace(",7,", ",7.1234,")), "row 1 (line 2), column growth_pct: at most 3 digits"),
        (csv_text(ROW.replace(",7,", ",-100,")), "row 1 (line 2), column growth_pct: -100 % is not a growth rate"),
        (csv_text(ROW.replace(",1.5,", ",0,")), "row 1 (line 2), column value: a trade value is more than 0"),
        (csv_text(ROW.replace("2026-01-01", "0001-01-01")), "row 1 (line 2), column period_first: 0001-01-01"),
    ],
)
def test_a_file_that_would_break_the_ledger_is_refused_naming_the_line(db, content, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        ledger_csv_import(content, actor=None)
    assert not TradeFigure.objects.exists()


def test_a_long_speaker_is_refused_on_import(db):
    header = HEADER + ",speaker"
    content = (header + "\n" + ROW + "," + "x" * 101 + "\n").encode()
    with pytest.raises(InvalidInput, match="row 1 \\(line 2\\), column speaker: at most 100 characters"):
        ledger_csv_import(content, actor=None)


def test_the_web_import_of_a_bad_year_is_refused_not_saved(client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(factories.user(Role.ANALYST))
    bad = csv_text(ROW.replace("2026-01-01", "0001-01-01"))
    response = client.post("/en/ledger/import", {"file": SimpleUploadedFile("f.csv", bad, "text/csv")})
    assert response.status_code == 400 and "is not a year from 1990 to 2100" in response.content.decode()
    assert not TradeFigure.objects.exists()
    assert client.get("/en/ledger/").status_code == 200


# --- 7. The admin corrects an entry in place --------------------------------------------------------------

ADMIN_FORM = {
    "period_first": "2026-01-01",
    "period_last": "2026-06-30",
    "indicator": "turnover",
    "flow": "",
    "value": "0.70",
    "scale": "bn",
    "currency": "USD",
    "growth_pct": "",
    "reported_by": "kg_nsc",
    "side": "KG",
    "speaker": "",
    "source": "NSC bulletin",
    "source_url": "",
    "published_on": "",
    "note": "",
    "bound": "=",
    "share_of": "",
}


def test_an_admin_correction_of_the_period_keeps_the_entry_and_its_id(client, db):
    client.force_login(factories.user(Role.ADMINISTRATOR))
    assert client.post("/admin/indicators/tradefigure/add/", ADMIN_FORM).status_code == 302
    entry = TradeFigure.objects.get()
    corrected = {**ADMIN_FORM, "period_last": "2026-09-30", "source": "NSC bulletin no. 9"}
    response = client.post(f"/admin/indicators/tradefigure/{entry.pk}/change/", corrected)
    assert response.status_code == 302
    [again] = TradeFigure.objects.all()
    assert (again.pk, again.period_last, again.source) == (entry.pk, date(2026, 9, 30), "NSC bulletin no. 9")
    audit = AuditEntry.objects.get(action="ledger.entry_update")
    assert audit.data["previous"] == {"period_last": "2026-06-30", "source": "NSC bulletin"}
    assert not AuditEntry.objects.filter(action="ledger.entry_delete").exists()


def test_an_admin_correction_onto_another_entrys_report_is_refused(client, db):
    client.force_login(factories.user(Role.ADMINISTRATOR))
    client.post("/admin/indicators/tradefigure/add/", ADMIN_FORM)
    client.post("/admin/indicators/tradefigure/add/", {**ADMIN_FORM, "source": "NSC yearbook", "value": "0.71"})
    first, second = TradeFigure.objects.order_by("pk")
    response = client.post(f"/admin/indicators/tradefigure/{second.pk}/change/", {**ADMIN_FORM, "value": "0.71"})
    assert response.status_code == 200
    assert f"entry #{first.pk} already records this report" in response.content.decode()
    assert [(entry.pk, entry.source, entry.published_value) for entry in TradeFigure.objects.order_by("pk")] == [
        (first.pk, "NSC bulletin", Decimal("0.70")),
        (second.pk, "NSC yearbook", Decimal("0.71")),
    ]


def test_the_update_service_refuses_a_key_collision(db):
    from tengri.indicators.ledger_services import trade_figure_update

    first, _ = trade_figure_record(actor=None, data=FigureInput(**FIGURE))
    second, _ = trade_figure_record(actor=None, data=FigureInput(**{**FIGURE, "source": "other"}))
    with pytest.raises(InvalidInput, match=f"entry #{first.pk} already records this report"):
        trade_figure_update(actor=None, entry=second, data=FigureInput(**FIGURE))
    assert trade_figure_update(actor=None, entry=second, data=FigureInput(**{**FIGURE, "source": "other"}))[1] == (
        "unchanged"
    )


# --- 8. The report keeps the digits of a published growth -------------------------------------------------


@pytest.mark.parametrize(
    ("growth", "lang", "shown"),
    [("21", "en", "+21%"), ("11.6", "en", "+11.6%"), ("-3", "en", "-3%"), ("43.5", "ru", "+43,5%")],
)
def test_a_published_growth_is_shown_with_its_digits(growth, lang, shown):
    from tengri.indicators.report_text import published_growth_text

    assert published_growth_text(Decimal(growth), lang) == shown


def test_the_reports_trade_entries_show_growth_as_published():
    from tengri.indicators.report_text import report_shown
    from tests.indicators.report_world import constructed_report

    shown = report_shown(constructed_report(), "en")
    turnover = next(entry for entry in shown.entries if entry.id == 11)  # Jan–Aug 2025, published +21 %
    assert turnover.growth == "+21%"


# --- 9. The export cannot carry a spreadsheet formula ------------------------------------------------------


def test_formula_like_cells_are_exported_as_text_and_re_import_unchanged(db):
    entry, _ = trade_figure_record(
        actor=None,
        data=FigureInput(**{**FIGURE, "source": '=HYPERLINK("http://x","y")', "note": "@SUM(1)", "growth_pct": "-3"}),
    )
    exported = ledger_csv(ledger_entries())
    assert "'=HYPERLINK" in exported and ",'@SUM(1)," in exported
    assert ",-3," in exported  # a plain number runs nothing and stays a number
    result = ledger_csv_import(exported, actor=None)
    assert result.unchanged == (entry.pk,)
    entry.refresh_from_db()
    assert (entry.source, entry.note) == ('=HYPERLINK("http://x","y")', "@SUM(1)")
    assert len(COLUMNS + OPTIONAL_COLUMNS) == len(exported.splitlines()[0].split(","))
