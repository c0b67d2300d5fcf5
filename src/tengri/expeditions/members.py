"""People in a group, from their passports' MRZ: parsing pasted text and sealing personal data."""

from datetime import date

from tengri.core.errors import InvalidInput
from tengri.documents.crypto import lookup_index, seal
from tengri.documents.iin import validate_iin
from tengri.documents.mrz import Passport, parse_mrz_block
from tengri.documents.translit import name_matches_mrz
from tengri.expeditions.models import Application, Member

MAX_PASTE_CHARS = 8_000  # about 90 passports: far more than the largest group, and bounded work
PASSPORT_INDEX = "passport"


def passports_from_text(text: str, *, today: date) -> list[Passport]:
    if len(text) > MAX_PASTE_CHARS:
        raise InvalidInput(f"the pasted text is longer than {MAX_PASTE_CHARS} characters")
    passports = parse_mrz_block(text, today=today)
    if not passports:
        raise InvalidInput("paste the two MRZ lines of at least one passport")
    return passports


def member_from_passport(
    application: Application, passport: Passport, *, role: str, guide, typed_name: str, iin: str
) -> Member:
    """An unsaved member. The MRZ name is the authority; a typed (e.g. Cyrillic) name must match it."""
    if role not in Member.Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Member.Role.values)}")
    if typed_name.strip() and not name_matches_mrz(
        typed_name, surname=passport.surname, given_names=passport.given_names
    ):
        raise InvalidInput(
            f"the typed name {typed_name!r} does not match the passport ({passport.surname} {passport.given_names})"
        )
    if iin.strip():
        validate_iin(iin.strip(), birth_date=passport.birth_date, sex=passport.sex)
    return Member(
        application=application,
        role=role,
        guide=guide,
        surname=passport.surname,
        given_names=passport.given_names,
        nationality=passport.nationality,
        issuing_state=passport.issuing_state,
        sex=passport.sex,
        document_expiry=passport.expiry_date,
        document_number_sealed=seal(passport.number),
        document_number_index=lookup_index(PASSPORT_INDEX, passport.number),
        birth_date_sealed=seal(passport.birth_date.isoformat()),
        iin_sealed=seal(iin.strip()),
        typed_name=typed_name.strip(),
        added_in_round=application.review_round,
    )
