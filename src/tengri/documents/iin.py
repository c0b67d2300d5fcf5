"""Kazakhstan's individual identification number (IIN, ЖСН/ИИН): 12 digits.

Digits 1-6 are the birth date YYMMDD; digit 7 gives the century and sex (1/2 the 1800s, 3/4 the
1900s, 5/6 the 2000s; odd male, even female); digits 8-11 are a registration number; digit 12 is a
check digit. The check digit is the sum of the first 11 digits weighted 1..11, modulo 11; where that
is 10, a second pass weights them 3..11, 1, 2; where that is 10 as well, the number is never issued.
"""

from datetime import date

from tengri.core.errors import InvalidInput

IIN_LENGTH = 12
_FIRST_PASS_WEIGHTS = tuple(range(1, 12))
_SECOND_PASS_WEIGHTS = (*range(3, 12), 1, 2)
_CENTURY_AND_SEX = {1: (1800, "M"), 2: (1800, "F"), 3: (1900, "M"), 4: (1900, "F"), 5: (2000, "M"), 6: (2000, "F")}


class IinError(InvalidInput):
    """An IIN that is malformed or disagrees with the passport. `field` names the problem for machines."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)


def validate_iin(iin: str, *, birth_date: date | None = None, sex: str | None = None) -> None:
    """Check an IIN's form, date, century digit and check digit, and, when given, that it agrees with
    the passport's birth date and sex (M or F; X, unspecified, cannot disagree).

    Raises IinError (an InvalidInput) naming the first problem.
    """
    if len(iin) != IIN_LENGTH or not all(character in "0123456789" for character in iin):
        raise IinError(f"an IIN is {IIN_LENGTH} digits; {iin!r} is not", field="iin_format")
    digits = [int(character) for character in iin]
    encoded_birth_date, encoded_sex = _birth_date_and_sex(iin)
    expected = _check_digit(digits[:11])
    if expected is None:
        raise IinError(f"no IIN begins {iin[:11]}: its check digit cannot be computed", field="iin_check_digit")
    if digits[11] != expected:
        raise IinError(
            f"the IIN check digit (12th digit) should be {expected}, found {digits[11]}", field="iin_check_digit"
        )
    if birth_date is not None and birth_date != encoded_birth_date:
        raise IinError(
            f"the IIN gives the birth date {encoded_birth_date.isoformat()}, the passport {birth_date.isoformat()}",
            field="iin_birth_date_mismatch",
        )
    if sex in ("M", "F") and sex != encoded_sex:
        raise IinError(f"the IIN gives the sex {encoded_sex}, the passport {sex}", field="iin_sex_mismatch")


def _birth_date_and_sex(iin: str) -> tuple[date, str]:
    century_digit = int(iin[6])
    if century_digit not in _CENTURY_AND_SEX:
        raise IinError(
            f"the 7th digit of an IIN (century and sex) is 1 to 6, found {century_digit}", field="iin_century"
        )
    century, sex = _CENTURY_AND_SEX[century_digit]
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6])), sex
    except ValueError:
        raise IinError(
            f"the first six digits of the IIN, {iin[:6]}, are not a date (YYMMDD)", field="iin_birth_date"
        ) from None


def _check_digit(first_eleven: list[int]) -> int | None:
    """The 12th digit, or None where both passes give 10 (such numbers are not issued)."""
    for weights in (_FIRST_PASS_WEIGHTS, _SECOND_PASS_WEIGHTS):
        remainder = sum(digit * weight for digit, weight in zip(first_eleven, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None
