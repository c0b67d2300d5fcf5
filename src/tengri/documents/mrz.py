"""Passport machine-readable zones: ICAO Doc 9303 TD3, two lines of 44 characters.

Line 1: document code (2), issuing state (3), name (39).
Line 2: document number (9) and its check digit, nationality (3), birth date (YYMMDD) and its check
digit, sex, expiry date and its check digit, optional data / personal number (14) and its check
digit, and a composite check digit over the number, birth date, expiry date and optional data
with their check digits.

ICAO gives no check digit for the document code, the issuing state, the name, the nationality or the
sex, so a misread there is caught only when it makes the value invalid (an unknown state code, a sex
other than M, F or <, a malformed name). The check digits also have a blind spot of their own: the
weights 7, 3, 1 cannot tell apart two characters whose values differ by a multiple of 10 (0, A, K and
U; 1, B, L and V; ...), so in the alphanumeric document number and optional data such a
substitution passes; dates and check digits are digits only, where every single change is caught.
"""

import string
from dataclasses import dataclass
from datetime import date
from functools import cache

import pycountry

from tengri.core.errors import InvalidInput

LINE_LENGTH = 44
FILLER = "<"
MRZ_ALPHABET = frozenset(string.ascii_uppercase + string.digits + FILLER)
# Operators paste from scanners that sometimes emit lower case; nothing else is forgiven.
_ACCEPTED_AS_TYPED = MRZ_ALPHABET | frozenset(string.ascii_lowercase)
_WEIGHTS = (7, 3, 1)
_VALUES = {character: value for value, character in enumerate(string.digits + string.ascii_uppercase)} | {FILLER: 0}
_SEX = {"M": "M", "F": "F", FILLER: "X"}
# How far ahead an expiry date may lie before its two-digit year is read as the 1900s.
_EXPIRY_HORIZON_YEARS = 50

# ICAO 9303 Part 3 codes that are not ISO 3166-1 alpha-3 (written as they appear, filler included).
ICAO_ONLY_CODES = frozenset(
    {
        "D<<",  # Germany
        "UTO",  # Utopia, the state of ICAO's specimens
        "GBD",  # British Overseas Territories Citizen
        "GBN",  # British National (Overseas)
        "GBO",  # British Overseas Citizen
        "GBP",  # British Protected Person
        "GBS",  # British Subject
        "RKS",  # Kosovo
        "EUE",  # European Union
        "UNO",  # United Nations Organization
        "UNA",  # specialized agency of the United Nations
        "UNK",  # resident of Kosovo, document issued by UNMIK
        "XBA",  # African Development Bank
        "XIM",  # African Export-Import Bank
        "XCC",  # Caribbean Community
        "XCE",  # Council of Europe
        "XCO",  # Common Market for Eastern and Southern Africa
        "XDC",  # Southern African Development Community
        "XEC",  # Economic Community of West African States
        "XES",  # Organisation of Eastern Caribbean States
        "XMP",  # Parliamentary Assembly of the Mediterranean
        "XOM",  # Sovereign Military Order of Malta
        "XPO",  # Interpol
        "XXA",  # stateless person (1954 Convention)
        "XXB",  # refugee (1951 Convention)
        "XXC",  # refugee, other
        "XXX",  # nationality unspecified
    }
)

_FIELD_LABELS = {
    "number": "document number",
    "birth_date": "birth date",
    "expiry_date": "expiry date",
    "optional_data": "optional data (personal number)",
}


class MrzError(InvalidInput):
    """An MRZ that is not a valid TD3 passport zone.

    `field` is a stable machine name (`number_check_digit`, `nationality`, ...); `line` is 1 or 2;
    `passport` and `text_line` are set by `parse_mrz_block` (1-based) to say where in a paste it was.
    """

    def __init__(
        self,
        detail: str,
        *,
        field: str,
        line: int | None = None,
        passport: int | None = None,
        text_line: int | None = None,
    ) -> None:
        self.detail, self.field, self.line, self.passport, self.text_line = detail, field, line, passport, text_line
        super().__init__(self._where() + detail)

    def _where(self) -> str:
        place = f"line {self.line}" if self.line else ""
        if self.passport is not None:
            place = f"passport {self.passport}, {place}" if place else f"passport {self.passport}"
        if self.text_line is not None:
            place += f" (text line {self.text_line})"
        return f"{place}: " if place else ""

    def in_paste(self, *, passport: int, text_line: int) -> "MrzError":
        """The same error, placed in a pasted block of passports."""
        return MrzError(self.detail, field=self.field, line=self.line, passport=passport, text_line=text_line)


