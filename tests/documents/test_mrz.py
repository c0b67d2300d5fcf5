import contextlib
from dataclasses import fields
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tengri.core.errors import InvalidInput
from tengri.documents.mrz import MrzError, Passport, check_digit, parse_mrz_block, parse_td3

from .td3 import MRZ_ALPHABET, SPECIMEN_LINE1, SPECIMEN_LINE2, spec_check_digit, td3, value

TODAY = date(2026, 1, 15)
SPECIMEN = parse_td3(SPECIMEN_LINE1, SPECIMEN_LINE2, today=TODAY)

# Which Passport attribute each position of each line feeds; None for a check digit.
# ICAO gives no check digit for line 1 (document code, issuing state, name), nor for the nationality
# and sex in line 2: corruptions there are caught only when they make the value invalid.
_LAYOUT = {
    1: [(0, 2, "document_code"), (2, 5, "issuing_state"), (5, 44, "name")],
    2: [
        (0, 9, "number"),
        (9, 10, None),
        (10, 13, "nationality"),
        (13, 19, "birth_date"),
        (19, 20, None),
        (20, 21, "sex"),
        (21, 27, "expiry_date"),
        (27, 28, None),
        (28, 42, "optional_data"),
        (42, 43, None),
        (43, 44, None),
    ],
}
FIELD_AT = {
    line: [field for start, end, field in layout for _ in range(start, end)] for line, layout in _LAYOUT.items()
}
UNPROTECTED = {"document_code", "issuing_state", "name", "nationality", "sex"}
PROTECTED_POSITIONS = [position for position, field in enumerate(FIELD_AT[2]) if field not in UNPROTECTED]
DIGITS_ONLY = {None, "birth_date", "expiry_date"}  # check digits and dates


def parse(line1: str, line2: str) -> Passport:
    return parse_td3(line1, line2, today=TODAY)


def corrupted(line: str, position: int, character: str) -> str:
    return line[:position] + character + line[position + 1 :]


def attribute_values(passport: Passport, field: str) -> tuple:
    if field == "name":
        return (passport.surname, passport.given_names)
    return (getattr(passport, field),)


def test_the_icao_specimen_parses_to_its_printed_fields():
    assert (
        Passport(
            document_code="P",
            issuing_state="UTO",
            surname="ERIKSSON",
            given_names="ANNA MARIA",
            number="L898902C3",
            nationality="UTO",
            birth_date=date(1974, 8, 12),
            sex="F",
            expiry_date=date(2012, 4, 15),
            optional_data="ZE184226B",
            lines=(SPECIMEN_LINE1, SPECIMEN_LINE2),
        )
        == SPECIMEN
    )


def test_the_test_builder_reproduces_the_specimen():
    assert td3() == (SPECIMEN_LINE1, SPECIMEN_LINE2)


@pytest.mark.parametrize(
    ("text", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"), ("<<<<<<<<<<<<<<", "0")],
)
def test_check_digits_of_the_specimen(text, digit):
    assert check_digit(text) == digit


def test_composite_check_digit_of_the_specimen():
    assert check_digit("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1") == "0"


def test_check_digit_refuses_characters_outside_the_mrz_alphabet():
    with pytest.raises(ValueError, match="'a' is not an MRZ character"):
        check_digit("a")


@given(st.text(alphabet=MRZ_ALPHABET, max_size=40))
def test_check_digit_agrees_with_the_specification(text):
    assert check_digit(text) == spec_check_digit(text)


def test_surrounding_whitespace_and_lower_case_are_accepted():
    passport = parse(f"  {SPECIMEN_LINE1.lower()}\t", f"\n{SPECIMEN_LINE2.lower()} ")
    assert passport == SPECIMEN


@pytest.mark.parametrize(
    ("line1", "line2", "field"),
    [
        (SPECIMEN_LINE1[:-1], SPECIMEN_LINE2, "line1_length"),
        (SPECIMEN_LINE1 + "<", SPECIMEN_LINE2, "line1_length"),
        (SPECIMEN_LINE1, SPECIMEN_LINE2[:-1], "line2_length"),
        (SPECIMEN_LINE1, "", "line2_length"),
        (corrupted(SPECIMEN_LINE1, 10, " "), SPECIMEN_LINE2, "charset"),
        (corrupted(SPECIMEN_LINE1, 10, "é"), SPECIMEN_LINE2, "charset"),
        # Dotless i upper-cases to I: "lower case" means ASCII lower case only.
        (corrupted(SPECIMEN_LINE1, 10, "ı"), SPECIMEN_LINE2, "charset"),
        (SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 0, "-"), "charset"),
        (SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 5, "８"), "charset"),  # fullwidth 8
    ],
)
def test_layout_errors(line1, line2, field):
    with pytest.raises(MrzError) as raised:
        parse(line1, line2)
    assert raised.value.field == field


