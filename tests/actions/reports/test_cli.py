"""python -m actions.reports: formats, output file, exit codes and messages."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.reports.cli import main
from tests.actions.reports.helpers import service
from tests.actions.reports.scenario import scenario

ROOT = Path(__file__).resolve().parents[3]
RANGE = ["--since", "2026-11-01", "--until", "2026-11-30"]


def run(engine: sa.Engine, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), service=service(engine), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_is_the_report(sqlite_engine: sa.Engine) -> None:
    scenario().write(sqlite_engine)
    code, out, err = run(sqlite_engine, *RANGE, "--format", "json", "--quiet")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["conversations"] == 7
    assert report["filters"] == {
        "since": "2026-11-01",
        "until": "2026-11-30",
        "timezone": "UTC",
        "channel": None,
        "page_url_prefix": None,
    }


def test_csv_has_one_number_per_line(sqlite_engine: sa.Engine) -> None:
    scenario().write(sqlite_engine)
    code, out, _ = run(sqlite_engine, *RANGE, "--format", "csv", "--channel", "webchat")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["section", "metric", "key", "value"]
    values = {(s, m, k): v for s, m, k, v in rows[1:]}
    assert values[("summary", "conversations", "")] == "6"
    assert values[("filters", "channel", "")] == "webchat"
    assert values[("handoff", "after_hours_share", "")] == "0.5"
    assert values[("csat", "distribution", "2")] == "1"
    assert values[("daily", "conversations", "2026-11-03")] == "1"
    assert values[("knowledge_gaps", "count", "How do I export notes to PDF?")] == "1"
    assert all(len(row) == 4 for row in rows)


def test_the_table_reads_as_a_summary(sqlite_engine: sa.Engine) -> None:
    scenario().write(sqlite_engine)
    code, out, err = run(sqlite_engine, *RANGE)
    assert code == 0
    assert "Support report 2026-11-01 .. 2026-11-30 (UTC)" in out
    assert "containment" in out and "57.1%" in out
    assert "after-hours share" in out and "50.0%" in out
    assert "1.     2x  export my notes as a pdf  (2 phrasings)" in out
    assert err.startswith("summary full:")


def test_output_goes_to_a_file(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    scenario().write(sqlite_engine)
    target = tmp_path / "report.json"
    code, out, _ = run(sqlite_engine, *RANGE, "--format", "json", "--output", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["conversations"] == 7


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2026-11-31"], "error: --since: '2026-11-31' is not a date; write it as YYYY-MM-DD"),
        (
            ["--since", "2026-12-01", "--until", "2026-11-01"],
            "error: --since: 2026-12-01 is after the last day",
        ),
        (["--channel", "email"], "error: --channel: unknown channel 'email'; use one of webchat, slack"),
        (["--timezone", "Berlin"], "error: --timezone: 'Berlin' is not a time zone"),
        (["--page-url-prefix", "https://x.example/\t"], "error: --page-url-prefix: contains"),
        (["--gaps", "1000"], "error: --gaps: 1000 is out of range"),
    ],
)
def test_bad_options_exit_2_saying_what_to_fix(
    sqlite_engine: sa.Engine, argv: list[str], message: str
) -> None:
    code, out, err = run(sqlite_engine, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(message), err
    assert not sa.inspect(sqlite_engine).has_table("support_report_conversations")  # nothing was computed


def test_an_unknown_format_exits_2(sqlite_engine: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--format", "xml"], service=service(sqlite_engine))
    assert exited.value.code == 2
    assert "invalid choice: 'xml' (choose from 'table', 'json', 'csv')" in capsys.readouterr().err


def test_an_unreachable_database_exits_1(tmp_path: Path) -> None:
    missing = sa.create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    code, _, err = run(missing, *RANGE)
    assert code == 1
    assert err.startswith("error: cannot read the conversation log:")


def test_the_module_runs_with_the_environment(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    scenario().write(sqlite_engine)
    database = sqlite_engine.url.database
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TRACKER_STORE_URL": f"sqlite:///{database}",
           "REPORTS_TIMEZONE": "UTC"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "actions.reports", *RANGE, "--format", "json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversations"] == 7
    bad = subprocess.run(
        [sys.executable, "-m", "actions.reports", "--until", "30/11/2026"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        == "error: --until: '30/11/2026' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01"
    )
