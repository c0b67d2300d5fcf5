"""Trade ledger endpoints: the reported entries, the derived figures (marked derived, with their ranges and
formulas), the mirror table, the claim check, and the CSV import (all or nothing). Thin: schema → one access
rule → one selector or service → schema. Numbers are strings, so the digits published survive."""

from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from tengri.api.security import SIGNED_IN
from tengri.core import access
from tengri.indicators.claims import claim_check
from tengri.indicators.ledger import derived_figures, ledger_entries, mirror_pairs
from tengri.indicators.ledger_csv import ledger_csv_import
from tengri.indicators.ledger_json import derived_data, entry_data, import_data, mirror_data, verdict_data

router = Router(tags=["ledger"], auth=SIGNED_IN)


class Error(Schema):
    detail: str


class RequestInvalid(Schema):
    """The request did not match its schema (no file, no claim): what was wrong, field by field."""

    detail: list[dict]


ERRORS: dict[int, type] = {400: Error, 401: Error, 403: Error, 422: RequestInvalid}


class EntryOut(Schema):
    id: int
    reported: bool = Field(description="always true: a figure as someone published it")
    period_first: str
    period_last: str
    period: str
    indicator: str
    flow: str = Field(description="KZ>KG or KG>KZ for exports and imports, empty otherwise")
    kind: str = Field(description="value (USD) or share (%)")
    share_of: str
    bound: str = Field(description="=, > (more than) or < (less than)")
    value: str = Field(description="as published, e.g. 1.4")
    scale: str = Field(description="k, m, bn, or % for a share")
    currency: str
    growth_pct: str | None
    value_rounding: str = Field(description="half the last digit published, in the scale: 1.4 → 0.05")
    growth_rounding: str | None
    reported_by: str
    side: str
    speaker: str
    source: str
    source_url: str
    published_on: str | None
    note: str
    display: str


class DerivedOut(Schema):
    key: str
    derived: bool = Field(description="always true: computed from reported entries, never published")
    kind: str = Field(description="year_earlier_base, share_amount, share_of_total or growth_between")
    period_first: str
    period_last: str
    period: str
    indicator: str
    flow: str
    side: str
    unit: str = Field(description="USD (value, low and high in USD) or %")
    scale: str
    bound: str
    value: str | None
    low: str | None
    high: str | None
    display: str
    display_range: str
    from_entries: list[int]
    formula: str
    explanation: str


class MirrorOut(Schema):
    period_first: str
    period_last: str
    period: str
    indicator: str
    flow: str
    kz_entry: int
    kz_value: str
    kg_entry: int
    kg_value: str
    gap_usd: str | None = Field(description="KZ − KG")
    gap_pct: str | None = Field(description="gap as % of the mean of the two")
    gap_low_usd: str | None
    gap_high_usd: str | None
    display_gap: str
    display_gap_range: str
    explanation: str


class ClaimIn(Schema):
    claim: str = Field(max_length=500, description="e.g. Jan–Aug 2025 turnover USD 1.4 bn, +21 %")


class ComparisonOut(Schema):
    entries: list[int]
    derived: bool
    evidence: str
    outcome: str
    explanation: str


class PartOut(Schema):
    kind: str = Field(description="value, growth or share")
    claimed: str
    interval: str = Field(description="what the claim allows given its own rounding")
    status: str = Field(
        description="supported, contradicted, disputed (one reported entry agrees, another contradicts), "
        "unconfirmed or not_in_ledger"
    )
    supported: bool | None
    entries: list[int]
    explanation: str
    disagreement: str = Field(description="when disputed: which entries support the claim and which contradict it")
    comparisons: list[ComparisonOut]


class VerdictOut(Schema):
    claim: str
    period_first: str
    period_last: str
    period: str
    indicator: str
    flow: str
    side: str
    status: str = Field(
        description="supported (every part), contradicted (a part), disputed (the sources disagree about a "
        "part), unconfirmed or not_in_ledger"
    )
    supported: bool | None
    entries: list[int]
    explanation: str
    ignored: list[str]
    parts: list[PartOut]


class ImportOut(Schema):
    rows: int
    created: list[int]
    updated: list[int]
    unchanged: list[int]


@router.get("/ledger/entries", response={200: list[EntryOut], **ERRORS})
def entries(request: HttpRequest):
    access.access_ledger_read(request.user)
    return [entry_data(entry) for entry in ledger_entries()]


@router.get("/ledger/derived", response={200: list[DerivedOut], **ERRORS})
def derived(request: HttpRequest):
    access.access_ledger_read(request.user)
    return [derived_data(figure) for figure in derived_figures()]


@router.get("/ledger/mirror", response={200: list[MirrorOut], **ERRORS})
def mirror(request: HttpRequest):
    access.access_ledger_read(request.user)
    return [mirror_data(pair) for pair in mirror_pairs()]


@router.post("/ledger/claim-check", response={200: VerdictOut, **ERRORS})
def claim(request: HttpRequest, payload: ClaimIn):
    access.access_ledger_read(request.user)
    return verdict_data(claim_check(payload.claim))


@router.post("/ledger/import", response={200: ImportOut, **ERRORS})
def import_csv(request: HttpRequest, file: File[UploadedFile]):
    """A UTF-8 CSV with a header (docs/trade-ledger.md). Any bad row: 400 naming the row and column, nothing saved."""
    access.access_ledger_edit(request.user)
    return import_data(ledger_csv_import(file, actor=request.user))