def test_a_charset_error_says_which_line_and_character():
    with pytest.raises(MrzError, match=r"^line 1: character 11 is ' '; an MRZ has only A-Z, 0-9 and <$"):
        parse(corrupted(SPECIMEN_LINE1, 10, " "), SPECIMEN_LINE2)


def test_a_length_error_gives_the_count():
    with pytest.raises(MrzError, match=r"^line 2: the line has 43 characters; a passport MRZ line has 44$"):
        parse(SPECIMEN_LINE1, SPECIMEN_LINE2[:-1])


def test_mrz_errors_are_invalid_input():
    assert issubclass(MrzError, InvalidInput)


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        (td3(code="V<"), "document_code"),
        (td3(code="P1"), "document_code"),
        (td3(state="ABC"), "issuing_state"),
        (td3(state="U<O"), "issuing_state"),
        (td3(name=""), "name"),
        (td3(name="<<ANNA"), "name"),
        (td3(name="ERIKSSON<<ANNA<<MARIA"), "name"),
        (td3(name="ERIKSSON<<<ANNA"), "name"),
        (td3(name="ERIKSS0N<<ANNA"), "name"),
        (td3(number="<<<<<<<<<"), "number"),
        (td3(nationality="ZZZ"), "nationality"),
        (td3(nationality="KZ<"), "nationality"),
        (td3(birth="741312"), "birth_date"),
        (td3(birth="740230"), "birth_date"),
        (td3(birth="74O812"), "birth_date"),
        (td3(birth="010229"), "birth_date"),
        (td3(sex="Z"), "sex"),
        (td3(sex="X"), "sex"),
        (td3(expiry="120431"), "expiry_date"),
        (td3(expiry="<<<<<<"), "expiry_date"),
        (td3(optional="ZE184226B", optional_check="<"), "optional_data_check_digit"),
        (td3(optional="", optional_check="5"), "optional_data_check_digit"),
    ],
)
def test_field_errors_name_the_field(lines, field):
    with pytest.raises(MrzError) as raised:
        parse(*lines)
    assert raised.value.field == field
    assert raised.value.line in (1, 2)


@pytest.mark.parametrize(
    ("position", "field", "message"),
    [
        (9, "number_check_digit", "line 2: the document number check digit should be 6, found '7'"),
        (19, "birth_date_check_digit", "line 2: the birth date check digit should be 2, found '7'"),
        (27, "expiry_date_check_digit", "line 2: the expiry date check digit should be 9, found '7'"),
        (
            42,
            "optional_data_check_digit",
            "line 2: the optional data (personal number) check digit should be 1, found '7'",
        ),
        (43, "composite_check_digit", "line 2: the composite check digit should be 0, found '7'"),
    ],
)
def test_check_digit_errors_give_expected_and_found(position, field, message):
    with pytest.raises(MrzError) as raised:
        parse(SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, position, "7"))
    assert (raised.value.field, str(raised.value)) == (field, message)


def test_a_letter_where_a_check_digit_belongs_is_reported_as_found():
    with pytest.raises(MrzError, match="the document number check digit should be 6, found 'G'"):
        parse(SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 9, "G"))


@pytest.mark.parametrize("optional_check", ["<", "0"])
def test_empty_optional_data_may_have_a_filler_or_zero_check_digit(optional_check):
    passport = parse(*td3(optional="", optional_check=optional_check))
    assert passport.optional_data == ""


def test_germany_and_international_codes():
    passport = parse(*td3(state="D<<", nationality="XXA"))
    assert (passport.issuing_state, passport.nationality) == ("D", "XXA")


