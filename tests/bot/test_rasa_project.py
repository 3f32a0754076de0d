"""The Rasa project is consistent: `rasa data validate` passes, routing rules are complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.environment import ROOT, resolve


def test_rasa_data_validate_passes(tmp_path: Path) -> None:
    env = resolve({"SUPPORTBOT_DATA_DIR": str(tmp_path), **os.environ})
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [
            str(rasa),
            "data",
            "validate",
            "--domain",
            "bot/domain.yml",
            "--data",
            "bot/data",
            "--config",
            "config.yml",
            "--fail-on-warnings",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_intent_has_a_rule_and_questions_go_to_the_knowledge_answer() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text())
    rules = yaml.safe_load((ROOT / "bot" / "data" / "rules.yml").read_text())["rules"]
    first_steps = {
        rule["steps"][0].get("intent"): rule["steps"][1] for rule in rules if "intent" in rule["steps"][0]
    }
    assert set(domain["intents"]) <= set(first_steps)
    assert first_steps["question"] == {"action": "action_answer"}
    assert first_steps["nlu_fallback"] == {"action": "action_answer"}
