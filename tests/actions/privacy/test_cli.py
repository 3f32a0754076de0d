"""`python -m actions.privacy`: reports, exit codes, and bad input that changes nothing."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from actions.privacy.cli import main
from tests.actions.privacy.builders import DAY, NOW, Store

ROOT = Path(__file__).resolve().parents[3]


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, clock=lambda: NOW, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def seeded(store: Store) -> None:
    store.conversation("old-convo", NOW - 400 * DAY, context={"customer_email": "old@example.com"})
    store.ticket("old-convo", "old@example.com", NOW - 400 * DAY)
    store.survey_answer("old-convo", 5, NOW - 400 * DAY + 90)
    store.conversation("new-convo", NOW - DAY, context={"customer_email": "new@example.com"})


def test_retention_dry_run_says_what_would_go_and_keeps_it(store: Store, env: dict[str, str]) -> None:
    seeded(store)
    before = store.snapshot()
    code, out, _ = run(["retention", "--dry-run"], {**env, "RETENTION_DAYS": "365"})
    assert code == 0 and store.snapshot() == before
    assert "retention 365 days: conversations whose last event is before 2024-10-09T08:53:20Z" in out
    assert "would delete (dry run): 1 conversations, 1 survey answers" in out
    assert "old-convo (session 0, last event 2024-09-04T08:54:50Z)" in out
    assert "new-convo" not in out
    lines = {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.endswith(" rows")}
    assert lines == {"events": 7, "support_handoffs": 0, "support_tickets": 1}


def test_retention_deletes_and_reports_as_json(store: Store, env: dict[str, str]) -> None:
    seeded(store)
    code, out, _ = run(["retention", "--days", "365", "--json"], env)
    report = json.loads(out)
    assert code == 0 and report["dry_run"] is False
    assert report["counts"] == {"events": 7, "support_handoffs": 0, "support_tickets": 1}
    assert report["conversations"] == [
        {"conversation_id": "old-convo", "session": 0, "last_event_at": "2024-09-04T08:54:50Z"}
    ]
    assert store.events_of("old-convo") == [] and store.events_of("new-convo") != []


def test_export_writes_one_json_document_readable_only_by_its_owner(
    store: Store, env: dict[str, str], tmp_path: Path
) -> None:
    seeded(store)
    target = tmp_path / "old.json"
    code, out, err = run(["export", "--email", "OLD@example.com", "--out", str(target)], env)
    assert code == 0 and out == ""
    assert err.strip() == (
        "exported email old@example.com: 1 conversations, 1 tickets, 0 handoffs, 1 survey answers, "
        f"0 answer feedback to {target}"
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    assert [c["conversation_id"] for c in document["conversations"]] == ["old-convo"]


def test_erase_prints_counts_per_table_and_a_second_erase_is_refused_or_ok_on_request(
    store: Store, env: dict[str, str]
) -> None:
    seeded(store)
    code, out, _ = run(["erase", "--conversation", "old-convo"], env)
    assert code == 0
    assert out.splitlines()[0] == "erased conversation old-convo: 1 conversation ids (old-convo)"
    assert "  events                  7 rows" in out and "  support_tickets         1 rows" in out
    code, _, err = run(["erase", "--conversation", "old-convo"], env)
    assert code == 2 and "nothing is stored for conversation old-convo" in err
    code, out, _ = run(["erase", "--conversation", "old-convo", "--missing-ok"], env)
    assert code == 0 and out.startswith("nothing to erase:")


@pytest.mark.parametrize(
    ("argv", "extra_env", "message"),
    [
        (["retention", "--days", "-3"], {}, "--days must be 1 or more, got -3"),
        (["retention", "--days", "0"], {}, "--days must be 1 or more, got 0"),
        (["retention", "--days", "a week"], {}, "--days must be a whole number of days, got 'a week'"),
        (["retention"], {"RETENTION_DAYS": "-1"}, "RETENTION_DAYS must be 0 or more"),
        (["retention"], {"RETENTION_DAYS": "1.5"}, "RETENTION_DAYS must be a whole number of days"),
        (["retention"], {}, "retention is off (RETENTION_DAYS is unset or 0)"),
        (
            ["retention", "--days", "9"],
            {"RETENTION_SCHEDULE": "weekly"},
            "RETENTION_SCHEDULE must be daily or off",
        ),
        (["export", "--email", "nope"], {}, "--email must be an e-mail address"),
        (["erase", "--slack-user", "jane"], {}, "--slack-user must be a Slack user id"),
        (["erase", "--email", "nobody@example.com"], {}, "nothing is stored for email nobody@example.com"),
        (["export", "--conversation", "nobody"], {}, "nothing is stored for conversation nobody"),
        (["erase", "--email", "old@example.com"], {"TRACKER_STORE_URL": "nonsense"}, "not an SQLAlchemy"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_and_changes_nothing(
    store: Store, env: dict[str, str], argv: list[str], extra_env: dict[str, str], message: str
) -> None:
    seeded(store)
    before = store.snapshot()
    code, out, err = run(argv, {**env, **extra_env})
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert store.snapshot() == before


def test_a_missing_sqlite_log_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "conversations.db"
    code, _, err = run(["retention", "--days", "30"], {"TRACKER_STORE_URL": f"sqlite:///{missing}"})
    assert code == 2 and f"no conversation log at {missing}" in err
    assert not missing.exists()


def test_naming_two_customers_at_once_is_a_usage_error(env: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["erase", "--email", "a@example.com", "--conversation", "x"], env)
    assert exited.value.code == 2


def test_the_module_runs_as_a_command(store: Store, env: dict[str, str]) -> None:
    seeded(store)
    command = [sys.executable, "-m", "actions.privacy", "erase", "--email", "new@example.com", "--json"]
    done = subprocess.run(
        command,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversations"] == ["new-convo"]
    again = subprocess.run(
        command,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "nothing is stored for email new@example.com" in again.stderr
