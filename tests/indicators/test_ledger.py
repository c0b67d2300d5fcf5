"""The trade ledger: the communiqué's figures as reported, what they imply (derived, with exact rounding
ranges), mirror statistics, and the service that records figures (checked, audited, idempotent)."""

from datetime import date
from decimal import Decimal

import pytest

from tengri.core.errors import InvalidInput
from tengri.core.models import AuditEntry
from tengri.indicators.figures import Period
from tengri.indicators.ledger import derived_figures, ledger_entries, mirror_pairs
from tengri.indicators.ledger_services import FigureInput, published_number, trade_figure_record
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import SEED, ledger_seed

BN, M = Decimal(10) ** 9, Decimal(10) ** 6
JAN_AUG_2025 = Period(date(2025, 1, 1), date(2025, 8, 31))


@pytest.fixture
def seeded(db):
    assert ledger_seed() == len(SEED)
    return {entry.pk: entry for entry in ledger_entries()}


def one(period: Period, indicator: str, side: str = "KZ", kind: str = "value") -> TradeFigure:
    return TradeFigure.objects.get(
        period_first=period.first, period_last=period.last, indicator=indicator, side=side, kind=kind
    )


def derived(key: str):
    return next(figure for figure in derived_figures() if figure.key == key)


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31))


def test_the_communique_figures_are_reported_as_published(seeded):
    turnover = one(JAN_AUG_2025, "turnover")
    agri = one(JAN_AUG_2025, "agri_trade")
    share = one(JAN_AUG_2025, "agri_exports", kind="share")
    assert (turnover.published_value, turnover.scale, turnover.published_growth) == (Decimal("1.4"), "bn", 21)
    assert (turnover.display_value, turnover.display_growth) == ("USD 1.4 bn", "+21 %")
    assert (agri.display_value, agri.display_growth) == ("USD 326 m", "+42 %")
    assert (share.bound, share.value, share.share_of, share.flow) == (">", 80, "agri_trade", "KZ>KG")
    assert {turnover.reported_by, agri.reported_by, share.reported_by} == {"council"}
    assert turnover.published_on == date(2025, 11, 13)
    # how each was rounded comes from the digits published
    assert (turnover.half_step, agri.half_step, turnover.growth_half_step) == (
        Decimal("0.05"),
        Decimal("0.5"),
        Decimal("0.5"),
    )


def test_the_jan_aug_2024_base_is_derived_with_its_exact_range(seeded):
    turnover = one(JAN_AUG_2025, "turnover")
    base = derived(f"base.{turnover.pk}")
    assert base.derived and base.kind == "year_earlier_base"
    assert base.period == Period(date(2024, 1, 1), date(2024, 8, 31))
    assert base.from_entries == (turnover.pk,)
    assert base.value == Decimal("1.4") * BN / Decimal("1.21")
    # both roundings: 1.35–1.45 bn and 20.5–21.5 %
    assert base.low == Decimal("1.35") * BN / Decimal("1.215")
    assert base.high == Decimal("1.45") * BN / Decimal("1.205")
    assert (base.display_value, base.display_range) == ("USD 1.157 bn", "USD 1.111–1.203 bn")
    assert "1.116–1.198 bn from the value's rounding alone" in base.explanation  # the facts page's "1.12–1.20"
    assert base.formula == f"#{turnover.pk} / (1 + growth/100) = 1.4 bn / 1.21"


def test_the_agri_base_and_the_kazakh_exports_implied_by_the_share(seeded):
    agri = one(JAN_AUG_2025, "agri_trade")
    share = one(JAN_AUG_2025, "agri_exports", kind="share")
    base = derived(f"base.{agri.pk}")
    assert base.display_value == "USD 229.6 m"
    assert (base.low, base.high) == (Decimal("325.5") * M / Decimal("1.425"), Decimal("326.5") * M / Decimal("1.415"))
    exports = derived(f"share_amount.{share.pk}")
    assert exports.bound == ">" and exports.from_entries == (share.pk, agri.pk)
    assert exports.value == Decimal("260.8") * M
    assert (exports.low, exports.high) == (Decimal("260.4") * M, Decimal("326.5") * M)
    assert exports.display_value == "> USD 260.8 m"


