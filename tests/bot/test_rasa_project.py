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
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}  # "- name: {options}"
    assert intents <= set(first_steps)
    assert first_steps["question"] == {"action": "action_answer"}
    assert first_steps["nlu_fallback"] == {"action": "action_answer"}


def test_survey_records_and_intents_are_in_the_domain_and_stay_in_their_session() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text())
    for slot in ("csat_result", "answer_feedback"):  # the reports read these slot events
        assert domain["slots"][slot]["mappings"] == [{"type": "custom"}]
        assert domain["slots"][slot]["influence_conversation"] is False
    # Carried over, every survey answer would be logged again in the next session.
    assert domain["session_config"]["carry_over_slots_to_new_session"] is False
    for form_slot in ("contact_email", "contact_message"):
        [mapping] = domain["slots"][form_slot]["mappings"]
        assert {"csat_submit", "csat_comment", "answer_feedback"} <= set(mapping["not_intent"])


def test_the_rasa_process_reads_the_survey_rules_and_asks_before_the_session_expires() -> None:
    from actions.support_rules import load_support_rules  # here on Python 3.10, like the Rasa server

    rules = load_support_rules(ROOT / "bot" / "support.yml")
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text())
    assert sys.version_info[:2] == (3, 10)
    assert 0 < rules.csat.inactivity_minutes < domain["session_config"]["session_expiration_time"]
