"""The indicators API: the figures and tables of a period as JSON (analysts, administrators), and the open-data
CSV (public, one season per year once closed 30 days). Who may call what is the access matrix's (tests/core);
here, what comes back."""

import base64
import csv
import io
from datetime import date

import pytest

from tengri.core.roles import Role
from tengri.indicators.figures import Period
from tests import factories

PASSWORD = "matrix-password-1"


@pytest.fixture
def history(demo_companies):
    from tengri.indicators.season_generator import season_generate

    season_generate(year=2026, groups=30, seed=2026)
    return Period(date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture
def analyst_auth(demo_season):
    analyst = factories.user(Role.ANALYST)
    analyst.set_password(PASSWORD)
    analyst.save(update_fields=["password"])
    return {"Authorization": "Basic " + base64.b64encode(f"{analyst.username}:{PASSWORD}".encode()).decode()}


@pytest.fixture
def after_the_season(monkeypatch):
    from tengri.api import indicators

    monkeypatch.setattr(indicators, "_today", lambda: date(2027, 11, 1))


def test_the_indicators_api_gives_every_figure_with_its_source_and_every_table(client, history, analyst_auth):
    from tengri.indicators.tourism import tourism_indicators

    response = client.get(f"/api/v1/indicators?first={history.first}&last={history.last}", headers=analyst_auth)
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    expected = tourism_indicators(history)
    assert data["period"] == {"first": "2026-07-01", "last": "2026-09-30"}
    assert data["previous"] == {"first": "2025-07-01", "last": "2025-09-30"}
    assert [(figure["key"], figure["value"], figure["previous"]) for figure in data["figures"]] == [
        (figure.key, figure.value, figure.previous) for figure in expected.figures
    ]
    assert all(figure["source"] for figure in data["figures"])
    tables = {table["key"]: table for table in data["tables"]}
    assert set(tables) == set(expected.tables)
    nationality = tables["crossings.by_nationality"]
    assert [tuple(row) for row in nationality["rows"]] == list(expected.tables["crossings.by_nationality"].rows)
    assert nationality["rows"] and nationality["source"]


def test_a_bad_period_is_a_400_with_the_reason(client, demo_season, analyst_auth):
    response = client.get("/api/v1/indicators?first=2027-09-01&last=2027-08-01", headers=analyst_auth)
    assert response.status_code == 400 and "ends before it begins" in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    ["first=0001-01-01&last=0001-01-05", "first=9999-12-20&last=9999-12-31", "first=2020-01-01&last=2027-12-31"],
)
def test_a_period_out_of_range_is_a_400_not_a_500(client, demo_season, analyst_auth, query):
    response = client.get(f"/api/v1/indicators?{query}", headers=analyst_auth)
    assert response.status_code == 400
    assert "2000 to 2100" in response.json()["detail"] or "at most" in response.json()["detail"]


def test_the_open_data_csv_api_is_the_suppressed_table_of_the_years_season(client, history, after_the_season):
    from tengri.indicators.opendata import open_period, open_tables, table_csv

    response = client.get("/api/v1/open-data/2026/crossings.by_nationality.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == table_csv(open_tables(open_period(2026))["crossings.by_nationality"])
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["nationality", "entries", "exits"] and rows
    assert 'filename="tengri-crossings.by_nationality-2026.csv"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path", ["2026/members.csv", "2026/persons.by_route_day.csv", "1850/crossings.by_nationality.csv"]
)
def test_an_unknown_open_data_table_or_year_is_a_404(client, demo_season, after_the_season, path):
    response = client.get(f"/api/v1/open-data/{path}")
    assert response.status_code == 404 and response.json()["detail"]


def test_open_data_of_a_season_not_closed_30_days_is_a_403_with_the_reason(client, demo_season, monkeypatch):
    from tengri.api import indicators

    monkeypatch.setattr(indicators, "_today", lambda: date(2027, 10, 31))  # the season closed on 1 October
    response = client.get("/api/v1/open-data/2027/crossings.by_nationality.csv")
    assert response.status_code == 403
    assert "only for seasons that closed at least 30 days ago" in response.json()["detail"]
