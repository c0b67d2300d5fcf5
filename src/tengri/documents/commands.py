"""`tengri mrz check`: check a passport's machine-readable zone without touching the database."""

import argparse

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json


def register(commands: argparse._SubParsersAction) -> None:
    mrz = commands.add_parser("mrz", help="passport machine-readable zones").add_subparsers(title="mrz commands")
    check = mrz.add_parser(
        "check", help="check a passport MRZ (ICAO 9303 TD3): layout, check digits, dates, state codes"
    )
    check.add_argument("line1", metavar="LINE1", help="first MRZ line, 44 characters (quote it: it contains <)")
    check.add_argument("line2", metavar="LINE2", help="second MRZ line, 44 characters")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_mrz_check)


def _mrz_check(args) -> int:
    """Exit 0 and print the fields when the zone is valid; exit 1 and say which field is wrong when not."""
    from tengri.documents.mrz import MrzError, parse_td3

    try:
        passport = parse_td3(args.line1, args.line2)
    except MrzError as error:
        if args.json:
            print_json({"valid": False, "field": error.field, "message": str(error)})
        else:
            print(f"invalid {error.field}: {error}")
        return EXIT_FAILED
    fields = {
        "document_code": passport.document_code,
        "issuing_state": passport.issuing_state,
        "surname": passport.surname,
        "given_names": passport.given_names,
        "number": passport.number,
        "nationality": passport.nationality,
        "birth_date": passport.birth_date.isoformat(),
        "sex": passport.sex,
        "expiry_date": passport.expiry_date.isoformat(),
        "optional_data": passport.optional_data,
    }
    if args.json:
        print_json({"valid": True, **fields})
    else:
        width = max(map(len, fields))
        for name, value in fields.items():
            print(f"{name:<{width}}  {value}")
    return EXIT_OK
