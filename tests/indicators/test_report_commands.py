"""`tengri report season` and `tengri indicators` against the demo season's records and the seeded ledger."""

import json
import re
from datetime import date

import pypdfium2 as pdfium
import pytest

from tengri.cli import main
from tengri.indicators.figures import Period
from tengri.indicators.report import season_period


@pytest.fixture
def demo_records(demo_companies, django_capture_on_commit_callbacks):
    """The demo's 2027 applications (one approved group, others in every state) and the ledger's seed."""
    from tengri.expeditions.demo import demo_applications_load
    from tengri.indicators.seed import ledger_seed
    from tengri.permits.demo import demo_keys_load

    demo_keys_load()
    with django_capture_on_commit_callbacks(execute=True):
        demo_applications_load()
    ledger_seed()


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def pdf_text(path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
    finally:
        document.close()


def test_the_season_report_command_writes_the_pdf_and_the_html(capsys, tmp_path, demo_records):
    from tengri.indicators.tourism import tourism_indicators

    out, html = tmp_path / "report.pdf", tmp_path / "report.html"
    code, printed, error = run(capsys, "report", "season", "--year", "2027", "--out", str(out), "--html", str(html))
    assert (code, error) == (0, "")
    assert str(out) in printed and "registry" in printed
    text = pdf_text(out)
    season = season_period(2027)[0]
    filed = tourism_indicators(season).figure("applications.filed")
    assert filed.value > 0  # the demo's applications start in the season
    approved = tourism_indicators(season).figure("applications.approved")
    assert re.search(rf"Applications filed\[\d+\] {filed.value} {filed.previous} ", text)
    assert re.search(rf"Applications approved\[\d+\] {approved.value} {approved.previous} ", text)
    assert "Sources" in text and "ledger entry #" in text  # the seeded trade figures, cited
    assert "https://24.kg/english/321020" in text.replace("\r\n", "").replace("\n", "")  # KG 2024, cited
    page = html.read_text()
    assert page.count("<svg") >= 1 and 'id="source-1"' in page


def test_the_russian_report_is_written_in_russian(capsys, tmp_path, demo_records):
    out = tmp_path / "report-ru.pdf"
    assert run(capsys, "report", "season", "--year", "2027", "--out", str(out), "--lang", "ru")[0] == 0
    text = pdf_text(out)
    assert "июля 2027" in text  # the season's first day, as Russian writes dates


def test_the_indicators_command_prints_the_figures_with_a_year_earlier(capsys, demo_records):
    from tengri.indicators.tourism import tourism_indicators

    code, printed, _ = run(capsys, "indicators", "--from", "2027-01-01", "--to", "2027-12-31", "--json")
    assert code == 0
    data = json.loads(printed)
    expected = tourism_indicators(Period(date(2027, 1, 1), date(2027, 12, 31)))
    assert data["previous"] == {"first": "2026-01-01", "last": "2026-12-31"}
    assert {figure["key"]: figure["value"] for figure in data["figures"]} == {
        figure.key: figure.value for figure in expected.figures
    }
    assert all(figure["source"] for figure in data["figures"])
    code, printed, _ = run(capsys, "indicators", "--from", "2027-01-01", "--to", "2027-12-31")
    assert code == 0 and "applications.filed" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["indicators", "--from", "2027-08-01", "--to", "2027-07-01"], "ends before it begins"),
        (["report", "season", "--year", "1999", "--out", "/tmp/never.pdf"], "outside 2000..2100"),
        (["report", "season", "--year", "2027", "--out", "/nonexistent/dir/report.pdf"], "cannot write"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(capsys, db, argv, message):
    code, _, error = run(capsys, *argv)
    assert code == 2 and message in error
