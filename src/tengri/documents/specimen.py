"""Specimen passports (TD3 zones) for the demo season and for trying the system out.

The people are invented; the zones are built by the ICAO 9303 rules so they pass every check.
"""

from datetime import date

from tengri.documents.mrz import check_digit


def td3_lines(
    *,
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth_date: date,
    sex: str,
    expiry_date: date,
    issuing_state: str | None = None,
) -> tuple[str, str]:
    """The two MRZ lines of a passport with these fields (names in Latin capitals)."""
    name = surname.upper().replace(" ", "<") + "<<" + given_names.upper().replace(" ", "<")
    state = (issuing_state or nationality).ljust(3, "<")
    line1 = ("P<" + state + name)[:44].ljust(44, "<")
    number_field = number.upper().ljust(9, "<")
    birth, expiry, optional = f"{birth_date:%y%m%d}", f"{expiry_date:%y%m%d}", "<" * 14
    body = (
        number_field
        + check_digit(number_field)
        + nationality.ljust(3, "<")
        + birth
        + check_digit(birth)
        + (sex if sex in "MF" else "<")
        + expiry
        + check_digit(expiry)
        + optional
        + "0"
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return line1, body + check_digit(composite)
