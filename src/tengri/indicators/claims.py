"""Claim check: does the ledger support "Jan–Aug 2025 turnover USD 1.4 bn, +21 %"?

A claim is read into a period, an indicator, and up to three parts: a value, a growth rate, a share
("over 80 % Kazakh exports"); optionally whose figures it quotes ("(KG)", "according to KZ"). Each
part is compared with the reported entries of that period and indicator, and, only when no reported
entry speaks to it, with the derived figures (said so). The grammar is in docs/trade-ledger.md.

How a number is compared: the claim's digits say how it was rounded, so "1.4 bn" claims 1.35–1.45 bn
(ends included). A reported figure *supports* it if its published value lies in that interval (1.38 bn
does; 1.46 bn does not); it *contradicts* it if even its own rounding interval cannot reach the claim's
(1.6 bn, 1.55–1.65, against 1.35–1.45); between the two (the ledger is coarser than the claim: 1.4
against a claim of 1.42) it is *unconfirmed*. A bound ("more than 80 %") supports a claim when every
number it allows is in the claim's interval.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tengri.core.errors import InvalidInput
from tengri.indicators.figures import Period
from tengri.indicators.ledger import (
    DerivedFigure,
    Interval,
    derived_figures,
    entry_interval,
    growth_interval,
    ledger_entries,
    show,
)
from tengri.indicators.models import SCALES, TOTAL_OF, Bound, Indicator, Kind, TradeFigure, period_label

SUPPORTED, CONTRADICTED, UNCONFIRMED, NOT_IN_LEDGER = "supported", "contradicted", "unconfirmed", "not_in_ledger"
# Reported entries disagree about the claim: one supports it (or is consistent with it), another contradicts
# it (the two sides' statistics often differ). Neither outweighs the other, so the claim is not supported.
DISPUTED = "disputed"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Comparison:
    """One piece of evidence for one part: a reported entry, or a derived figure with its inputs."""

    entries: tuple[int, ...]
    derived: bool
    evidence: str  # "#17 KZ council: USD 1.4 bn (1.35–1.45 bn)"
    outcome: str
    explanation: str


@dataclass(frozen=True)
class ClaimPart:
    kind: str  # value, growth, share
    claimed: str  # as read: "USD 1.4 bn", "+21 %", "> 80 % KZ→KG exports"
    interval: str  # what the claim allows given its rounding: "1.35–1.45 bn"
    status: str  # supported, contradicted, unconfirmed, not_in_ledger
    comparisons: tuple[Comparison, ...]
    explanation: str
    disagreement: str = ""  # when disputed: "disputed: #4 supports the claim, #7 contradicts it"

    @property
    def supported(self) -> bool | None:
        return {SUPPORTED: True, CONTRADICTED: False}.get(self.status)

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(sorted({pk for comparison in self.comparisons for pk in comparison.entries}))


@dataclass(frozen=True)
class ClaimVerdict:
    """`supported` is True when every part is supported, False when any part is contradicted, None
    otherwise (a part the ledger does not hold, or cannot confirm at the claim's precision)."""

    claim: str
    period: Period
    indicator: str
    flow: str
    side: str
    status: str
    parts: tuple[ClaimPart, ...]
    explanation: str
    ignored: tuple[str, ...] = field(default_factory=tuple)  # words read past, shown so nothing is silently lost

    @property
    def supported(self) -> bool | None:
        return {SUPPORTED: True, CONTRADICTED: False}.get(self.status)

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(sorted({pk for part in self.parts for pk in part.entries}))

    @property
    def period_label(self) -> str:
        return period_label(self.period.first, self.period.last)


@dataclass(frozen=True)
class Number:
    """A number as claimed: value, how it was bounded, and half its last digit."""

    value: Decimal
    bound: str
    half: Decimal

    def interval(self, unit: Decimal = Decimal(1), ceiling: Decimal | None = None) -> Interval:
        value = self.value * unit
        if self.bound == Bound.MORE:
            return Interval(value, ceiling, low_open=True)
        if self.bound == Bound.LESS:
            return Interval(Decimal(0), value, high_open=True)
        return Interval(value - self.half * unit, value + self.half * unit)


@dataclass(frozen=True)
class ParsedClaim:
    text: str
    period: Period
    indicator: str
    flow: str
    side: str
    value: Number | None
    scale: str
    growth: Number | None
    share: Number | None
    share_indicator: str
    share_flow: str
    ignored: tuple[str, ...]


# --- Reading a claim -------------------------------------------------------------------------------

_MONTHS_EN = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTHS_RU = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма[йя]",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
]
_MONTH = r"(?:" + "|".join([m + r"[a-z]*\.?" for m in _MONTHS_EN] + [m + r"[а-я]*" for m in _MONTHS_RU]) + r")"
_YEAR = r"((?:19|20)\d{2})(?:\s*(?:года|году|год|г\.))?"
_BOUND = r"(?:(?<![\w])(more than|over|above|at least|less than|under|below|более|свыше|больше|менее|меньше|>|<)\s*)?"
_NUM = r"(\d+(?:\.\d+)?)"
_SCALE_WORDS = {
    "bn": r"bn|billion|b|млрд\.?|миллиард[а-я]*",
    "m": r"mn|million|mln|m|млн\.?|миллион[а-я]*",
    "k": r"thousand|k|тыс\.?|тысяч[а-я]*",
}
_CURRENCY = r"(?:usd|us\$|\$|dollars?|долл[а-я]*\.?(?:\s*сша)?)"
_SCALE = "|".join(f"(?P<{name}>{words})" for name, words in _SCALE_WORDS.items())
_VALUE = re.compile(_BOUND + rf"(?:{_CURRENCY}\s*)?{_NUM}\s*(?:{_SCALE})(?![a-zа-я])\s*(?:{_CURRENCY})?", re.IGNORECASE)
_VALUE_UNITS = re.compile(_BOUND + rf"{_CURRENCY}\s*{_NUM}(?![\d.%])", re.IGNORECASE)
_OWNER = (
    r"(kazakh(?:stan)?'?s?|kz|kyrgyz(?:stan)?'?s?|kg|казахстан[а-я]*|кыргызстан[а-я]*|киргизи[а-я]*|"
    r"кыргызск[а-я]*|киргизск[а-я]*)"
)
_FLOW_WORD = r"(exports?|imports?|экспорт[а-я]*|импорт[а-я]*)"
_SHARE = re.compile(
    _BOUND + _NUM + r"\s*%\s*(?:of (?:it|which|this|that|the total)\s*)?(?:из (?:них|которых)\s*)?[—–-]?\s*"
    r"(?:(?:were|was|are|is|came from|приходится на|пришлось на|составил[а-я]*)\s+)?" + _OWNER + r"\s+" + _FLOW_WORD,
    re.IGNORECASE,
)
_GROWTH = re.compile(
    r"(\+|−|-|up(?: by)?|rose(?: by)?|grew(?: by)?|increased(?: by)?|down(?: by)?|fell(?: by)?|"
    r"рост(?:ом)?(?: на)?|вырос[а-я]*(?: на)?|увеличил[а-я]*(?: на)?|снижени[а-я]*(?: на)?|сократил[а-я]*(?: на)?|"
    r"снизил[а-я]*(?: на)?)\s*" + _NUM + r"\s*%",
    re.IGNORECASE,
)
_SIDE = re.compile(
    r"\((kz|kg)\)|(?:according to|per|by)\s+(?:the\s+)?" + _OWNER + r"(?:\s+(?:figures|statistics|data|side))?"
    r"|\b(kz|kg)[- ](?:figures|statistics|data|side)|по данным\s+" + _OWNER + r"(?:\s+[а-я]+)?",
    re.IGNORECASE,
)
_AGRI = r"agri[a-z-]*|agro[a-z-]*|agricultur[a-z]*|агро[а-я-]*|сельхоз[а-я]*|сельскохозяйственн[а-я]*|аграрн[а-я]*"
_TRADE = r"turnover|trade|товарооборот[а-я]*|торговл[а-я]*|оборот[а-я]*"
_FILLER = set(
    [
        "usd",
        "the",
        "of",
        "in",
        "was",
        "is",
        "were",
        "and",
        "with",
        "a",
        "at",
        "to",
        "for",
        "between",
        "kazakhstan",
        "kyrgyzstan",
        "kazakhstan's",
        "kyrgyzstan's",
        "kazakh",
        "kyrgyz",
        "bilateral",
        "mutual",
        "total",
        "year",
        "on",
        "y/y",
        "yoy",
        "reached",
        "amounted",
        "it",
        "its",
        "which",
        "that",
        "by",
        "from",
        "an",
        "за",
        "года",
        "год",
        "году",
        "в",
        "на",
        "составил",
        "составила",
        "составило",
        "составляет",
        "между",
        "казахстаном",
        "кыргызстаном",
        "киргизией",
        "и",
        "долларов",
        "сша",
        "рост",
        "достиг",
        "достигла",
        "объем",
        "объём",
        "взаимный",
        "взаимной",
        "двусторонний",
        "что",
    ]
)