def test_shares_and_growth_between_reported_years_are_derived(seeded):
    kg_2022, kg_2023 = one(year(2022), "turnover", "KG"), one(year(2023), "turnover", "KG")
    growth = derived(f"growth.{kg_2022.pk}.{kg_2023.pk}")
    assert growth.value == (Decimal("1.317") / Decimal("1.181") - 1) * 100
    assert growth.low == (Decimal("1.3165") / Decimal("1.1815") - 1) * 100
    assert "+11.6 % was published" in growth.explanation
    exports, total = one(year(2023), "agri_exports"), one(year(2023), "agri_trade")
    share = derived(f"share.{exports.pk}.{total.pk}")
    assert share.unit == "%" and share.value == Decimal("220.1") / Decimal("299.4") * 100
    # no growth between two sides, nor from a share
    assert not [f for f in derived_figures() if f.kind == "growth_between" and f.side == "joint"]


def test_mirror_statistics_set_both_sides_side_by_side(seeded):
    pairs = {(pair.period, pair.indicator): pair for pair in mirror_pairs()}
    assert set(pairs) == {(year(2022), "turnover"), (year(2023), "turnover")}
    p2022, p2023 = pairs[(year(2022), "turnover")], pairs[(year(2023), "turnover")]
    assert (p2022.kz.display_value, p2022.kg.display_value) == ("USD 1.3 bn", "USD 1.181 bn")
    assert p2022.gap == Decimal("0.119") * BN
    assert p2022.gap_pct == Decimal("0.119") / Decimal("1.2405") * 100
    assert (p2022.gap_low, p2022.gap_high) == (Decimal("0.0685") * BN, Decimal("0.1695") * BN)
    assert p2023.gap == Decimal("0.255") * BN and round(p2023.gap_pct, 2) == Decimal("17.65")


def test_kz_exports_mirror_kg_imports_of_the_same_flow(db):
    common = {"period_first": date(2023, 1, 1), "period_last": date(2023, 12, 31), "scale": "m", "source": "test"}
    kz, _ = trade_figure_record(
        actor=None,
        data=FigureInput(
            indicator="exports", flow="KZ>KG", value="900", reported_by="kz_statistics", side="KZ", **common
        ),
    )
    kg, _ = trade_figure_record(
        actor=None,
        data=FigureInput(indicator="imports", flow="KZ>KG", value="862.182", reported_by="kg_nsc", side="KG", **common),
    )
    trade_figure_record(
        actor=None,
        data=FigureInput(indicator="exports", flow="KG>KZ", value="455.702", reported_by="kg_nsc", side="KG", **common),
    )
    [pair] = mirror_pairs()
    assert (pair.kz, pair.kg, pair.flow) == (kz, kg, "KZ>KG")
    assert pair.gap == Decimal("37.818") * M


def test_seeding_twice_changes_nothing_and_every_write_is_audited(seeded):
    assert AuditEntry.objects.filter(action="ledger.entry_create").count() == len(SEED)
    before = AuditEntry.objects.count()
    assert ledger_seed() == 0
    assert TradeFigure.objects.count() == len(SEED)
    assert AuditEntry.objects.count() == before


def test_seeded_sources_invent_no_article_address(seeded):
    urls = {entry.source_url for entry in seeded.values()}
    assert urls == {
        "",
        "https://www.interfax.com/newsroom/top-stories/94867/",
        "https://en.trend.az/casia/kyrgyzstan/3903697.html",
        "https://24.kg/english/321020/",
    }
    for entry in seeded.values():
        if not entry.source_url:
            assert "no article address" in entry.note or "no URL" in entry.note