@pytest.mark.parametrize("code", ["KAZ", "KGZ", "RUS", "GBN", "UNO", "EUE", "RKS", "XOM", "XPO"])
def test_state_codes_of_iso_and_icao(code):
    assert parse(*td3(nationality=code)).nationality == code


def test_unspecified_sex_is_x_and_passport_types_keep_their_letter():
    passport = parse(*td3(sex="<", code="PD"))
    assert (passport.sex, passport.document_code) == ("X", "PD")


def test_names_with_several_words_and_no_given_names():
    assert (parse(*td3(name="DE<LA<CRUZ<<MARIA<JOSE")).surname, parse(*td3(name="DE<LA<CRUZ")).given_names) == (
        "DE LA CRUZ",
        "",
    )


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        ("250101", date(2025, 1, 1)),
        ("260115", date(2026, 1, 15)),  # born today
        ("260116", date(1926, 1, 16)),  # tomorrow in the 2000s: so the 1900s
        ("000229", date(2000, 2, 29)),
        ("991231", date(1999, 12, 31)),
    ],
)
def test_birth_dates_are_in_the_past(birth, expected):
    assert parse(*td3(birth=birth)).birth_date == expected


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ("350101", date(2035, 1, 1)),
        ("760101", date(2076, 1, 1)),  # 50 years ahead: still the 2000s
        ("770101", date(1977, 1, 1)),
        ("991231", date(1999, 12, 31)),
        ("000101", date(2000, 1, 1)),
    ],
)
def test_expiry_dates_are_in_the_2000s_unless_implausibly_far(expiry, expected):
    assert parse(*td3(expiry=expiry)).expiry_date == expected


def test_validity_helpers():
    assert SPECIMEN.is_valid_on(date(2012, 4, 15)) and not SPECIMEN.is_valid_on(date(2012, 4, 16))
    assert SPECIMEN.valid_until_at_least(date(2011, 10, 15)) and not SPECIMEN.valid_until_at_least(date(2013, 1, 1))


def test_today_defaults_to_the_real_today():
    assert parse_td3(SPECIMEN_LINE1, SPECIMEN_LINE2).birth_date == date(1974, 8, 12)


# Corruptions


def test_every_single_character_corruption_is_refused_or_visibly_different():
    """Each position of both lines, each other MRZ character: never silently read as the original."""
    outcomes = {"refused": 0, "differs": 0}
    for line_number, line in ((1, SPECIMEN_LINE1), (2, SPECIMEN_LINE2)):
        for position, field in enumerate(FIELD_AT[line_number]):
            for character in MRZ_ALPHABET.replace(line[position], ""):
                lines = [SPECIMEN_LINE1, SPECIMEN_LINE2]
                lines[line_number - 1] = corrupted(line, position, character)
                try:
                    passport = parse(*lines)
                except MrzError:
                    outcomes["refused"] += 1
                    continue
                assert field is not None, f"a wrong check digit was accepted: line {line_number}, {position + 1}"
                assert attribute_values(passport, field) != attribute_values(SPECIMEN, field)
                assert _other_attributes(passport, field) == _other_attributes(SPECIMEN, field)
                outcomes["differs"] += 1
    assert outcomes["refused"] + outcomes["differs"] == 88 * 36
    assert outcomes["refused"] > outcomes["differs"] > 0


def _other_attributes(passport: Passport, field: str) -> tuple:
    changed = {"surname", "given_names"} if field == "name" else {field}
    return tuple(
        getattr(passport, attribute.name) for attribute in fields(Passport) if attribute.name not in changed | {"lines"}
    )


@given(position=st.sampled_from(PROTECTED_POSITIONS), character=st.sampled_from(MRZ_ALPHABET))
def test_corruption_of_a_position_under_a_check_digit_is_detected(position, character):
    """Dates and check digits are digits only, so every change there is caught. In the alphanumeric
    number and optional data, the 7-3-1 weights cannot see a change by a multiple of 10 (8 for S,
    L for B): that one is read, but as a visibly different value (checked exhaustively above)."""
    original = SPECIMEN_LINE2[position]
    if character == original:
        return
    line2 = corrupted(SPECIMEN_LINE2, position, character)
    field = FIELD_AT[2][position]
    blind_spot = field not in DIGITS_ONLY and (value(character) - value(original)) % 10 == 0
    if not blind_spot:
        with pytest.raises(MrzError):
            parse(SPECIMEN_LINE1, line2)
        return
    try:
        passport = parse(SPECIMEN_LINE1, line2)
    except MrzError:
        return
    assert getattr(passport, field) != getattr(SPECIMEN, field)