def claim_parse(text: str) -> ParsedClaim:
    """Read a claim; InvalidInput says what is missing or was not understood."""
    if not text or not text.strip():
        raise InvalidInput(_("write a claim, e.g. 'Jan–Aug 2025 turnover USD 1.4 bn, +21 %'"))
    if len(text) > 500:
        raise InvalidInput(_("a claim is one sentence: at most 500 characters"))
    rest = _normalise(text)
    _refuse_other_currency(rest)
    period, rest = _take_period(rest)
    side, rest = _take_side(rest)
    share, share_flow, share_word, rest = _take_share(rest)
    growth, rest = _take_growth(rest)
    value, scale, rest = _take_value(rest)
    indicator, flow, rest = _take_indicator(rest)
    if indicator is not None:
        _refuse_second_indicator(rest)
    missing = [
        what
        for what, found in (
            (_("a period (e.g. 2023, Q1 2025, Jan–Aug 2025)"), period),
            (_("an indicator (turnover, exports, imports, agri trade)"), indicator),
            (
                _("a figure (a value like USD 1.4 bn, a growth like +21 %, or a share like over 80 % Kazakh exports)"),
                value or growth or share,
            ),
        )
        if not found
    ]
    words = re.findall(r"[\w'%+./$-]+", rest)
    ignored = tuple(word for word in words if re.search(r"\w", word) and word.lower() not in _FILLER)
    if missing:
        not_understood = _("; not understood: %(words)r") % {"words": " ".join(ignored)} if ignored else ""
        raise InvalidInput(
            _("could not read %(missing)s in %(claim)r%(not_understood)s")
            % {"missing": _(" and ").join(missing), "claim": text.strip(), "not_understood": not_understood}
        )
    unread = [word for word in ignored if _UNREAD_FIGURE.search(word)]
    if unread:
        # A number, a currency or a scale left unread is a figure the verdict would silently not check.
        raise InvalidInput(
            _(
                "could not read all of the claim: %(words)r not understood, so it would not be checked; "
                "check one figure at a time, e.g. 'Jan–Aug 2025 turnover USD 1.4 bn, +21 %%'"
            )
            % {"words": " ".join(ignored)}
        )
    assert period is not None and indicator is not None
    share_indicator = ""
    if share is not None:
        family = "agri_" if indicator.startswith("agri") else ""
        share_indicator = family + ("exports" if share_word == "exports" else "imports")
    return ParsedClaim(
        text=text.strip(),
        period=period,
        indicator=indicator,
        flow=flow,
        side=side,
        value=value,
        scale=scale,
        growth=growth,
        share=share,
        share_indicator=share_indicator,
        share_flow=share_flow,
        ignored=ignored,
    )


_SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007]")
# "1 400 m", "1 234 567": digits in groups of three after a space (or a no-break or thin space).
_SPACE_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d.,])")
_ANY_SCALE = "|".join(_SCALE_WORDS.values())
# "1,4 bn", "1,4 %": a decimal comma, told from a thousands comma (1,317) by not having three digits after it.
_DECIMAL_COMMA = re.compile(rf"(\d),(\d{{1,2}}|\d{{4,}})(?=\s*(?:%|(?:{_ANY_SCALE})(?![a-zа-я])))", re.IGNORECASE)
_OTHER_CURRENCY = re.compile(
    r"(?<![\w])(eur|euros?|€|kzt|tenge|тенге|₸|kgs|soms?|сом(?:ов|а)?|rub|roubles?|rubles?|руб(?:\.|л[а-я]*)?|₽|"
    r"cny|yuan|юан[а-я]*|gbp|£|евро)(?![\w])",
    re.IGNORECASE,
)
_UNREAD_FIGURE = re.compile(rf"\d|^(?:{_CURRENCY}|{_ANY_SCALE})$", re.IGNORECASE)


def _normalise(text: str) -> str:
    text = _SPACES.sub(" ", text).replace("–", "-").replace("—", " - ").replace("−", "-")
    text = _SPACE_THOUSANDS.sub(lambda match: match.group(0).replace(" ", ""), text)
    for number in re.findall(r"\d+(?:[.,]\d+)+", text):
        if "." in number and "," in number:  # 1.400,5 or 1,400.5: whose convention?
            _refuse_ambiguous(number)
    if re.search(r"[а-яА-Я]", text):  # Russian writes 1,4 for 1.4
        text = re.sub(r"(\d),(\d)", r"\1.\2", text)
    else:  # English writes 1,317 for 1317, and sometimes 1,4 bn for 1.4 bn
        text = _DECIMAL_COMMA.sub(r"\1.\2", text)
        text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    ambiguous = re.search(r"\d+(?:[.,]\d+)*,\d+(?:[.,]\d+)*", text)
    if ambiguous:
        _refuse_ambiguous(ambiguous.group(0))
    return " " + text + " "


