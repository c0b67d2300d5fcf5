"""Passport MRZ check: parse and validate two TD3 lines without storing anything."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema

from tengri.api.applications import ERRORS
from tengri.api.security import SIGNED_IN
from tengri.core.access import access_mrz_check
from tengri.documents.mrz import MrzError, parse_td3

router = Router(tags=["documents"], auth=SIGNED_IN)


class MrzIn(Schema):
    line1: str = Field(max_length=60)
    line2: str = Field(max_length=60)


class MrzOut(Schema):
    valid: bool
    field: str = ""
    message: str = ""
    surname: str = ""
    given_names: str = ""
    nationality: str = ""
    issuing_state: str = ""
    sex: str = ""
    birth_date: date | None = None
    expiry_date: date | None = None


@router.post("/mrz/check", response={200: MrzOut, **ERRORS})
def mrz_check(request: HttpRequest, payload: MrzIn):
    """`valid: false` names the failing field (e.g. `composite_check_digit`); nothing is stored."""
    access_mrz_check(request.user)
    try:
        passport = parse_td3(payload.line1, payload.line2)
    except MrzError as error:
        return {"valid": False, "field": error.field, "message": str(error)}
    return {
        "valid": True,
        "surname": passport.surname,
        "given_names": passport.given_names,
        "nationality": passport.nationality,
        "issuing_state": passport.issuing_state,
        "sex": passport.sex,
        "birth_date": passport.birth_date,
        "expiry_date": passport.expiry_date,
    }
