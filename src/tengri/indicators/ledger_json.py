"""The ledger as JSON-ready dicts, one shape for the API and `tengri ledger ... --json`. Decimals are given
as strings so that the digits published (and the exact derived ranges) survive."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tengri.indicators.claims import ClaimVerdict
from tengri.indicators.ledger import DerivedFigure, MirrorPair
from tengri.indicators.ledger_csv import ImportResult
from tengri.indicators.models import TradeFigure


def _exact(number: Decimal | None, places: int = 6) -> str | None:
    return None if number is None else f"{number.quantize(Decimal(10) ** -places):f}"


def entry_data(entry: TradeFigure) -> dict[str, Any]:
    growth = entry.published_growth
    return {
        "id": entry.pk,
        "reported": True,
        "period_first": entry.period_first.isoformat(),
        "period_last": entry.period_last.isoformat(),
        "period": entry.period_label,
        "indicator": entry.indicator,
        "flow": entry.flow,
        "kind": entry.kind,
        "share_of": entry.share_of,
        "bound": entry.bound,
        "value": str(entry.published_value),
        "scale": entry.scale,
        "currency": entry.currency,
        "growth_pct": None if growth is None else str(growth),
        "value_rounding": str(entry.half_step),
        "growth_rounding": None if entry.growth_half_step is None else str(entry.growth_half_step),
        "reported_by": entry.reported_by,
        "side": entry.side,
        "speaker": entry.speaker,
        "source": entry.source,
        "source_url": entry.source_url,
        "published_on": entry.published_on.isoformat() if entry.published_on else None,
        "note": entry.note,
        "display": entry.display_value,
    }


def derived_data(figure: DerivedFigure) -> dict[str, Any]:
    return {
        "key": figure.key,
        "derived": True,
        "kind": figure.kind,
        "period_first": figure.period.first.isoformat(),
        "period_last": figure.period.last.isoformat(),
        "period": figure.period_label,
        "indicator": figure.indicator,
        "flow": figure.flow,
        "side": figure.side,
        "unit": figure.unit,
        "scale": figure.scale,
        "bound": figure.bound,
        "value": _exact(figure.value),
        "low": _exact(figure.low),
        "high": _exact(figure.high),
        "display": figure.display_value,
        "display_range": figure.display_range,
        "from_entries": list(figure.from_entries),
        "formula": figure.formula,
        "explanation": figure.explanation,
    }


def mirror_data(pair: MirrorPair) -> dict[str, Any]:
    return {
        "period_first": pair.period.first.isoformat(),
        "period_last": pair.period.last.isoformat(),
        "period": pair.period_label,
        "indicator": pair.indicator,
        "flow": pair.flow,
        "kz_entry": pair.kz.pk,
        "kz_value": pair.kz.display_value,
        "kg_entry": pair.kg.pk,
        "kg_value": pair.kg.display_value,
        "gap_usd": _exact(pair.gap, 0),
        "gap_pct": _exact(pair.gap_pct, 2),
        "gap_low_usd": _exact(pair.gap_low, 0),
        "gap_high_usd": _exact(pair.gap_high, 0),
        "display_gap": pair.display_gap,
        "display_gap_range": pair.display_gap_range,
        "explanation": pair.explanation,
    }


def verdict_data(verdict: ClaimVerdict) -> dict[str, Any]:
    return {
        "claim": verdict.claim,
        "period_first": verdict.period.first.isoformat(),
        "period_last": verdict.period.last.isoformat(),
        "period": verdict.period_label,
        "indicator": verdict.indicator,
        "flow": verdict.flow,
        "side": verdict.side,
        "status": verdict.status,
        "supported": verdict.supported,
        "entries": list(verdict.entries),
        "explanation": verdict.explanation,
        "ignored": list(verdict.ignored),
        "parts": [
            {
                "kind": part.kind,
                "claimed": part.claimed,
                "interval": part.interval,
                "status": part.status,
                "supported": part.supported,
                "entries": list(part.entries),
                "explanation": part.explanation,
                "disagreement": part.disagreement,
                "comparisons": [
                    {
                        "entries": list(comparison.entries),
                        "derived": comparison.derived,
                        "evidence": comparison.evidence,
                        "outcome": comparison.outcome,
                        "explanation": comparison.explanation,
                    }
                    for comparison in part.comparisons
                ],
            }
            for part in verdict.parts
        ],
    }


def import_data(result: ImportResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "created": list(result.created),
        "updated": list(result.updated),
        "unchanged": list(result.unchanged),
    }