def _refuse_ambiguous(number: str) -> None:
    # Reading only the digits after the comma would claim a different number: say so instead.
    raise InvalidInput(
        _(
            "%(number)r: cannot tell a decimal comma from a thousands separator here; write "
            "1.4 bn for one point four billion, 1400 m or 1 400 m for fourteen hundred million"
        )
        % {"number": number}
    )


def _refuse_other_currency(text: str) -> None:
    match = _OTHER_CURRENCY.search(text)
    if match:
        raise InvalidInput(
            _(
                "%(currency)r: the ledger keeps figures in USD only, as published; a claim in another "
                "currency cannot be checked against them (convert it and say so, or quote the USD figure)"
            )
            % {"currency": match.group(0)}
        )


def _refuse_second_indicator(rest: str) -> None:
    """What is left after the indicator was read names another one: "KG exports …, KG imports …"."""
    second = re.search(rf"(?<![\w])(?:exports?|imports?|экспорт[а-я]*|импорт[а-я]*|{_TRADE})(?![\w])", rest, re.I)
    if second:
        raise InvalidInput(
            _("the claim names more than one indicator (%(word)r too): check one figure at a time")
            % {"word": second.group(0)}
        )


def _cut(text: str, match: re.Match) -> str:
    return text[: match.start()] + " ; " + text[match.end() :]


def _take_period(text: str) -> tuple[Period | None, str]:
    patterns: list[tuple[str, Callable[..., Period]]] = [
        (rf"(?<![\w])({_MONTH})\s*(?:-|to|through|по)\s*({_MONTH})\s+{_YEAR}", _months),
        (r"\bq([1-4])\s*" + _YEAR, _quarter),
        (r"\b([1-4]|i{1,3}|iv)(?:st|nd|rd|th)?\s*(?:quarter|кв\.?|квартал[а-я]*)\s*(?:of\s+)?" + _YEAR, _quarter),
        (
            r"\b(first|second|third|fourth|перв[а-я]*|втор[а-я]*|трет[а-я]*|четв[её]рт[а-я]*)\s+(?:quarter|квартал[а-я]*)\s*(?:of\s+)?"
            + _YEAR,
            _quarter,
        ),
        (r"\bh([12])\s*" + _YEAR, _half),
        (rf"(?<![\w])({_MONTH})\s+{_YEAR}", _month),
        (r"(?<![\d.,])" + _YEAR + r"(?![\d.,]*\s*(?:%|bn|m\b|млрд|млн))", _year),
    ]
    for pattern, build in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return build(*match.groups()), _cut(text, match)
    return None, text


def _month_number(word: str) -> int:
    word = word.lower()
    for number, prefix in enumerate(_MONTHS_EN, start=1):
        if word.startswith(prefix):
            return number
    for number, prefix in enumerate(_MONTHS_RU, start=1):
        if re.match(prefix, word):
            return number
    raise InvalidInput(f"{word!r} is not a month")  # pragma: no cover - the pattern only matches months


def _month_end(year: int, month: int) -> date:
    return date.fromordinal(date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1)


def _months(first: str, last: str, year: str) -> Period:
    start, end = _month_number(first), _month_number(last)
    if end < start:
        names = {"first": first, "last": last, "year": year}
        raise InvalidInput(_("the period %(first)s–%(last)s %(year)s ends before it begins") % names)
    return Period(date(int(year), start, 1), _month_end(int(year), end))


def _month(month: str, year: str) -> Period:
    number = _month_number(month)
    return Period(date(int(year), number, 1), _month_end(int(year), number))


_ORDINALS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "first": 1, "second": 2, "third": 3, "fourth": 4}


