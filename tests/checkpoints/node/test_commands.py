"""`tengri checkpoint ...` in this process: exit codes, what the officer reads, the home directory. One test
runs the whole cycle against the centre over a real socket (pytest-django's live server)."""

import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from tengri.checkpoints.devices import device_register
from tengri.checkpoints.models import CrossingEvent
from tengri.checkpoints.node import node as node_module
from tengri.checkpoints.node.keys import KEY_FILE
from tengri.checkpoints.node.store import DB_FILE
from tengri.cli import main
from tengri.permits.services import permit_qr_text
from tengri.permits.verify import read_claims
from tests.permits.test_issuing import IN_SEASON, Clock, demo_world

from .centre import TRIP_DAY


def tengri(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def laptop_clock(monkeypatch, node_clock):
    """The command's nodes read the wall clock: pinned to the centre's."""

    class PinnedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return node_clock.moment.astimezone(tz or UTC)

    monkeypatch.setattr(node_module, "datetime", PinnedDatetime)
    return node_clock


@pytest.fixture
def home(node, laptop_clock, capsys):
    """An enrolled node that has pulled; the commands reach it through --home, and no centre (port 9)."""
    capsys.readouterr()  # what the enrolment and the pull logged
    return str(node.home)


def test_a_valid_scan_exits_0_and_shows_the_holder(capsys, home, qr_texts):
    claims = read_claims(qr_texts[0])

    code, out, err = tengri(capsys, "checkpoint", "scan", "--home", home, "--qr", qr_texts[0], "--direction", "in")

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("VALID: valid permit")
    assert f"{claims.surname} {claims.given_names} ({claims.nationality}), {claims.role}" in lines[1]
    assert f"passport {claims.document_number}" in lines[2]
    assert "recorded: entry at KRK-HB-KZ" in lines[3]
    assert lines[4] == "  trust list 0 s old, revocations 0 s old"
    assert err == ""


def test_a_refused_scan_exits_1_and_is_recorded(capsys, home, node):
    code, out, _ = tengri(
        capsys, "checkpoint", "scan", "--home", home, "--qr", "TGP1:AAAA", "--direction", "out", "--officer", "Bakyt"
    )

    assert code == 1
    assert out.startswith("REFUSED (BAD_ENCODING)")
    assert [(event.officer, event.verdict) for event, _ in node.store.events_all()] == [("Bakyt", "BAD_ENCODING")]


def test_a_lookup_by_passport_in_json(capsys, home, qr_texts):
    claims = read_claims(qr_texts[3])

    code, out, _ = tengri(
        capsys,
        "checkpoint",
        "scan",
        "--home",
        home,
        "--passport",
        claims.document_number,
        "--direction",
        "in",
        "--json",
    )

    result = json.loads(out)
    assert (code, result["verdict"], result["event"]["method"]) == (0, "VALID", "lookup")
    assert result["person"]["permit_id"] == str(claims.permit_id)
    assert result["event"]["permit_id"] == str(claims.permit_id)


def test_a_crossing_kept_on_paper_is_entered_at_its_time(capsys, home, qr_texts, node):
    argv = ["checkpoint", "scan", "--home", home, "--qr", qr_texts[0], "--direction", "in", "--json"]

    code, out, _ = tengri(capsys, *argv, "--at", "2027-07-12T00:30:00+05:00")  # 19:30 UTC on the 11th
    assert (code, json.loads(out)["event"]["device_time"]) == (0, "2027-07-11T19:30:00+00:00")
    assert json.loads(out)["event"]["method"] == "paper"  # its time is a person's, not the laptop clock's
    code, out, _ = tengri(capsys, *argv, "--at", "2027-07-11T18:30:00")  # no zone: UTC, 23:30 local on the 11th
    assert (code, json.loads(out)["verdict"]) == (1, "OUTSIDE_WINDOW")

    code, _, err = tengri(capsys, *argv, "--at", "yesterday")
    assert code == 2
    assert "is not an ISO time" in err
    assert [event.device_time for event, _ in node.store.events_all()] == [
        "2027-07-11T19:30:00+00:00",
        "2027-07-11T18:30:00+00:00",
    ]


def test_stale_trust_data_is_warned_about(capsys, home, qr_texts, laptop_clock):
    laptop_clock.moment += timedelta(hours=30)

    code, _, err = tengri(capsys, "checkpoint", "scan", "--home", home, "--qr", qr_texts[0], "--direction", "in")

    assert code == 0
    assert "warning: the trust list is 30 h old: pull when a connection is available" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--passport", "X0000000", "--direction", "in"], "no permit for passport X0000000"),
        (["--image", "/nonexistent.png", "--direction", "in"], "cannot read /nonexistent.png"),
    ],
)
def test_scan_errors_are_told_plainly(capsys, home, argv, message):
    code, out, err = tengri(capsys, "checkpoint", "scan", "--home", home, *argv)
    assert code in (1, 2)
    assert out == ""
    assert message in err


def test_a_scan_without_a_source_is_a_usage_error(capsys, home):
    with pytest.raises(SystemExit) as exit_:
        main(["checkpoint", "scan", "--home", home, "--direction", "in"])
    assert exit_.value.code == 2


