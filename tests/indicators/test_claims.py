"""The claim check: each part of a claim (value, growth, share) against the ledger, within the claim's
rounding, naming the entries used; and clear errors for claims that cannot be read."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tengri.cli import main
from tengri.core.errors import InvalidInput
from tengri.indicators.claims import claim_check, claim_parse
from tengri.indicators.figures import Period
from tengri.indicators.ledger_services import FigureInput, trade_figure_record
from tengri.indicators.models import TradeFigure
from tengri.indicators.seed import ledger_seed


@pytest.fixture
def seeded(db):
    ledger_seed()


def entry(period_first: str, period_last: str, indicator: str, side: str = "KZ", kind: str = "value") -> int:
    return TradeFigure.objects.get(
        period_first=period_first, period_last=period_last, indicator=indicator, side=side, kind=kind
    ).pk


def parts(verdict) -> dict:
    return {part.kind: part for part in verdict.parts}


def test_the_communique_turnover_claim_is_supported_by_its_entry(seeded):
    verdict = claim_check("Jan–Aug 2025 turnover USD 1.4 bn, +21 %")
    turnover = entry("2025-01-01", "2025-08-31", "turnover")
    assert (verdict.status, verdict.supported) == ("supported", True)
    assert verdict.period == Period(date(2025, 1, 1), date(2025, 8, 31)) and verdict.indicator == "turnover"
    value, growth = parts(verdict)["value"], parts(verdict)["growth"]
    assert (value.status, value.interval, value.entries) == ("supported", "USD 1.35–1.45 bn", (turnover,))
    assert (growth.status, growth.interval, growth.entries) == ("supported", "20.5–21.5 %", (turnover,))
    assert not any(comparison.derived for comparison in value.comparisons)


def test_the_communique_agri_claim_is_supported_part_by_part(seeded):
    verdict = claim_check("Jan-Aug 2025 agri trade USD 326 m, +42%, over 80% Kazakh exports")
    assert verdict.status == "supported" and verdict.indicator == "agri_trade"
    share = parts(verdict)["share"]
    assert share.status == "supported" and share.interval == "> 80 %"
    assert share.entries == (entry("2025-01-01", "2025-08-31", "agri_exports", kind="share"),)
    assert parts(verdict)["value"].interval == "USD 325.5–326.5 m"


def test_a_russian_claim_is_read(seeded):
    verdict = claim_check("товарооборот за январь–август 2025 года 1,4 млрд долларов, рост на 21 %")
    assert verdict.status == "supported" and set(parts(verdict)) == {"value", "growth"}
    assert parts(verdict)["value"].interval == "USD 1.35–1.45 bn"


def test_2023_agri_trade_is_supported(seeded):
    verdict = claim_check("2023 agri trade USD 299.4 m")
    assert verdict.status == "supported"
    assert verdict.entries == (entry("2023-01-01", "2023-12-31", "agri_trade"),)


@pytest.mark.parametrize(
    ("published", "claim", "status"),
    [
        ("1.38", "2026 turnover USD 1.4 bn", "supported"),  # 1.38 lies in 1.35–1.45
        ("1.35", "2026 turnover USD 1.4 bn", "supported"),  # ends included
        ("1.46", "2026 turnover USD 1.4 bn", "contradicted"),  # 1.455–1.465 cannot reach 1.45
        ("1.4", "2026 turnover USD 1.42 bn", "unconfirmed"),  # the ledger is coarser than the claim
        ("1.4", "2026 turnover over USD 1.3 bn", "supported"),
        ("1.4", "2026 turnover less than USD 1.3 bn", "contradicted"),
    ],
)
def test_a_value_is_judged_within_the_claims_rounding(db, published, claim, status):
    trade_figure_record(
        actor=None,
        data=FigureInput(
            period_first=date(2026, 1, 1),
            period_last=date(2026, 12, 31),
            indicator="turnover",
            value=published,
            scale="bn",
            reported_by="kz_statistics",
            side="KZ",
            source="test",
        ),
    )
    assert claim_check(claim).status == status


def test_a_claim_the_other_sides_figure_contradicts(seeded):
    both = claim_check("2022 turnover USD 1.3 bn")
    outcomes = {comparison.entries[0]: comparison.outcome for comparison in both.parts[0].comparisons}
    kz, kg = entry("2022-01-01", "2022-12-31", "turnover"), entry("2022-01-01", "2022-12-31", "turnover", "KG")
    # one side agreeing does not outweigh the other contradicting: the claim is disputed, both named
    assert (both.status, both.supported) == ("disputed", None)
    assert outcomes == {kz: "supported", kg: "contradicted"}
    assert f"disputed: #{kz} supports the claim, #{kg} contradicts it" in both.parts[0].explanation
    only_kg = claim_check("2022 turnover USD 1.3 bn (KG)")
    assert (only_kg.side, only_kg.status, only_kg.supported, only_kg.entries) == ("KG", "contradicted", False, (kg,))


def test_contradicted_growth_and_value(seeded):
    verdict = claim_check("Jan–Aug 2025 turnover USD 1.6 bn, +25 %")
    assert verdict.status == "contradicted"
    assert {part.kind: part.status for part in verdict.parts} == {"value": "contradicted", "growth": "contradicted"}
    assert "cannot be reconciled" in parts(verdict)["value"].explanation


def test_a_derived_figure_answers_only_when_nothing_was_reported(seeded):
    verdict = claim_check("Jan–Aug 2024 turnover USD 1 bn")  # 0.5–1.5 bn holds all of 1.111–1.203 bn
    [comparison] = verdict.parts[0].comparisons
    assert verdict.status == "supported" and comparison.derived
    assert comparison.entries == (entry("2025-01-01", "2025-08-31", "turnover"),)
    assert "derived figures only" in verdict.parts[0].explanation
    share = claim_check("2023 agri trade over 80 % Kazakh exports")
    assert share.status == "contradicted" and share.parts[0].comparisons[0].derived  # 220.1 / 299.4 = 73.5 %


def test_not_in_the_ledger(seeded):
    verdict = claim_check("2019 turnover USD 1 bn")
    assert (verdict.status, verdict.supported, verdict.entries) == ("not_in_ledger", None, ())


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("hello world", "could not read a period .* an indicator .* a figure .*not understood: 'hello world'"),
        ("2023 USD 1.3 bn", "could not read an indicator"),
        ("turnover USD 1.4 bn", "could not read a period"),
        ("Jan-Aug 2025 turnover", "could not read a figure"),
        ("Jan-Aug 2025 turnover 21 %", "a percentage without \\+ or −"),
        ("2023 exports USD 1 bn", "say whose exports"),
        ("Aug-Jan 2025 turnover USD 1 bn", "ends before it begins"),
        ("", "write a claim"),
    ],
)
def test_an_unreadable_claim_says_what_was_not_understood(db, claim, message):
    with pytest.raises(InvalidInput, match=message):
        claim_check(claim)


@pytest.mark.parametrize(
    ("claim", "first", "last", "indicator", "flow"),
    [
        ("Q1 2025 agri trade USD 99.9 m", date(2025, 1, 1), date(2025, 3, 31), "agri_trade", ""),
        ("Jan–Nov 2024 turnover USD 1.6 bn", date(2024, 1, 1), date(2024, 11, 30), "turnover", ""),
        ("2023 KG exports USD 455.702 m", date(2023, 1, 1), date(2023, 12, 31), "exports", "KG>KZ"),
        ("H1 2024 imports from KZ USD 400 m", date(2024, 1, 1), date(2024, 6, 30), "imports", "KZ>KG"),
        ("экспорт Казахстана в 2023 году 900 млн долларов", date(2023, 1, 1), date(2023, 12, 31), "exports", "KZ>KG"),
        ("1st quarter 2025 Kazakh agri exports $80.1m", date(2025, 1, 1), date(2025, 3, 31), "agri_exports", "KZ>KG"),
        (
            "I квартал 2025 агропромышленный товарооборот 99,9 млн",
            date(2025, 1, 1),
            date(2025, 3, 31),
            "agri_trade",
            "",
        ),
        ("January-August 2025 trade down 3 %", date(2025, 1, 1), date(2025, 8, 31), "turnover", ""),
    ],
)
def test_periods_and_indicators_are_read(claim, first, last, indicator, flow):
    parsed = claim_parse(claim)
    assert (parsed.period, parsed.indicator, parsed.flow) == (Period(first, last), indicator, flow)
    assert parsed.value is not None or parsed.growth is not None


@pytest.mark.parametrize(
    ("claim", "side"),
    [
        ("2023 turnover USD 1.3 bn (KG)", "KG"),
        ("2023 turnover USD 1.3 bn according to Kazakhstan", "KZ"),
        ("2023 turnover USD 1.3 bn, KZ figures", "KZ"),
        ("товарооборот в 2023 году 1,3 млрд долларов по данным кыргызской стороны", "KG"),
        ("2023 turnover USD 1.3 bn", ""),
    ],
)
def test_whose_figures_a_claim_quotes_is_read(claim, side):
    parsed = claim_parse(claim)
    assert (parsed.side, parsed.value.value, parsed.ignored) == (side, Decimal("1.3"), ())


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_any_text_is_read_or_refused_with_a_clear_error(text):
    try:
        claim_parse(text)
    except InvalidInput as error:
        assert str(error)


def test_the_claim_command_exits_by_verdict(seeded, capsys):
    assert main(["ledger", "claim", "Jan–Aug 2025 turnover USD 1.4 bn, +21 %"]) == 0
    assert capsys.readouterr().out.startswith("SUPPORTED")
    assert main(["ledger", "claim", "Jan–Aug 2025 turnover USD 1.6 bn"]) == 1
    assert main(["ledger", "claim", "nonsense"]) == 2
    assert "could not read" in capsys.readouterr().err


def test_the_sides_disagreeing_about_2023_turnover_is_disputed(seeded):
    verdict = claim_check("2023 turnover USD 1.3 bn")
    kz, kg = entry("2023-01-01", "2023-12-31", "turnover"), entry("2023-01-01", "2023-12-31", "turnover", "KG")
    assert (verdict.status, verdict.supported) == ("disputed", None)
    assert f"#{kg} supports the claim, #{kz} contradicts it" in verdict.parts[0].explanation
    assert claim_check("2023 turnover USD 1.3 bn (KG)").status == "supported"


def test_a_part_contradicted_outweighs_a_part_disputed(seeded):
    assert claim_check("2022 turnover USD 1.3 bn, +25 %").status == "contradicted"  # +19 % published


@pytest.mark.parametrize(
    ("claim", "status"),
    [
        ("Jan–Aug 2024 turnover USD 1.157 bn", "unconfirmed"),  # the base lies in 1.111–1.203 bn
        ("Jan–Aug 2024 turnover USD 1.16 bn", "unconfirmed"),
        ("Jan–Aug 2024 turnover USD 1.2 bn", "unconfirmed"),  # 1.15–1.25 meets 1.111–1.203 only in part
        ("Jan–Aug 2024 turnover USD 1 bn", "supported"),
        ("Jan–Aug 2024 turnover USD 1.3 bn", "contradicted"),  # 1.25–1.35: disjoint
    ],
)
def test_a_derived_figure_supports_only_with_its_whole_range(seeded, claim, status):
    verdict = claim_check(claim)
    assert verdict.status == status
    if status == "unconfirmed":
        assert "only partly lies within the claim's rounding" in verdict.parts[0].explanation


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("Jan–Aug 2025 turnover EUR 1.4 bn", "'EUR': the ledger keeps figures in USD only"),
        ("Jan–Aug 2025 turnover 1.4 bn tenge", "'tenge': the ledger keeps figures in USD only"),
        ("товарооборот в 2023 году 1,3 млрд тенге", "'тенге': the ledger keeps figures in USD only"),
        ("Jan–Aug 2025 turnover € 1.4 bn", "'€': the ledger keeps figures in USD only"),
        (
            "Jan–Aug 2025 turnover USD 1.4 bn, +21 %; 2023 turnover USD 5 bn",
            "more than one indicator \\('turnover' too\\): check one figure at a time",
        ),
        ("Jan–Aug 2025 turnover USD 1.4 bn, +21 %; 2023 USD 5 bn", "could not read all of the claim: '2023 5 bn'"),
        ("2023 KG exports USD 456 m, KG imports USD 862 m", "more than one indicator .*check one figure at a time"),
        ("Q1 2025 agri trade USD 99.9 m, Kazakh exports USD 80.1 m", "more than one indicator .*check one figure"),
        ("Jan–Aug 2025 turnover USD 1.4 bn, +21 pp", "could not read all of the claim: '\\+21 pp'"),
        ("2023 turnover USD 1.3 bn and Q1", "could not read all of the claim: 'Q1'"),
    ],
)
def test_a_claim_with_a_part_left_unread_is_refused(seeded, claim, message):
    with pytest.raises(InvalidInput, match=message):
        claim_check(claim)


@pytest.mark.parametrize(
    ("claim", "value", "scale"),
    [
        ("Jan–Aug 2025 turnover USD 1,4 bn", Decimal("1.4"), "bn"),
        ("Jan–Aug 2025 turnover USD 1,40 bn", Decimal("1.40"), "bn"),
        ("2023 turnover USD 1 317 m", Decimal("1317"), "m"),
        ("2023 turnover USD 1\u00a0317 m", Decimal("1317"), "m"),
        ("2023 turnover USD 1\u202f317 m", Decimal("1317"), "m"),
        ("2023 turnover USD 1,317 m", Decimal("1317"), "m"),
        ("2023 turnover USD 1,317,000 k", Decimal("1317000"), "k"),
        ("товарооборот в 2023 году 1 317 млн долларов", Decimal("1317"), "m"),
    ],
)
def test_decimal_commas_and_thousands_separators_are_read(claim, value, scale):
    parsed = claim_parse(claim)
    assert (parsed.value.value, parsed.scale) == (value, scale)
    assert parsed.value.value == value and str(parsed.value.value) == str(value)  # the digits, for the rounding


@pytest.mark.parametrize(
    "claim", ["2023 turnover USD 1,4", "2023 turnover USD 1,4,5 bn", "2023 turnover USD 1.400,5 m"]
)
def test_an_ambiguous_number_is_refused_rather_than_read_in_part(claim):
    with pytest.raises(InvalidInput, match="cannot tell a decimal comma from a thousands separator"):
        claim_parse(claim)


def test_a_decimal_comma_claim_is_checked_as_written(seeded):
    verdict = claim_check("Jan–Aug 2025 turnover USD 1,4 bn, +21 %")
    assert verdict.status == "supported" and verdict.parts[0].interval == "USD 1.35–1.45 bn"
    assert claim_check("2023 turnover USD 1 317 m (KG)").status == "supported"