def _quarter(which: str, year: str) -> Period:
    word = which.lower()
    number = int(word) if word.isdigit() else _ORDINALS.get(word) or _russian_ordinal(word)
    return Period(date(int(year), 3 * number - 2, 1), _month_end(int(year), 3 * number))


def _russian_ordinal(word: str) -> int:
    for number, prefix in enumerate(("перв", "втор", "трет", "четв"), start=1):
        if word.startswith(prefix):
            return number
    raise InvalidInput(f"{word!r} is not a quarter")  # pragma: no cover


def _half(which: str, year: str) -> Period:
    first = 1 if which == "1" else 7
    return Period(date(int(year), first, 1), _month_end(int(year), first + 5))


def _year(year: str) -> Period:
    return Period(date(int(year), 1, 1), date(int(year), 12, 31))


def _owner_country(word: str) -> str:
    word = word.lower()
    return "KZ" if word.startswith(("kaz", "kz", "каз")) else "KG"


def _take_side(text: str) -> tuple[str, str]:
    match = _SIDE.search(text)
    if not match:
        return "", text
    word = next(group for group in match.groups() if group)
    return _owner_country(word), _cut(text, match)


def _bound(word: str | None) -> str:
    if not word:
        return Bound.EQUAL
    less = word.lower() in ("less than", "under", "below", "менее", "меньше", "<")
    return Bound.LESS if less else Bound.MORE


def _number(digits: str, bound: str) -> Number:
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return Number(Decimal(digits), bound, Decimal(5) * Decimal(10) ** -(decimals + 1))


def _take_share(text: str) -> tuple[Number | None, str, str, str]:
    match = _SHARE.search(text)
    if not match:
        return None, "", "", text
    bound_word, digits, owner, flow_word = match.groups()
    country = _owner_country(owner)
    other = "KG" if country == "KZ" else "KZ"
    exports = flow_word.lower().startswith(("export", "экспорт"))
    flow = f"{country}>{other}" if exports else f"{other}>{country}"
    return _number(digits, _bound(bound_word)), flow, "exports" if exports else "imports", _cut(text, match)


def _take_growth(text: str) -> tuple[Number | None, str]:
    match = _GROWTH.search(text)
    if not match:
        if re.search(r"\d\s*%", text):
            raise InvalidInput(
                _(
                    "a percentage without + or − or a word like 'up', 'рост на': write growth as +21 % "
                    "and a share as 'over 80 % Kazakh exports'"
                )
            )
        return None, text
    sign_word, digits = match.groups()
    falling = sign_word.lower().startswith(("-", "down", "fell", "сниж", "сокр", "сниз"))
    number = _number(digits, Bound.EQUAL)
    if falling:
        number = Number(-number.value, Bound.EQUAL, number.half)
    return number, _cut(text, match)


def _take_value(text: str) -> tuple[Number | None, str, str]:
    match = _VALUE.search(text)
    if match:
        scale = next(name for name in _SCALE_WORDS if match.group(name))
        return _number(match.group(2), _bound(match.group(1))), scale, _cut(text, match)
    match = _VALUE_UNITS.search(text)
    if match:
        return _number(match.group(2), _bound(match.group(1))), "", _cut(text, match)
    return None, "", text


def _take_indicator(text: str) -> tuple[str | None, str, str]:
    agri_words = rf"(?:{_AGRI})(?:[\s-]+(?:{_TRADE}|food|industrial|продукци[а-я]*))*"
    # "Kazakh agri exports": the owner may stand before the agri words, so both are read in one go
    directed = re.search(
        rf"(?<![\w]){_OWNER}?\s*(?:{agri_words}\s+)?(exports?|imports?|экспорт[а-я]*|импорт[а-я]*)"
        rf"(?:\s+(?:of\s+)?{_OWNER})?(?:\s+(?:to|from|в|из)\s+{_OWNER})?",
        text,
        re.I,
    )
    rest = _cut(text, directed) if directed else text
    agri_in_flow = directed is not None and re.search(rf"(?<![\w]){agri_words}", directed.group(0), re.I)
    agri = re.search(rf"(?<![\w]){agri_words}", rest, re.I)
    rest = _cut(rest, agri) if agri else rest
    trade = re.search(rf"(?<![\w])(?:{_TRADE})(?:[\s-]+(?:{_TRADE}))*", rest, re.I)
    rest = _cut(rest, trade) if trade else rest
    prefix = "agri_" if agri or agri_in_flow else ""
    total = trade or (agri and re.search(rf"(?<![\w])(?:{_TRADE})", agri.group(0), re.I))
    if directed and total:  # "agri trade USD 99.9 m, Kazakh exports USD 80.1 m": a total and a flow
        raise InvalidInput(
            _("the claim names more than one indicator (%(word)r too): check one figure at a time")
            % {"word": directed.group(0).strip()}
        )
    if directed:
        owner_before, word, owner_after, partner = directed.groups()
        owner = owner_before or owner_after
        exports = word.lower().startswith(("export", "экспорт"))
        if not owner and not partner:
            raise InvalidInput(
                _("say whose %(word)s: e.g. 'Kazakh %(word)s', 'KG %(word)s' or '%(word)s to KG'") % {"word": word}
            )
        country = _owner_country(owner) if owner else ("KG" if _owner_country(partner) == "KZ" else "KZ")
        other = "KG" if country == "KZ" else "KZ"
        flow = f"{country}>{other}" if exports else f"{other}>{country}"
        return prefix + ("exports" if exports else "imports"), flow, rest
    if agri:
        return Indicator.AGRI_TRADE.value, "", rest
    if trade:
        return Indicator.TURNOVER.value, "", rest
    return None, "", rest


