import json

import pytest

from tengri.cli import main

from .td3 import SPECIMEN_LINE1, SPECIMEN_LINE2


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_valid_mrz_prints_its_fields(capsys):
    code, out, err = run(capsys, "mrz", "check", SPECIMEN_LINE1, SPECIMEN_LINE2)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "document_code  P",
        "issuing_state  UTO",
        "surname        ERIKSSON",
        "given_names    ANNA MARIA",
        "number         L898902C3",
        "nationality    UTO",
        "birth_date     1974-08-12",
        "sex            F",
        "expiry_date    2012-04-15",
        "optional_data  ZE184226B",
    ]


def test_a_valid_mrz_as_json(capsys):
    code, out, _ = run(capsys, "mrz", "check", SPECIMEN_LINE1.lower(), SPECIMEN_LINE2, "--json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "document_code": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",
        "optional_data": "ZE184226B",
    }


def test_an_invalid_mrz_says_which_field(capsys):
    code, out, err = run(capsys, "mrz", "check", SPECIMEN_LINE1, SPECIMEN_LINE2[:9] + "7" + SPECIMEN_LINE2[10:])
    assert (code, err) == (1, "")
    assert out == "invalid number_check_digit: line 2: the document number check digit should be 6, found '7'\n"


def test_an_invalid_mrz_as_json(capsys):
    code, out, _ = run(capsys, "mrz", "check", SPECIMEN_LINE1[:-1], SPECIMEN_LINE2, "--json")
    assert code == 1
    assert json.loads(out) == {
        "valid": False,
        "field": "line1_length",
        "message": "line 1: the line has 43 characters; a passport MRZ line has 44",
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mrz", "check", SPECIMEN_LINE1], "the following arguments are required: LINE2"),
        (["mrz", "check"], "the following arguments are required: LINE1, LINE2"),
        (["mrz", "check", "a", "b", "c"], "unrecognized arguments: c"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_mrz_is_listed_and_a_bare_mrz_is_a_usage_error(capsys):
    code, out, _ = run(capsys, "mrz")
    assert code == 2 and "passport machine-readable zones" in out