@dataclass(frozen=True)
class Passport:
    """A TD3 zone that passed every check. Codes and fields have their trailing fillers removed
    (Germany is "D"); names use spaces where the MRZ has single fillers; sex is M, F or X."""

    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    number: str
    nationality: str
    birth_date: date
    sex: str
    expiry_date: date
    optional_data: str
    lines: tuple[str, str]

    def is_valid_on(self, day: date) -> bool:
        """Not expired on `day` (a passport is valid through its expiry date)."""
        return day <= self.expiry_date

    def valid_until_at_least(self, day: date) -> bool:
        """Still valid on `day`: reads better for rules like "valid six months after the trip ends"."""
        return self.is_valid_on(day)


def check_digit(text: str) -> str:
    """The ICAO 9303 check digit of `text`: weights 7, 3, 1 repeating; 0-9 as such, A-Z as 10-35, '<' as 0.

    Raises ValueError for a character outside the MRZ alphabet.
    """
    try:
        total = sum(_VALUES[character] * _WEIGHTS[index % 3] for index, character in enumerate(text))
    except KeyError as error:
        raise ValueError(f"{error.args[0]!r} is not an MRZ character") from None
    return str(total % 10)


def parse_td3(line1: str, line2: str, *, today: date | None = None) -> Passport:
    """Parse and check a passport MRZ; `today` decides the century of two-digit years.

    Raises MrzError naming the first problem found, in the order of the fields on the document.
    """
    today = today or date.today()
    first = _normalised(line1, line=1)
    second = _normalised(line2, line=2)
    document_code = _document_code(first[0:2])
    issuing_state = _state_code(first[2:5], field="issuing_state", line=1)
    surname, given_names = _names(first[5:44])
    number = _checked_field(second, 0, 9, "number")
    if not number:
        raise MrzError("the document number is empty", field="number", line=2)
    nationality = _state_code(second[10:13], field="nationality", line=2)
    birth_date = _birth_date(_date_digits(second, 13, "birth_date"), today)
    _check(second, 13, 19, "birth_date")
    sex = _sex(second[20])
    expiry_date = _expiry_date(_date_digits(second, 21, "expiry_date"), today)
    _check(second, 21, 27, "expiry_date")
    optional_data = _optional_data(second)
    _composite_check(second)
    return Passport(
        document_code=document_code,
        issuing_state=issuing_state,
        surname=surname,
        given_names=given_names,
        number=number,
        nationality=nationality,
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
        optional_data=optional_data,
        lines=(first, second),
    )


def parse_mrz_block(text: str, *, today: date | None = None) -> list[Passport]:
    """Every passport in pasted text: pairs of MRZ lines, blank lines ignored. No lines, no passports.

    Raises MrzError for the first passport that fails, saying which passport (1-based) and which line.
    """
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    passports = []
    for index in range(0, len(lines) - 1, 2):
        (first_at, first), (second_at, second) = lines[index], lines[index + 1]
        try:
            passports.append(parse_td3(first, second, today=today))
        except MrzError as error:
            raise error.in_paste(
                passport=index // 2 + 1, text_line=first_at if error.line == 1 else second_at
            ) from None
    if len(lines) % 2:
        text_line = lines[-1][0]
        raise MrzError(
            "a passport has two lines and this one has no second line",
            field="line_count",
            line=1,
            passport=len(lines) // 2 + 1,
            text_line=text_line,
        )
    return passports


def _normalised(typed: str, *, line: int) -> str:
    stripped = typed.strip()
    if len(stripped) != LINE_LENGTH:
        raise MrzError(
            f"the line has {len(stripped)} characters; a passport MRZ line has {LINE_LENGTH}",
            field=f"line{line}_length",
            line=line,
        )
    for position, character in enumerate(stripped, start=1):
        if character not in _ACCEPTED_AS_TYPED:
            raise MrzError(
                f"character {position} is {character!r}; an MRZ has only A-Z, 0-9 and <", field="charset", line=line
            )
    return stripped.upper()