# --- Checking it against the ledger -------------------------------------------------------------------


def claim_check(text: str) -> ClaimVerdict:
    """Check a claim against the ledger, part by part. Reads only. InvalidInput for an unreadable claim."""
    claim = claim_parse(text)
    entries = [entry for entry in ledger_entries(period=claim.period) if not claim.side or entry.side == claim.side]
    derived = [
        figure
        for figure in derived_figures(ledger_entries())
        if figure.period == claim.period and (not claim.side or figure.side == claim.side)
    ]
    parts: list[ClaimPart] = []
    if claim.value is not None:
        parts.append(_value_part(claim, entries, derived))
    if claim.growth is not None:
        parts.append(_growth_part(claim, entries, derived))
    if claim.share is not None:
        parts.append(_share_part(claim, entries, derived))
    status = _overall(parts)
    whose = _(" (%(side)s figures only)") % {"side": claim.side} if claim.side else ""
    explanation = f"{period_label(claim.period.first, claim.period.last)} {claim.indicator}{whose}: " + "; ".join(
        (_("%(part)s %(status)s") % {"part": PART_NAMES[part.kind], "status": STATUS_NAMES[part.status]})
        + (f" ({part.disagreement})" if part.disagreement else "")
        for part in parts
    )
    return ClaimVerdict(
        claim=claim.text,
        period=claim.period,
        indicator=claim.indicator,
        flow=claim.flow,
        side=claim.side,
        status=status,
        parts=tuple(parts),
        explanation=explanation,
        ignored=claim.ignored,
    )


def _overall(parts: list[ClaimPart]) -> str:
    statuses = {part.status for part in parts}
    if CONTRADICTED in statuses:
        return CONTRADICTED
    if DISPUTED in statuses:
        return DISPUTED
    if statuses == {SUPPORTED}:
        return SUPPORTED
    if statuses == {NOT_IN_LEDGER}:
        return NOT_IN_LEDGER
    return UNCONFIRMED


def _same_flow(indicator: str, flow: str, claim_indicator: str, claim_flow: str) -> bool:
    """Same indicator; for exports and imports, the same flow seen from either end (mirror)."""
    if claim_flow or flow:
        agri = indicator.startswith("agri") == claim_indicator.startswith("agri")
        return agri and flow == claim_flow and indicator in TOTAL_OF and claim_indicator in TOTAL_OF
    return indicator == claim_indicator


def _value_part(claim: ParsedClaim, entries: list[TradeFigure], derived: list[DerivedFigure]) -> ClaimPart:
    assert claim.value is not None
    scale = claim.scale
    unit = SCALES[scale]
    wanted = claim.value.interval(unit)
    reported = [
        _compare_entry(entry, entry.value * entry.multiplier, entry_interval(entry), wanted, scale, "USD")
        for entry in entries
        if entry.kind == Kind.VALUE and _same_flow(entry.indicator, entry.flow, claim.indicator, claim.flow)
    ]
    from_derived = [
        _compare_derived(figure, wanted, scale)
        for figure in derived
        if figure.unit == "USD" and _same_flow(figure.indicator, figure.flow, claim.indicator, claim.flow)
    ]
    bound = "" if claim.value.bound == Bound.EQUAL else claim.value.bound + " "
    return _part(
        "value", f"{bound}USD {claim.value.value} {scale}".strip(), _range(wanted, "USD", scale), reported, from_derived
    )