def test_push_without_the_centre_exits_1_and_keeps_the_events(capsys, home, qr_texts):
    tengri(capsys, "checkpoint", "scan", "--home", home, "--qr", qr_texts[0], "--direction", "in")

    code, out, err = tengri(capsys, "checkpoint", "push", "--home", home)

    assert code == 1
    assert "1 still to send" in out
    assert "out of reach" in err
    code, out, _ = tengri(capsys, "checkpoint", "status", "--home", home, "--json")
    status = json.loads(out)
    assert (code, status["events"]["pending"], status["last_error"]["action"]) == (0, 1, "push")


def test_status_reads_the_checkpoint_and_the_ages(capsys, home, laptop_clock):
    laptop_clock.moment = laptop_clock.moment.replace(hour=5)  # two hours after the pull

    code, out, err = tengri(capsys, "checkpoint", "status", "--home", home)

    assert code == 0, err
    assert out.splitlines()[0] == "checkpoint KRK-HB-KZ (Karkara heli base (KZ), KZ, UTC+5)"
    assert "trust list: pulled 2027-07-13T03:00 UTC, 2 h ago" in out
    assert "manifest: pulled 2027-07-13T03:00 UTC, 2 h ago" in out
    assert "last push: never" in out


def test_the_home_comes_from_the_environment(capsys, monkeypatch, home):
    monkeypatch.setenv("TENGRI_NODE_HOME", home)
    code, out, _ = tengri(capsys, "checkpoint", "status", "--json")
    assert (code, json.loads(out)["home"]) == (0, home)


def test_a_home_without_a_node_says_to_init(capsys, tmp_path, db):
    code, _, err = tengri(capsys, "checkpoint", "status", "--home", str(tmp_path / "empty"))
    assert code == 1
    assert "run `tengri checkpoint init`" in err


def test_init_refuses_to_overwrite_a_node(capsys, home):
    code, _, err = tengri(
        capsys, "checkpoint", "init", "--home", home, "--checkpoint", "KRK-HB-KZ", "--server", "http://127.0.0.1:9",
        "--token", "whatever",
    )  # fmt: skip
    assert code == 1
    assert "already holds a checkpoint node; use --force" in err


def test_init_with_an_address_that_is_not_one_is_a_usage_error(capsys, tmp_path, db):
    code, _, err = tengri(
        capsys, "checkpoint", "init", "--home", str(tmp_path), "--checkpoint", "KRK-HB-KZ", "--server", "tengri",
        "--token", "whatever",
    )  # fmt: skip
    assert code == 2
    assert "must start with https://" in err


def test_init_refuses_plain_http_to_another_computer(capsys, tmp_path, db):
    """The trust list is the root of offline verification: over a network it travels under TLS."""
    code, _, err = tengri(
        capsys, "checkpoint", "init", "--home", str(tmp_path), "--checkpoint", "KRK-HB-KZ", "--server",
        "http://tengri.example", "--token", "whatever",
    )  # fmt: skip
    assert code == 2
    assert "must use https://" in err
    assert not (tmp_path / "node.sqlite3").exists()


# --- over a real socket ------------------------------------------------------------------------------------------


@pytest.fixture
def live_trip(transactional_db, demo_season, monkeypatch, django_capture_on_commit_callbacks):
    clock = Clock(monkeypatch, IN_SEASON)
    application = demo_world(django_capture_on_commit_callbacks)
    clock.moment = TRIP_DAY

    class PinnedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.moment.astimezone(tz or UTC)

    monkeypatch.setattr(node_module, "datetime", PinnedDatetime)
    return application


def test_a_node_enrols_pulls_scans_and_pushes_over_http(capsys, live_server, live_trip, tmp_path):
    _, token = device_register(actor=None, checkpoint_code="KRK-HB-KZ", label="KRK laptop 1")
    home = str(tmp_path / "node")
    qr = permit_qr_text(live_trip.permits.filter(revoked_at=None).order_by("member_id").first())
    init = ["checkpoint", "init", "--home", home, "--checkpoint", "KRK-HB-KZ", "--server", live_server.url]

    code, out, err = tengri(capsys, *init, "--token", token)

    assert code == 0, err
    assert out.startswith("enrolled device ")
    assert stat.S_IMODE((tmp_path / "node" / DB_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "node" / KEY_FILE).stat().st_mode) == 0o600
    assert token not in (tmp_path / "node" / DB_FILE).read_text(errors="replace")

    code, out, err = tengri(capsys, "checkpoint", "pull", "--home", home)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "trust list: ok (2 keys)",
        "revocations: ok (0 revoked permits)",
        "manifest: ok (4 permits for 3 days)",
    ]

    assert tengri(capsys, "checkpoint", "scan", "--home", home, "--qr", qr, "--direction", "in")[0] == 0
    assert tengri(capsys, "checkpoint", "scan", "--home", home, "--qr", qr[:-3], "--direction", "in")[0] == 1

    code, out, err = tengri(capsys, "checkpoint", "push", "--home", home)
    assert (code, out.strip(), err) == (0, "sent 2 events in 1 batches: 2 stored, 0 already there; 0 still to send", "")
    assert sorted(CrossingEvent.objects.values_list("verdict", flat=True)) == ["BAD_ENCODING", "VALID"]

    # The token is spent: enrolling again with --force is refused by the centre, and the node is kept.
    code, _, err = tengri(capsys, *init, "--token", token, "--force")
    assert code == 1
    assert "400: this enrolment token is not valid" in err
    code, out, _ = tengri(capsys, "checkpoint", "status", "--home", home, "--json")
    assert json.loads(out)["events"]["acknowledged"] == 2