def _document_code(code: str) -> str:
    # The second character is the issuer's choice of passport type (PD, PO, PS, ...) or a filler.
    if code[0] != "P" or not (code[1] in string.ascii_uppercase or code[1] == FILLER):
        raise MrzError(f"the document code is {code!r}; a passport's starts with P", field="document_code", line=1)
    return code.rstrip(FILLER)


@cache
def _state_codes() -> frozenset[str]:
    return frozenset(country.alpha_3 for country in pycountry.countries) | ICAO_ONLY_CODES


def _state_code(code: str, *, field: str, line: int) -> str:
    if code not in _state_codes():
        label = field.replace("_", " ")
        raise MrzError(f"the {label} {code!r} is not an ICAO 9303 state or organisation code", field=field, line=line)
    return code.rstrip(FILLER)


def _names(field: str) -> tuple[str, str]:
    """Surname and given names: `<<` separates them, a single `<` separates the words of each."""
    name = field.rstrip(FILLER)
    surname, _, given_names = name.partition(FILLER * 2)
    if not surname:
        raise MrzError("the name is empty or starts with a filler; the surname comes first", field="name", line=1)
    for part in (surname, given_names):
        words = part.split(FILLER) if part else []
        if any(not word.isalpha() or not word.isascii() for word in words):
            raise MrzError(
                f"the name {name!r} is malformed: only letters, with < between words and << after the surname",
                field="name",
                line=1,
            )
    return surname.replace(FILLER, " "), given_names.replace(FILLER, " ")


def _checked_field(line: str, start: int, end: int, field: str) -> str:
    _check(line, start, end, field)
    return line[start:end].rstrip(FILLER)


def _check(line: str, start: int, end: int, field: str) -> None:
    """The digit after line[start:end] must be its check digit."""
    _expect_check_digit(line[end], check_digit(line[start:end]), f"{field}_check_digit", _FIELD_LABELS[field])


def _expect_check_digit(found: str, expected: str, field: str, label: str) -> None:
    if found != expected:
        raise MrzError(f"the {label} check digit should be {expected}, found {found!r}", field=field, line=2)


def _date_digits(line: str, start: int, field: str) -> tuple[int, int, int]:
    digits = line[start : start + 6]
    if not digits.isdigit():
        raise MrzError(f"the {_FIELD_LABELS[field]} {digits!r} is not a date (YYMMDD)", field=field, line=2)
    return int(digits[0:2]), int(digits[2:4]), int(digits[4:6])


def _birth_date(digits: tuple[int, int, int], today: date) -> date:
    # A birth date is in the past: the 2000s unless that would be after today.
    year, month, day = digits
    century = 2000 if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900
    return _real_date(century + year, month, day, "birth_date")


def _expiry_date(digits: tuple[int, int, int], today: date) -> date:
    # Passports issued now expire in the 2000s; only a date implausibly far ahead is an old one.
    year, month, day = digits
    full_year = 2000 + year
    if full_year > today.year + _EXPIRY_HORIZON_YEARS:
        full_year -= 100
    return _real_date(full_year, month, day, "expiry_date")


def _real_date(year: int, month: int, day: int, field: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        written = f"{year % 100:02d}{month:02d}{day:02d}"
        raise MrzError(f"the {_FIELD_LABELS[field]} {written!r} is not a calendar date", field=field, line=2) from None


def _sex(code: str) -> str:
    if code not in _SEX:
        raise MrzError(f"the sex is {code!r}; it must be M, F or < (unspecified)", field="sex", line=2)
    return _SEX[code]


def _optional_data(line: str) -> str:
    optional = line[28:42]
    found = line[42]
    # Part 4: where the optional data is all fillers, its check digit may be a filler or zero.
    if optional == FILLER * 14 and found in (FILLER, "0"):
        return ""
    _check(line, 28, 42, "optional_data")
    return optional.rstrip(FILLER)


def _composite_check(line: str) -> None:
    covered = line[0:10] + line[13:20] + line[21:43]
    _expect_check_digit(line[43], check_digit(covered), "composite_check_digit", "composite")
