"""Building TD3 zones for tests, with check digits computed here from ICAO 9303 Part 3 (not by the code under test)."""

import string

SPECIMEN_LINE1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
SPECIMEN_LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
MRZ_ALPHABET = string.ascii_uppercase + string.digits + "<"


def value(character: str) -> int:
    """Part 3: digits are themselves, A-Z are 10-35, the filler is 0."""
    return 0 if character == "<" else int(character, 36)


def spec_check_digit(text: str) -> str:
    return str(sum(value(character) * (7, 3, 1)[index % 3] for index, character in enumerate(text)) % 10)


def td3(
    *,
    code: str = "P<",
    state: str = "UTO",
    name: str = "ERIKSSON<<ANNA<MARIA",
    number: str = "L898902C3",
    nationality: str = "UTO",
    birth: str = "740812",
    sex: str = "F",
    expiry: str = "120415",
    optional: str = "ZE184226B",
    optional_check: str | None = None,
) -> tuple[str, str]:
    """Two lines whose check digits are all right, whatever the fields say."""
    line1 = (code + state + name).ljust(44, "<")
    number, optional = number.ljust(9, "<"), optional.ljust(14, "<")
    optional_check = spec_check_digit(optional) if optional_check is None else optional_check
    body = (
        number
        + spec_check_digit(number)
        + nationality
        + birth
        + spec_check_digit(birth)
        + sex
        + expiry
        + spec_check_digit(expiry)
        + optional
        + optional_check
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return line1, body + spec_check_digit(composite)