def _growth_part(claim: ParsedClaim, entries: list[TradeFigure], derived: list[DerivedFigure]) -> ClaimPart:
    assert claim.growth is not None
    wanted = claim.growth.interval()
    reported = []
    for entry in entries:
        growths = growth_interval(entry)
        if growths is None or not _same_flow(entry.indicator, entry.flow, claim.indicator, claim.flow):
            continue
        reported.append(_compare_entry(entry, entry.growth_pct, growths, wanted, "", "%", growth=True))  # type: ignore[arg-type]
    from_derived = [
        _compare_derived(figure, wanted, "")
        for figure in derived
        if figure.kind == "growth_between" and _same_flow(figure.indicator, figure.flow, claim.indicator, claim.flow)
    ]
    sign = "+" if claim.growth.value >= 0 else ""
    return _part("growth", f"{sign}{claim.growth.value} %", _range(wanted, "%", ""), reported, from_derived)


def _share_part(claim: ParsedClaim, entries: list[TradeFigure], derived: list[DerivedFigure]) -> ClaimPart:
    assert claim.share is not None
    wanted = claim.share.interval(ceiling=HUNDRED)
    reported = [
        _compare_entry(entry, entry.value, entry_interval(entry), wanted, "", "%")
        for entry in entries
        if entry.kind == Kind.SHARE
        and entry.share_of == claim.indicator
        and _same_flow(entry.indicator, entry.flow, claim.share_indicator, claim.share_flow)
    ]
    from_derived = [
        _compare_derived(figure, wanted, "")
        for figure in derived
        if figure.kind == "share_of_total"
        and TOTAL_OF.get(Indicator(figure.indicator)) == claim.indicator
        and _same_flow(figure.indicator, figure.flow, claim.share_indicator, claim.share_flow)
    ]
    bound = "" if claim.share.bound == Bound.EQUAL else claim.share.bound + " "
    claimed = f"{bound}{claim.share.value} % {claim.share_flow.replace('>', '→')} {claim.share_indicator}"
    return _part("share", claimed, _range(wanted, "%", ""), reported, from_derived)


def _part(kind: str, claimed: str, interval: str, reported: list[Comparison], derived: list[Comparison]) -> ClaimPart:
    """Reported entries decide; derived figures only when no reported entry speaks to this part."""
    evidence = reported or derived
    outcomes = {comparison.outcome for comparison in evidence}
    status = next((outcome for outcome in (SUPPORTED, UNCONFIRMED, CONTRADICTED) if outcome in outcomes), NOT_IN_LEDGER)
    if CONTRADICTED in outcomes and status != CONTRADICTED:
        # One entry agreeing does not outweigh another contradicting it: the sources disagree.
        status = DISPUTED
    if not evidence:
        explanation = _("no reported entry and no derived figure for this %(part)s in that period") % {
            "part": PART_NAMES[kind]
        }
    else:
        source = _("reported entries") if reported else _("derived figures only (no reported entry)")
        explanation = _("claimed %(claimed)s, i.e. %(interval)s; from %(source)s: %(evidence)s") % {
            "claimed": claimed,
            "interval": interval,
            "source": source,
            "evidence": "; ".join(comparison.explanation for comparison in evidence),
        }
    disagreement = _disagreement(evidence) if status == DISPUTED else ""
    if disagreement:
        explanation = f"{disagreement}. {explanation}"
    return ClaimPart(kind, claimed, interval, status, tuple(evidence), explanation, disagreement)


def _disagreement(evidence: list[Comparison]) -> str:
    """ "disputed: #4 supports the claim, #7 contradicts it", naming every entry on each side."""

    def named(outcomes: tuple[str, ...]) -> str:
        return ", ".join(
            "+".join(f"#{pk}" for pk in comparison.entries) for comparison in evidence if comparison.outcome in outcomes
        )

    names = {"agreeing": named((SUPPORTED, UNCONFIRMED)), "contradicting": named((CONTRADICTED,))}
    if SUPPORTED in {comparison.outcome for comparison in evidence}:
        return _("disputed: %(agreeing)s supports the claim, %(contradicting)s contradicts it") % names
    return _("disputed: %(agreeing)s is consistent with the claim, %(contradicting)s contradicts it") % names


