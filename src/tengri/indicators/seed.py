"""The ledger's first entries: every figure of the shared facts page (docs: council-indicators.md), with
whose figure it is and where it was published, as that page gives it.

Addresses: where the page gives a host and a path (interfax.com/newsroom/top-stories/94867) the URL is
that path; where it gives only a site name ("press", "trend.az", "globalnews.kz") or an article's slug
or number without its path (inform.kz, rus.baq.kz), no URL is made up: the note says what the page gives.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from tengri.indicators.ledger_services import FigureInput, trade_figure_record

COMMUNIQUE = "Intergovernmental Council communiqué, 13 Nov 2025 (Kazakh government press service)"
COMMUNIQUE_NOTE = (
    "13th meeting of the KZ–KG Intergovernmental Council, Astana. The facts page attributes the figure to the "
    "KZ side. Reported by: inform.kz, article 'tovarooborot-mezhdu-kazahstanom-i-kirgizstanom-sostavil-14-mlrd-"
    "087412'; rus.baq.kz 300026986 (2025-11-14); rus.baq.kz 300026952 (2025-11-13); kazpravda.kz. The facts "
    "page gives slugs and numbers, not addresses, so no URL is recorded."
)
INTERFAX = "Interfax, newsroom, top stories 94867"
INTERFAX_URL = "https://www.interfax.com/newsroom/top-stories/94867/"
TREND_2023 = "Trend News Agency: Kyrgyzstan, 3903697"
TREND_2023_URL = "https://en.trend.az/casia/kyrgyzstan/3903697.html"
SITE_ONLY = "The facts page gives only the site name ({site}); no article address is recorded."
JAN_AUG_2025 = (date(2025, 1, 1), date(2025, 8, 31))


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _figure(period: tuple[date, date], indicator: str, value: str, scale: str, **details) -> FigureInput:
    return FigureInput(
        period_first=period[0], period_last=period[1], indicator=indicator, value=value, scale=scale, **details
    )


KZ_2022 = {"reported_by": "kz_government", "side": "KZ", "source": INTERFAX, "source_url": INTERFAX_URL}
KG_2023 = {"reported_by": "kg_nsc", "side": "KG", "source": TREND_2023, "source_url": TREND_2023_URL}
AGRI_2023 = {
    "reported_by": "kz_agriculture",
    "side": "KZ",
    "source": "globalnews.kz",
    "note": SITE_ONLY.format(site="globalnews.kz"),
}
AGRI_Q1_2025 = {
    "reported_by": "kz_agriculture",
    "side": "KZ",
    "source": "Trend, via profnews.org",
    "note": SITE_ONLY.format(site="trend via profnews.org"),
}
COUNCIL = {
    "reported_by": "council",
    "side": "KZ",
    "source": COMMUNIQUE,
    "published_on": date(2025, 11, 13),
    "note": COMMUNIQUE_NOTE,
}

SEED: tuple[FigureInput, ...] = (
    _figure(_year(2022), "turnover", "1.3", "bn", growth_pct="19", speaker="PM Smailov", **KZ_2022),
    _figure(
        _year(2022),
        "turnover",
        "1.181",
        "bn",
        reported_by="kg_nsc",
        side="KG",
        source="trend.az",
        note=SITE_ONLY.format(site="trend.az"),
    ),
    _figure(
        (date(2023, 1, 1), date(2023, 7, 31)),
        "turnover",
        "757",
        "m",
        growth_pct="13",
        note="The facts page gives the same Interfax article as for the 2022 figure.",
        **KZ_2022,
    ),
    _figure(_year(2023), "turnover", "1.317", "bn", growth_pct="11.6", **KG_2023),
    _figure(_year(2023), "exports", "455.702", "m", flow="KG>KZ", note="KG exports to KZ.", **KG_2023),
    _figure(_year(2023), "imports", "862.182", "m", flow="KZ>KG", note="KG imports from KZ.", **KG_2023),
    _figure(
        _year(2023),
        "turnover",
        "1.572",
        "bn",
        reported_by="other",
        side="KZ",
        source="prosud.kz",
        note=SITE_ONLY.format(site="prosud.kz") + " The page names the KZ side, not the body that reported it.",
    ),
    _figure(_year(2023), "agri_trade", "299.4", "m", **AGRI_2023),
    _figure(_year(2023), "agri_exports", "220.1", "m", flow="KZ>KG", **AGRI_2023),
    _figure(_year(2023), "agri_imports", "79.3", "m", flow="KG>KZ", **AGRI_2023),
    _figure(
        _year(2024),
        "turnover",
        "1.340",
        "bn",
        reported_by="kg_government",
        side="KG",
        speaker="PM Kasymaliev",
        source="24.kg English, 321020",
        source_url="https://24.kg/english/321020/",
        published_on=date(2025, 2, 25),
    ),
    _figure(
        (date(2024, 1, 1), date(2024, 11, 30)),
        "turnover",
        "1.6",
        "bn",
        reported_by="kz_government",
        side="KZ",
        speaker="PM Bektenov",
        source="press",
        note=SITE_ONLY.format(site="press"),
    ),
    _figure(
        _year(2024),
        "agri_trade",
        "350.9",
        "m",
        growth_pct="8.4",
        reported_by="kz_agriculture",
        side="KZ",
        source="press",
        note=SITE_ONLY.format(site="press"),
    ),
    _figure((date(2025, 1, 1), date(2025, 3, 31)), "agri_trade", "99.9", "m", growth_pct="43.5", **AGRI_Q1_2025),
    _figure((date(2025, 1, 1), date(2025, 3, 31)), "agri_exports", "80.1", "m", flow="KZ>KG", **AGRI_Q1_2025),
    _figure(JAN_AUG_2025, "turnover", "1.4", "bn", growth_pct="21", **COUNCIL),
    _figure(JAN_AUG_2025, "agri_trade", "326", "m", growth_pct="42", **COUNCIL),
    _figure(
        JAN_AUG_2025,
        "agri_exports",
        "80",
        "%",
        flow="KZ>KG",
        bound=">",
        share_of="agri_trade",
        **{**COUNCIL, "note": "“More than 80 %” of agro-industrial trade were Kazakh exports. " + COMMUNIQUE_NOTE},
    ),
)


@transaction.atomic
def ledger_seed(*, actor=None) -> int:
    """Record every figure of the facts page (idempotent: a second run changes nothing). Returns how many
    entries were created or corrected. Audited like any other write (ledger.entry_create)."""
    outcomes = [trade_figure_record(actor=actor, data=figure)[1] for figure in SEED]
    return sum(outcome != "unchanged" for outcome in outcomes)