def test_the_check_digit_blind_spot_is_real():
    # L (21) and B (11) differ by 10: the number's and the composite check digits both still hold.
    assert parse(SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 0, "B")).number == "B898902C3"


def test_the_unprotected_fields_change_silently_when_still_valid():
    assert parse(SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 20, "M")).sex == "M"
    assert parse(corrupted(SPECIMEN_LINE1, 3, "N"), SPECIMEN_LINE2).issuing_state == "UNO"
    assert parse(SPECIMEN_LINE1, corrupted(SPECIMEN_LINE2, 10, "T")).nationality == "TTO"


_ANY_MRZ_LINE = st.text(alphabet=MRZ_ALPHABET + "abcz<é -", min_size=40, max_size=48)


@given(st.text(), st.text())
def test_random_text_raises_only_mrz_errors(line1, line2):
    with contextlib.suppress(MrzError):
        parse(line1, line2)


@given(_ANY_MRZ_LINE, _ANY_MRZ_LINE)
def test_random_mrz_like_lines_raise_only_mrz_errors(line1, line2):
    with contextlib.suppress(MrzError):
        parse(line1, line2)


@given(st.lists(st.tuples(st.integers(0, 87), st.sampled_from(MRZ_ALPHABET)), max_size=6))
def test_several_corruptions_raise_only_mrz_errors(changes):
    both = SPECIMEN_LINE1 + SPECIMEN_LINE2
    for position, character in changes:
        both = corrupted(both, position, character)
    try:
        passport = parse(both[:44], both[44:])
    except MrzError:
        return
    assert passport.lines == (both[:44], both[44:])


@given(st.text())
def test_random_paste_raises_only_mrz_errors(text):
    with contextlib.suppress(MrzError):
        parse_mrz_block(text, today=TODAY)


# Pasting several passports


KAZ_LINES = td3(
    state="KAZ",
    name="NURLANOVA<<ZHANYL",
    number="N12345678",
    nationality="KAZ",
    birth="900101",
    sex="F",
    expiry="300101",
    optional="",
)


def test_a_paste_of_several_passports_with_blank_lines():
    text = f"\n  {SPECIMEN_LINE1}\n{SPECIMEN_LINE2}\n\n\n{KAZ_LINES[0]}\r\n{KAZ_LINES[1].lower()}  \n"
    passports = parse_mrz_block(text, today=TODAY)
    assert [passport.surname for passport in passports] == ["ERIKSSON", "NURLANOVA"]
    assert passports[1].issuing_state == "KAZ"


def test_an_empty_paste_has_no_passports():
    assert parse_mrz_block(" \n\n\t\n") == []


def test_a_paste_error_says_which_passport_and_line():
    text = f"{SPECIMEN_LINE1}\n{SPECIMEN_LINE2}\n\n{KAZ_LINES[0]}\n{corrupted(KAZ_LINES[1], 9, 'X')}\n"
    with pytest.raises(MrzError) as raised:
        parse_mrz_block(text)
    error = raised.value
    assert (error.field, error.passport, error.line, error.text_line) == ("number_check_digit", 2, 2, 5)
    assert str(error).startswith("passport 2, line 2 (text line 5): the document number check digit should be ")


def test_a_paste_with_a_missing_line():
    text = f"{SPECIMEN_LINE1}\n{SPECIMEN_LINE2}\n{KAZ_LINES[0]}\n"
    with pytest.raises(MrzError, match=r"^passport 2, line 1 \(text line 3\): a passport has two lines") as raised:
        parse_mrz_block(text)
    assert raised.value.field == "line_count"


def test_a_paste_out_of_step_is_caught_at_the_passport_where_it_breaks():
    text = "\n".join([SPECIMEN_LINE1, SPECIMEN_LINE2, KAZ_LINES[1], *KAZ_LINES])
    with pytest.raises(MrzError) as raised:
        parse_mrz_block(text)
    assert (raised.value.passport, raised.value.line, raised.value.field) == (2, 1, "document_code")
