"""make bench-reports at a small size: it loads both databases alike and ends with one JSON line."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from actions.reports.bench import main


@pytest.mark.postgres
def test_the_benchmark_prints_its_figures_as_the_last_line(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["--conversations", "300", "--sqlite", str(tmp_path / "bench.db")]) == 0
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["conversations"], result["events"] > 3000) == (300, True)
    for engine in ("sqlite", "postgresql"):
        if "skipped" in result.get(engine, {}):
            pytest.skip(result[engine]["skipped"])
        figures = result[engine]
        assert figures["reported_conversations"] == 300  # the whole generated range is reported
        assert (
            figures["cold_seconds"] > 0 and figures["warm_seconds"] > 0 and figures["incremental_seconds"] > 0
        )
        assert set(figures["cpu_seconds"]) == {"cold", "warm", "incremental"}
    assert "generated and loaded" in err.getvalue()
