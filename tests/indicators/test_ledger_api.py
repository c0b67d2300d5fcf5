"""The ledger API: entries, derived figures, mirror table, claim check and CSV import; each refused to
operators, border officers and anonymous callers; analysts allowed; the import audited."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tengri.indicators.ledger_csv import COLUMNS
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import SEED, ledger_seed
from tests import factories

ROW = "2026-01-01,2026-12-31,turnover,,1.5,bn,USD,7,kz_statistics,KZ,Bureau of National Statistics,,,test"


def basic(user) -> dict:
    credentials = base64.b64encode(f"{user.username}:{factories.PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}"}


@pytest.fixture
def analyst(db):
    return factories.user(Role.ANALYST)


@pytest.fixture
def seeded(db):
    ledger_seed()


def test_entries_are_reported_as_published(client, analyst, seeded):
    response = client.get("/api/v1/ledger/entries", **basic(analyst))
    assert response.status_code == 200
    entries = response.json()
    assert len(entries) == len(SEED) and all(entry["reported"] for entry in entries)
    turnover = next(e for e in entries if e["indicator"] == "turnover" and e["period"] == "Jan–Aug 2025")
    assert (turnover["value"], turnover["scale"], turnover["growth_pct"], turnover["value_rounding"]) == (
        "1.4",
        "bn",
        "21",
        "0.05",
    )


def test_derived_figures_are_marked_derived_with_their_inputs(client, analyst, seeded):
    figures = client.get("/api/v1/ledger/derived", **basic(analyst)).json()
    turnover = TradeFigure.objects.get(indicator="turnover", period_first="2025-01-01")
    base = next(figure for figure in figures if figure["key"] == f"base.{turnover.pk}")
    assert base["derived"] is True and base["from_entries"] == [turnover.pk]
    assert (base["value"], base["low"], base["high"]) == ("1157024793.388430", "1111111111.111111", "1203319502.074689")
    assert base["period"] == "Jan–Aug 2024" and base["display_range"] == "USD 1.111–1.203 bn"


def test_the_mirror_table(client, analyst, seeded):
    pairs = client.get("/api/v1/ledger/mirror", **basic(analyst)).json()
    assert [(pair["period"], pair["kz_value"], pair["kg_value"], pair["gap_pct"]) for pair in pairs] == [
        ("2022", "USD 1.3 bn", "USD 1.181 bn", "9.59"),
        ("2023", "USD 1.572 bn", "USD 1.317 bn", "17.65"),
    ]


def test_the_claim_check(client, analyst, seeded):
    response = client.post(
        "/api/v1/ledger/claim-check",
        {"claim": "Jan–Aug 2025 turnover USD 1.4 bn, +21 %"},
        content_type="application/json",
        **basic(analyst),
    )
    verdict = response.json()
    assert response.status_code == 200
    assert (verdict["status"], verdict["supported"]) == ("supported", True)
    assert [part["interval"] for part in verdict["parts"]] == ["USD 1.35–1.45 bn", "20.5–21.5 %"]
    disputed = client.post(
        "/api/v1/ledger/claim-check",
        {"claim": "2023 turnover USD 1.3 bn"},
        content_type="application/json",
        **basic(analyst),
    ).json()
    assert disputed["status"] == "disputed" and disputed["supported"] is None
    assert disputed["parts"][0]["disagreement"].startswith("disputed: #")
    unreadable = client.post(
        "/api/v1/ledger/claim-check", {"claim": "hello"}, content_type="application/json", **basic(analyst)
    )
    assert unreadable.status_code == 400 and "could not read a period" in unreadable.json()["detail"]


def test_the_import_is_all_or_nothing_and_audited(client, analyst):
    header = ",".join(COLUMNS)
    good = SimpleUploadedFile("good.csv", f"{header}\n{ROW}\n".encode(), "text/csv")
    response = client.post("/api/v1/ledger/import", {"file": good}, **basic(analyst))
    assert response.status_code == 200 and len(response.json()["created"]) == 1
    assert AuditEntry.objects.filter(action="ledger.import", actor_id=analyst.pk).count() == 1
    bad = SimpleUploadedFile("bad.csv", f"{header}\n{ROW.replace('2026', '2027')}\n{ROW[:40]}\n".encode(), "text/csv")
    refused = client.post("/api/v1/ledger/import", {"file": bad}, **basic(analyst))
    assert refused.status_code == 400 and "row 2 (line 3): has fewer cells than the header" in refused.json()["detail"]
    assert TradeFigure.objects.count() == 1


@pytest.mark.parametrize("who", ["operator", "border_officer", "anonymous"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/ledger/entries"),
        ("get", "/api/v1/ledger/derived"),
        ("get", "/api/v1/ledger/mirror"),
        ("post", "/api/v1/ledger/claim-check"),
        ("post", "/api/v1/ledger/import"),
    ],
)
def test_the_ledger_api_refuses_who_may_not_use_it(client, demo_season, who, method, path):
    headers = {}
    if who == "operator":
        headers = basic(factories.operator())
    elif who == "border_officer":
        headers = basic(factories.border_officer("KG"))
    if path.endswith("import"):
        payload = {"file": SimpleUploadedFile("f.csv", (",".join(COLUMNS) + "\n" + ROW + "\n").encode())}
        response = client.post(path, payload, **headers)
    elif method == "post":
        response = client.post(path, {"claim": "2023 turnover USD 1.5 bn"}, content_type="application/json", **headers)
    else:
        response = client.get(path, **headers)
    assert response.status_code == (401 if who == "anonymous" else 403)
    assert not TradeFigure.objects.exists()
