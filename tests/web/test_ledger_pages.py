"""The trade ledger pages: the ledger (reported and derived figures, mirror table, forms), the CSV import and
the claim check. Analysts and administrators only; operators, border officers and anonymous visitors are refused."""

import pytest

from tengri.core.models import AuditEntry
from tengri.core.roles import Role
from tengri.indicators.ledger_csv import COLUMNS
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import SEED, ledger_seed
from tests import factories

ROW = "2026-01-01,2026-12-31,turnover,,1.5,bn,USD,7,kz_statistics,KZ,Bureau of National Statistics,,,test"


@pytest.fixture
def analyst(db):
    return factories.user(Role.ANALYST)


@pytest.fixture
def seeded(db):
    ledger_seed()


def upload(client, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/en/ledger/import", {"file": SimpleUploadedFile("figures.csv", content, "text/csv")})


def test_the_ledger_shows_reported_and_derived_figures_apart(client, analyst, seeded):
    client.force_login(analyst)
    response = client.get("/en/ledger/")
    html = response.content.decode()
    turnover = TradeFigure.objects.get(indicator="turnover", period_first="2025-01-01")
    assert response.status_code == 200
    assert f'id="entry-{turnover.pk}"' in html and "USD 1.4 bn" in html and "+21 %" in html
    assert html.count('class="badge reported"') == len(SEED)
    assert f'data-derived="base.{turnover.pk}"' in html
    assert "USD 1.157 bn" in html and "USD 1.111–1.203 bn" in html
    assert 'href="https://www.interfax.com/newsroom/top-stories/94867/"' in html
    assert html.count("data-mirror=") == 2 and "USD 0.119 bn" in html
    assert 'id="import-form"' in html and 'id="claim-form"' in html and "csrfmiddlewaretoken" in html


def test_the_ledger_renders_in_russian(client, analyst, seeded):
    client.force_login(analyst)
    response = client.get("/ru/ledger/")
    assert response.status_code == 200 and '<html lang="ru">' in response.content.decode()


@pytest.mark.parametrize("who", ["operator", "border_officer", "anonymous"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/en/ledger/"), ("post", "/en/ledger/import"), ("get", "/en/ledger/claim"), ("post", "/en/ledger/claim")],
)
def test_the_ledger_pages_refuse_who_may_not_see_them(client, demo_season, who, method, path):
    if who == "operator":
        client.force_login(factories.operator())
    elif who == "border_officer":
        client.force_login(factories.border_officer("KZ"))
    response = getattr(client, method)(path, {"claim": "2023 turnover USD 1.5 bn"} if method == "post" else {})
    if who == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert not TradeFigure.objects.exists()


def test_an_administrator_sees_the_ledger(client, db):
    client.force_login(factories.user(Role.ADMINISTRATOR))
    assert client.get("/en/ledger/").status_code == 200


def test_an_analyst_imports_a_file(client, analyst):
    client.force_login(analyst)
    response = upload(client, (",".join(COLUMNS) + "\n" + ROW + "\n").encode())
    assert response.status_code == 200
    assert "1 rows imported: 1 new" in response.content.decode()
    entry = TradeFigure.objects.get()
    assert entry.entered_by == analyst and entry.display_value == "USD 1.5 bn"
    audit = AuditEntry.objects.get(action="ledger.entry_create")
    assert (audit.actor_id, audit.subject_id) == (analyst.pk, str(entry.pk))


def test_a_bad_file_is_refused_on_the_page_and_nothing_is_saved(client, analyst):
    client.force_login(analyst)
    bad = ROW.replace(",1.5,", ",one and a half,")
    response = upload(client, (",".join(COLUMNS) + "\n" + ROW.replace("2026", "2025") + "\n" + bad + "\n").encode())
    html = response.content.decode()
    assert response.status_code == 400
    assert "row 2 (line 3), column value: &#x27;one and a half&#x27; is not a number" in html
    assert "Nothing was imported." in html
    assert not TradeFigure.objects.exists()


def test_an_import_without_a_file_is_refused(client, analyst):
    client.force_login(analyst)
    response = client.post("/en/ledger/import", {})
    assert response.status_code == 400 and "choose a CSV file" in response.content.decode()


def test_the_claim_form_gives_the_verdict(client, analyst, seeded):
    client.force_login(analyst)
    response = client.post(
        "/en/ledger/claim", {"claim": "Jan-Aug 2025 agri trade USD 326 m, +42%, over 80% Kazakh exports"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="verdict" data-status="supported"' in html
    for part in ("value", "growth", "share"):
        assert f'data-part="{part}" data-status="supported"' in html
    contradicted = client.post("/en/ledger/claim", {"claim": "2022 turnover USD 1.3 bn (KG)"}).content.decode()
    assert 'data-status="contradicted"' in contradicted


def test_an_unreadable_claim_comes_back_with_the_reason(client, analyst, seeded):
    client.force_login(analyst)
    response = client.post("/en/ledger/claim", {"claim": "the border was busy"})
    assert response.status_code == 400
    assert "could not read a period" in response.content.decode()


def test_the_claim_page_shows_its_form(client, analyst):
    client.force_login(analyst)
    response = client.get("/en/ledger/claim", {"claim": "2023 turnover USD 1.5 bn"})
    assert response.status_code == 200 and 'value="2023 turnover USD 1.5 bn"' in response.content.decode()


def test_a_disputed_claim_is_shown_as_disputed_naming_both_entries(client, analyst, seeded):
    client.force_login(analyst)
    kz = TradeFigure.objects.get(indicator="turnover", period_last="2023-12-31", side="KZ")
    kg = TradeFigure.objects.get(indicator="turnover", period_last="2023-12-31", side="KG")
    response = client.post("/en/ledger/claim", {"claim": "2023 turnover USD 1.3 bn"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="verdict" data-status="disputed"' in html and 'class="badge disputed"' in html
    assert "disputed: the sources disagree" in html
    assert f"disputed: #{kg.pk} supports the claim, #{kz.pk} contradicts it" in html


def test_the_ledger_page_survives_an_entry_stored_before_the_checks(client, analyst, seeded):
    from datetime import date
    from decimal import Decimal

    TradeFigure.objects.create(
        period_first=date(2026, 1, 1),
        period_last=date(2026, 12, 31),
        indicator="turnover",
        value=Decimal("1.5"),
        value_decimals=1,
        scale="bn",
        growth_pct=Decimal("-100"),
        growth_decimals=0,
        reported_by="kz_statistics",
        side="KZ",
        source="stored before the checks",
    )
    client.force_login(analyst)
    assert client.get("/en/ledger/").status_code == 200
    assert client.post("/en/ledger/claim", {"claim": "2025 turnover USD 1.5 bn"}).status_code == 200
