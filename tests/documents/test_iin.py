import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tengri.core.errors import InvalidInput
from tengri.documents.iin import IinError, validate_iin


def spec_check_digit(first_eleven: str) -> int | None:
    """The official rule, written out again: weights 1..11 mod 11; on 10, weights 3..11,1,2; on 10 again, none."""
    first = sum(int(digit) * weight for digit, weight in zip(first_eleven, range(1, 12), strict=True)) % 11
    if first != 10:
        return first
    second = (
        sum(
            int(digit) * weight for digit, weight in zip(first_eleven, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], strict=True)
        )
        % 11
    )
    return None if second == 10 else second


def iin(first_eleven: str) -> str:
    check = spec_check_digit(first_eleven)
    assert check is not None
    return first_eleven + str(check)


def first_eleven_where(predicate, prefix: str) -> str:
    """The first registration number after `prefix` (birth date and century digit) for which `predicate` holds."""
    return next(f"{prefix}{serial:04d}" for serial in range(10_000) if predicate(f"{prefix}{serial:04d}"))


def _first_pass(first_eleven: str) -> int:
    return sum(int(digit) * weight for digit, weight in zip(first_eleven, range(1, 12), strict=True)) % 11


# A man born 12 May 1990, a woman born 29 February 2004, a man born 1 January 1899.
MAN_1990 = iin("9005123" + "0123")
WOMAN_2004 = iin("0402296" + "5001")
MAN_1899 = iin("9901011" + "0007")
SECOND_PASS = iin(first_eleven_where(lambda digits: _first_pass(digits) == 10 and spec_check_digit(digits), "8507214"))
NEVER_ISSUED = first_eleven_where(lambda digits: spec_check_digit(digits) is None, "8507214")


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        (MAN_1990, date(1990, 5, 12), "M"),
        (WOMAN_2004, date(2004, 2, 29), "F"),
        (MAN_1899, date(1899, 1, 1), "M"),
        (SECOND_PASS, date(1985, 7, 21), "F"),
    ],
)
def test_valid_iins_agree_with_the_passport(number, birth_date, sex):
    validate_iin(number)
    validate_iin(number, birth_date=birth_date, sex=sex)
    validate_iin(number, birth_date=birth_date, sex="X")  # unspecified in the passport cannot disagree


def test_the_second_pass_is_exercised():
    assert _first_pass(SECOND_PASS[:11]) == 10


def refused(number: str, **passport) -> IinError:
    with pytest.raises(IinError) as raised:
        validate_iin(number, **passport)
    return raised.value


@pytest.mark.parametrize(
    ("number", "field", "message"),
    [
        (MAN_1990[:-1], "iin_format", "an IIN is 12 digits"),
        (MAN_1990 + "0", "iin_format", "an IIN is 12 digits"),
        (MAN_1990[:5] + "O" + MAN_1990[6:], "iin_format", "an IIN is 12 digits"),
        (MAN_1990[:5] + "٥" + MAN_1990[6:], "iin_format", "an IIN is 12 digits"),  # Arabic-Indic five
        (f" {MAN_1990[1:]}", "iin_format", "an IIN is 12 digits"),
        ("", "iin_format", "an IIN is 12 digits"),
        ("9005130" + "01230", "iin_century", "the 7th digit of an IIN (century and sex) is 1 to 6, found 0"),
        ("9005127" + "01230", "iin_century", "found 7"),
        ("901312" + "3" + "01230", "iin_birth_date", "901312, are not a date"),
        ("010229" + "5" + "00010", "iin_birth_date", "010229, are not a date"),
        ("000229" + "3" + "00010", "iin_birth_date", "000229, are not a date"),  # 1900 was not a leap year
        (NEVER_ISSUED + "0", "iin_check_digit", f"no IIN begins {NEVER_ISSUED}"),
    ],
)
def test_malformed_iins_name_the_problem(number, field, message):
    error = refused(number)
    assert error.field == field and message in str(error)


def test_a_wrong_check_digit_gives_expected_and_found():
    wrong = MAN_1990[:-1] + str((int(MAN_1990[-1]) + 1) % 10)
    error = refused(wrong)
    assert error.field == "iin_check_digit"
    assert str(error) == f"the IIN check digit (12th digit) should be {MAN_1990[-1]}, found {wrong[-1]}"


def test_disagreement_with_the_passport():
    assert refused(MAN_1990, birth_date=date(1990, 5, 13)).field == "iin_birth_date_mismatch"
    assert str(refused(MAN_1990, birth_date=date(2090, 5, 12))) == (
        "the IIN gives the birth date 1990-05-12, the passport 2090-05-12"
    )
    assert str(refused(MAN_1990, birth_date=date(1990, 5, 12), sex="F")) == "the IIN gives the sex M, the passport F"


def test_iin_errors_are_invalid_input():
    assert issubclass(IinError, InvalidInput)


@given(st.dates(date(1800, 1, 1), date(2099, 12, 31)), st.sampled_from("MF"), st.integers(0, 9999), st.integers(0, 9))
def test_exactly_the_spec_check_digit_is_accepted(birth_date, sex, serial, last):
    century_digit = (birth_date.year // 100 - 18) * 2 + (1 if sex == "M" else 2)
    first_eleven = f"{birth_date:%y%m%d}{century_digit}{serial:04d}"
    expected = spec_check_digit(first_eleven)
    if expected == last:
        validate_iin(first_eleven + str(last), birth_date=birth_date, sex=sex)
    else:
        assert refused(first_eleven + str(last)).field == "iin_check_digit"


@given(st.text(max_size=20))
def test_random_text_raises_only_iin_errors(text):
    with contextlib.suppress(IinError):
        validate_iin(text)
