"""Indicator pages: the dashboard with its charts, the season report page and PDF (analysts and
administrators), and the public open-data page with its CSV downloads (one season per year, once closed
more than 30 days)."""

import csv
import io
import re
from datetime import date

import pypdfium2 as pdfium
import pytest
from django.utils.html import escape

from tengri.core.roles import Role
from tengri.indicators.figures import Period
from tests import factories

SEASON = "?first=2027-07-01&last=2027-09-30"


@pytest.fixture
def analyst(demo_season):
    return factories.user(Role.ANALYST)


@pytest.fixture
def history(demo_season):
    """A small generated 2026 season (30 groups, the same every time): crossings, notices, alerts."""
    from tengri.capacity.demand import resources_sync
    from tengri.expeditions.demo import demo_people_load
    from tengri.indicators.season_generator import season_generate

    resources_sync()
    demo_people_load()
    season_generate(year=2026, groups=30, seed=2026)
    return Period(date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture
def today(monkeypatch):
    """Pages take "today" from the clock: the 2027 season has ended on 1 November 2027."""
    from tengri.web import indicators

    monkeypatch.setattr(indicators, "today", lambda: date(2027, 11, 1))
    return date(2027, 11, 1)


def test_the_dashboard_shows_every_headline_figure_with_a_year_earlier(client, analyst):
    from tengri.indicators.figures import Period
    from tengri.indicators.tourism import tourism_indicators

    client.force_login(analyst)
    response = client.get("/en/indicators/" + SEASON)
    assert response.status_code == 200
    page = response.content.decode()
    figures = tourism_indicators(Period(date(2027, 7, 1), date(2027, 9, 30))).figures
    for figure in figures:
        assert f'data-figure="{figure.key}"' in page
    assert "1 July 2027 – 30 September 2027" in page and "1 July 2026 – 30 September 2026" in page
    for name in ("flows", "nationality", "routes", "occupancy", "decisions"):
        assert f'/en/indicators/charts/{name}.svg?first=2027-07-01&amp;last=2027-09-30"' in page
    assert "/en/indicators/report/2027/" in page and "/en/indicators/open-data/" in page


def test_the_dashboard_defaults_to_this_years_season(client, analyst, monkeypatch):
    from tengri.indicators.report import season_period
    from tengri.web import indicators

    monkeypatch.setattr(indicators, "today", lambda: date(2027, 8, 15))
    client.force_login(analyst)
    page = client.get("/en/indicators/").content.decode()
    season = season_period(2027)[0]
    assert f'name="first" value="{season.first.isoformat()}"' in page
    assert f'name="last" value="{season.last.isoformat()}"' in page


@pytest.mark.parametrize("query", ["?first=2027-13-01", "?first=2027-08-01&last=2027-07-01"])
def test_a_bad_period_is_a_clear_error_not_a_server_error(client, analyst, query):
    client.force_login(analyst)
    response = client.get("/en/indicators/" + query)
    assert response.status_code == 400
    assert b"YYYY-MM-DD" in response.content or b"ends before it begins" in response.content


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_chart_is_served_as_a_picture(client, analyst, fmt):
    client.force_login(analyst)
    response = client.get(f"/en/indicators/charts/flows.{fmt}" + SEASON)
    assert response.status_code == 200
    assert response["Content-Type"] == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    assert response.content.startswith(b"<?xml" if fmt == "svg" else b"\x89PNG")


def test_an_unknown_chart_is_not_found(client, analyst):
    client.force_login(analyst)
    assert client.get("/en/indicators/charts/weather.svg").status_code == 404
    assert client.get("/en/indicators/charts/flows.gif").status_code == 404


def test_the_report_page_cites_every_number_and_links_the_pdf(client, analyst):
    client.force_login(analyst)
    response = client.get("/en/indicators/report/2027/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "season report 2027" in page and 'id="sources"' in page
    assert '/en/indicators/report/2027.pdf"' in page
    assert page.count('href="#source-') >= page.count("data-figure=")


@pytest.mark.parametrize(("language", "words"), [("en", "July 2027"), ("ru", "июля 2027")])
def test_the_report_pdf_is_in_the_pages_language(client, analyst, language, words):
    client.force_login(analyst)
    response = client.get(f"/{language}/indicators/report/2027.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    try:
        first_page = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert words in first_page


def test_a_year_outside_any_season_is_not_found(client, analyst):
    client.force_login(analyst)
    assert client.get("/en/indicators/report/1850/").status_code == 404


# --- Open data ---------------------------------------------------------------------------------------


def test_the_open_data_page_is_public_and_offers_one_file_per_table_and_published_season(client, demo_season, today):
    from tengri.indicators.opendata import OPEN_TABLES, SMALL

    response = client.get("/en/indicators/open-data/")
    assert response.status_code == 200
    page = response.content.decode()
    for key in OPEN_TABLES:
        assert f'data-table="{key}"' in page
        for year in (2027, 2026):  # 2027 closed on 1 October, more than 30 days before "today"
            assert f'"/en/indicators/open-data/{year}/{key}.csv"' in page
    assert "persons.by_route_day" not in page
    assert f'published as "{escape(SMALL)}"' in page  # the page explains the suppression
    assert 'data-year="2027"' in page and "1 July 2026 – 1 October 2026" in page
    assert "first=" not in page and 'name="first"' not in page  # no period to choose


def test_the_open_data_page_ignores_a_period_in_the_query(client, demo_season, today):
    def content(url: str) -> str:  # the page below its header (the header's CSRF token and "next" differ)
        return client.get(url).content.decode().split("<h1>", 1)[1]

    assert content("/en/indicators/open-data/?first=2027-07-01&last=2027-07-15") == content("/en/indicators/open-data/")


def test_an_open_data_csv_has_the_tables_columns_and_no_small_counts(client, history, today):
    from tengri.indicators.opendata import OPEN_TABLES, SUPPRESSION_THRESHOLD, open_period
    from tengri.indicators.tourism import tourism_indicators

    counted = tourism_indicators(open_period(2026)).tables
    for key in OPEN_TABLES:
        response = client.get(f"/en/indicators/open-data/2026/{key}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert f'filename="tengri-{key}-2026.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        table = counted[key]
        columns = ["crossings" if column == "persons" else column for column in table.columns]
        assert rows[0] == columns[: len(rows[0])]
        assert len(rows) - 1 == len(table.rows)  # one line per counted row
        assert key.startswith("alerts.") or table.rows  # 30 groups cross and decide; they may raise no alert
        for row in rows[1:]:
            for column in table.count_columns:
                cell = row[table.columns.index(column)]
                assert not (cell.isdigit() and 0 < int(cell) < SUPPRESSION_THRESHOLD), (key, row)


def test_the_dashboard_of_a_generated_season_counts_what_the_records_hold(client, analyst, history):
    from tengri.checkpoints.models import CrossingEvent

    client.force_login(analyst)
    page = client.get(f"/en/indicators/?first={history.first}&last={history.last}").content.decode()
    entries = CrossingEvent.objects.filter(
        direction="in", verdict="VALID", occurred_at__date__gte=history.first, occurred_at__date__lte=history.last
    ).count()
    assert entries > 0
    assert re.search(
        rf'data-figure="crossings.entries"><td>[^<]*</td><td class="num" data-value[^>]*>{entries:,}<', page
    )


def test_the_dashboard_names_the_source_of_every_figure(client, analyst):
    from tengri.indicators.tourism import tourism_indicators

    client.force_login(analyst)
    page = client.get("/en/indicators/" + SEASON).content.decode()
    figures = tourism_indicators(Period(date(2027, 7, 1), date(2027, 9, 30))).figures
    sources = list(dict.fromkeys(figure.source for figure in figures))
    assert 'id="sources"' in page
    for n, source in enumerate(sources, start=1):
        assert f'<li id="source-{n}">{escape(source)}</li>' in page
    for figure in figures:
        n = sources.index(figure.source) + 1
        row = re.search(rf'<tr data-figure="{re.escape(figure.key)}">.*?</tr>', page).group(0)
        assert f'title="{escape(figure.source)}"' in row and f'href="#source-{n}"' in row and f"[{n}]" in row


@pytest.mark.parametrize(
    "url",
    [
        "/en/indicators/?first=0001-01-01&last=0001-01-05",
        "/en/indicators/?first=9999-12-20&last=9999-12-31",
        "/en/indicators/?first=2020-01-01&last=2027-12-31",
        "/en/indicators/charts/flows.svg?first=0001-01-01&last=0001-01-05",
        "/en/indicators/charts/flows.svg?first=9999-12-20&last=9999-12-31",
    ],
)
def test_a_period_out_of_range_is_a_400_not_a_500(client, analyst, url):
    client.force_login(analyst)
    response = client.get(url)
    assert response.status_code == 400
    assert b"2000 to 2100" in response.content or b"at most" in response.content


@pytest.mark.parametrize("path", ["/en/indicators/open-data/2027/crossings.by_nationality.csv"])
@pytest.mark.parametrize(("day", "status"), [(date(2027, 10, 31), 403), (date(2027, 11, 1), 200)])
def test_open_data_of_a_season_closed_30_days_ago_or_less_is_refused_with_the_reason(
    client, demo_season, monkeypatch, path, day, status
):
    from tengri.indicators.report import season_period
    from tengri.web import indicators

    assert season_period(2027)[0].last == date(2027, 10, 1)  # the demo registry's season closes on 1 October
    monkeypatch.setattr(indicators, "today", lambda: day)
    response = client.get(path)
    assert response.status_code == status
    if status == 403:
        assert b"only for seasons that closed at least 30 days ago" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/en/indicators/open-data/2027/passports.csv",
        "/en/indicators/open-data/2027/persons.by_route_day.csv",
        "/en/indicators/open-data/1850/crossings.by_nationality.csv",
    ],
)
def test_an_unknown_open_data_table_or_year_is_not_found(client, demo_season, today, path):
    assert client.get(path).status_code == 404
