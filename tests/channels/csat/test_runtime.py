from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from channels.csat.runtime import ConfigError, CsatRuntime, build


def rules(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "support.yml"
    path.write_text(text)
    return {"SUPPORT_RULES": str(path), "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'log.db'}"}


def no_output(channel: str, conversation_id: str) -> None:
    return None


def test_the_sweep_follows_the_rules_file(tmp_path: Path) -> None:
    csat = build(rules(tmp_path, "csat:\n  inactivity_minutes: 0.5\n"), no_output)
    assert csat.watch is not None and csat.watch.quiet_seconds == 30.0
    assert csat.sweep_seconds == 30.0


@pytest.mark.parametrize(
    "text",
    [
        "csat:\n  inactivity_minutes: 0\n",
        "csat:\n  enabled: false\n  inactivity_minutes: 10\n",
        "csat:\n  inactivity_minutes: soon\n",  # the action server refuses this file; here: off, logged
    ],
)
def test_no_sweep_when_off_or_the_rules_are_wrong(tmp_path: Path, text: str) -> None:
    assert build(rules(tmp_path, text), no_output).watch is None


def test_the_sweep_interval_is_validated(tmp_path: Path) -> None:
    env = rules(tmp_path, "csat:\n  inactivity_minutes: 5\n")
    assert build({**env, "CSAT_SWEEP_SECONDS": "0.5"}, no_output).sweep_seconds == 0.5
    for raw in ("soon", "0", "-3"):
        with pytest.raises(ConfigError, match="CSAT_SWEEP_SECONDS"):
            build({**env, "CSAT_SWEEP_SECONDS": raw}, no_output)


def test_no_sweep_before_the_server_has_a_model(tmp_path: Path) -> None:
    csat = build(rules(tmp_path, "csat:\n  inactivity_minutes: 5\n"), no_output)
    assert asyncio.run(csat.sweep()) == 0
    assert asyncio.run(CsatRuntime(None, no_output, 1.0).sweep()) == 0