def test_a_correction_updates_the_entry_of_the_same_report_and_is_audited(seeded):
    turnover = one(JAN_AUG_2025, "turnover")
    corrected = next(figure for figure in SEED if figure.indicator == "turnover" and figure.period_last.year == 2025)
    entry, outcome = trade_figure_record(
        actor=None, data=FigureInput(**{**corrected.__dict__, "value": "1.40", "growth_pct": "21.0"})
    )
    assert (entry.pk, outcome) == (turnover.pk, "updated")
    entry.refresh_from_db()
    assert entry.published_value == Decimal("1.40") and entry.half_step == Decimal("0.005")
    audit = AuditEntry.objects.filter(action="ledger.entry_update").get()
    assert audit.subject_id == str(entry.pk)
    assert audit.data["previous"] == {"value_decimals": "1", "growth_decimals": "0"}
    assert entry.history.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"indicator": "exports"}, "flow: exports need a direction"),
        ({"indicator": "imports", "flow": "KG>KZ", "side": "KG"}, "flow: KG's imports cannot run KG→KZ"),
        ({"flow": "KZ>KG"}, "flow: turnover has no direction"),
        ({"value": "1.4 bn"}, "value: '1.4 bn' is not a number"),
        ({"scale": "tn"}, "scale: 'tn' is not one of"),
        ({"side": "CN"}, "side: 'CN' is not one of"),
        ({"source": " "}, "source: say where"),
        ({"source_url": "interfax.com/94867"}, "source_url: 'interfax.com/94867' is not an http(s) address"),
        ({"currency": "KZT"}, "currency: only USD"),
        ({"share_of": "turnover", "scale": "m"}, "scale: a share is given in %"),
        ({"period_last": date(2024, 12, 31)}, "period_last: the period ends before it begins"),
    ],
)
def test_bad_figures_are_refused_with_the_field_named(db, changes, message):
    figure = {
        "period_first": date(2025, 1, 1),
        "period_last": date(2025, 12, 31),
        "indicator": "turnover",
        "value": "1.4",
        "scale": "bn",
        "reported_by": "kz_statistics",
        "side": "KZ",
        "source": "test",
        **changes,
    }
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        trade_figure_record(actor=None, data=FigureInput(**figure))
    assert not TradeFigure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="ledger.").exists()


@pytest.mark.parametrize(
    ("text", "number", "decimals"),
    [
        ("1.4", Decimal("1.4"), 1),
        ("1.181", Decimal("1.181"), 3),
        ("326", 326, 0),
        ("+21", 21, 0),
        ("1,4", Decimal("1.4"), 1),
    ],
)
def test_the_digits_published_give_the_rounding(text, number, decimals):
    assert published_number(text, "value") == (number, decimals)


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


def test_an_administrator_enters_a_figure_in_the_admin_through_the_service(client, db):
    from tengri.core.roles import Role
    from tests import factories

    administrator = factories.user(Role.ADMINISTRATOR)
    client.force_login(administrator)
    response = client.post("/admin/indicators/tradefigure/add/", ADMIN_FORM)
    assert response.status_code == 302
    entry = TradeFigure.objects.get()
    assert (entry.published_value, entry.half_step, entry.entered_by) == (
        Decimal("0.70"),
        Decimal("0.005"),
        administrator,
    )
    assert AuditEntry.objects.filter(action="ledger.entry_create", actor_id=administrator.pk).count() == 1
    # the change form shows the digits published, so saving it unchanged changes nothing
    form = client.get(f"/admin/indicators/tradefigure/{entry.pk}/change/").content.decode()
    assert 'value="0.70"' in form
    refused = client.post("/admin/indicators/tradefigure/add/", {**ADMIN_FORM, "indicator": "exports"})
    assert refused.status_code == 200 and "exports need a direction" in refused.content.decode()
    assert TradeFigure.objects.count() == 1


def test_the_admin_refuses_an_analyst_and_an_operator(client, demo_season):
    from tengri.core.roles import Role
    from tests import factories

    for user in (factories.user(Role.ANALYST), factories.operator()):
        client.force_login(user)
        assert client.get("/admin/indicators/tradefigure/").status_code == 302  # not staff: to the admin login
        assert client.post("/admin/indicators/tradefigure/add/", ADMIN_FORM).status_code == 302
    assert not TradeFigure.objects.exists()


def test_deleting_an_entry_is_audited_with_what_it_said(seeded):
    from tengri.indicators.ledger_services import trade_figure_delete

    entry = one(year(2022), "turnover", "KG")
    trade_figure_delete(actor=None, entry=entry, reason="entered twice")
    audit = AuditEntry.objects.get(action="ledger.entry_delete")
    assert (audit.reason, audit.data["value"], audit.data["side"]) == ("entered twice", "USD 1.181 bn", "KG")
    assert not TradeFigure.objects.filter(pk=entry.pk).exists()
    assert not [pair for pair in mirror_pairs() if pair.period == year(2022)]
