"""The launcher refuses broken configuration before starting anything, in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.environment import ROOT, ConfigError


def launch(tmp_path: Path, **override: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path),
        "RASA_PORT": "5995",
        "ACTION_PORT": "5994",
        **override,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "bot" / "serve.py")], env=env, capture_output=True, text=True, timeout=120
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_bad_variable_stops_the_launcher_with_one_line(tmp_path: Path) -> None:
    result = launch(tmp_path, WEBCHAT_ALLOWED_ORIGINS="example.com")
    assert result.returncode == 2
    assert error_line(result).startswith("error: WEBCHAT_ALLOWED_ORIGINS entries must look like")


def test_a_missing_model_says_how_to_build_it(tmp_path: Path) -> None:
    # Named, not inherited: a RASA_MODEL in the caller's environment would start the stack.
    result = launch(tmp_path, RASA_PORT="5999", ACTION_PORT="5998", RASA_MODEL=str(tmp_path / "none.tar.gz"))
    assert result.returncode == 2
    assert "no trained model" in error_line(result) and "make model" in error_line(result)


def test_an_unreachable_tracker_store_is_named(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    result = launch(
        tmp_path,
        RASA_PORT="5997",
        ACTION_PORT="5996",
        RASA_MODEL=str(model),
        TRACKER_STORE_URL="postgresql://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 2
    line = error_line(result)
    assert "cannot reach the tracker store" in line and "TRACKER_STORE_URL" in line


@pytest.mark.parametrize("name", ["bot/domain.yml", "bot/credentials.yml", "bot/endpoints.yml"])
def test_rasa_files_exist(name: str) -> None:
    assert (ROOT / name).is_file()


def test_one_part_of_the_stack_checks_and_starts_only_its_server(tmp_path: Path) -> None:
    from bot import environment
    from bot.serve import Stack

    ports = {}
    for name in ("RASA_PORT", "ACTION_PORT"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports[name] = str(probe.getsockname()[1])
    env = environment.resolve({"SUPPORTBOT_DATA_DIR": str(tmp_path), **ports})
    rasa, actions = Stack(env=dict(env), roles=("rasa",)), Stack(env=dict(env), roles=("actions",))
    assert [s.name for s in rasa.servers] == ["Rasa server"]
    assert [s.name for s in actions.servers] == ["action server"]
    actions.preflight()  # needs neither a model nor the tracker store
    with pytest.raises(ConfigError, match="no trained model"):
        rasa.preflight()