def _outcome(point: Decimal | None, evidence: Interval, wanted: Interval) -> str:
    if not evidence.overlaps(wanted):
        return CONTRADICTED
    if point is not None and wanted.contains(point):
        return SUPPORTED
    if point is None and evidence.within(wanted):
        return SUPPORTED
    return UNCONFIRMED


_WHY = {
    SUPPORTED: gettext_lazy("lies within the claim's rounding"),
    CONTRADICTED: gettext_lazy("cannot be reconciled with the claim even allowing for rounding"),
    UNCONFIRMED: gettext_lazy(
        "is consistent with the claim only within its own rounding, not confirmed at the claim's precision"
    ),
}
PART_NAMES = {"value": gettext_lazy("value"), "growth": gettext_lazy("growth"), "share": gettext_lazy("share")}
STATUS_NAMES = {
    SUPPORTED: gettext_lazy("supported"),
    CONTRADICTED: gettext_lazy("contradicted"),
    DISPUTED: gettext_lazy("disputed"),
    UNCONFIRMED: gettext_lazy("unconfirmed"),
    NOT_IN_LEDGER: gettext_lazy("not in ledger"),
}


def _compare_entry(
    entry: TradeFigure,
    number: Decimal,
    evidence: Interval,
    wanted: Interval,
    scale: str,
    unit: str,
    *,
    growth: bool = False,
) -> Comparison:
    point = number if entry.bound == Bound.EQUAL or growth else None
    outcome = _outcome(point, evidence, wanted)
    shown = entry.display_growth if growth else entry.display_value
    why = (
        _WHY[outcome]
        if point is not None or outcome != SUPPORTED
        else gettext_lazy("allows only values within the claim's interval")
    )
    evidence_text = (
        f"#{entry.pk} {entry.side} {entry.get_reported_by_display()}: {shown} ({_range(evidence, unit, scale)})"
    )
    return Comparison((entry.pk,), False, evidence_text, outcome, f"{evidence_text} {why}")


def _compare_derived(figure: DerivedFigure, wanted: Interval, scale: str) -> Comparison:
    # A derived figure is not a published one: its central value is only the middle of what its inputs'
    # rounding allows. It supports a claim only when everything it allows lies in the claim's interval.
    if not figure.interval.overlaps(wanted):
        outcome, why = CONTRADICTED, str(_WHY[CONTRADICTED])
    elif figure.interval.within(wanted):
        outcome, why = SUPPORTED, _("lies wholly within the claim's rounding")
    else:
        outcome = UNCONFIRMED
        why = _(
            "only partly lies within the claim's rounding: the claim is more precise than what the "
            "published figures imply, so it is neither confirmed nor contradicted"
        )
    inputs = ", ".join(f"#{pk}" for pk in figure.from_entries)
    evidence_text = _("derived %(kind)s from %(inputs)s: %(value)s (%(range)s; %(formula)s)") % {
        "kind": figure.kind.replace("_", " "),
        "inputs": inputs,
        "value": figure.display_value,
        "range": _range(figure.interval, figure.unit, scale or figure.scale),
        "formula": figure.formula,
    }
    return Comparison(figure.from_entries, True, evidence_text, outcome, f"{evidence_text} {why}")


def _range(interval: Interval, unit: str, scale: str) -> str:
    """ "1.35–1.45 bn", "> 80 %" (exact digits, not rounded for show)."""
    divisor = Decimal(1) if unit == "%" else SCALES[scale]
    prefix, label = ("", "%") if unit == "%" else ("USD ", scale)
    shown = interval.scaled(divisor)
    if shown.high is None or (unit == "%" and shown.low_open and shown.high == HUNDRED):
        return f"> {prefix}{_exact(shown.low)} {label}".strip()  # type: ignore[arg-type]
    if shown.high_open and shown.low == 0:
        return f"< {prefix}{_exact(shown.high)} {label}".strip()
    return f"{prefix}{_exact(shown.low)}–{_exact(shown.high)} {label}".strip()  # type: ignore[arg-type]


def _exact(number: Decimal) -> str:
    """Enough digits to be exact for rounding ranges, no more than 4 after the point for derived ones."""
    text = f"{number.normalize():f}"
    if "." in text and len(text.split(".")[1]) > 4:
        return f"{number.quantize(Decimal('0.0001')):f}"
    return text


__all__ = ["DISPUTED", "ClaimPart", "ClaimVerdict", "Comparison", "claim_check", "claim_parse", "show"]
