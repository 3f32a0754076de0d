from __future__ import annotations

from pathlib import Path

import pytest

from actions.support_rules import RulesError, load_support_rules

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "support.yml"
    path.write_text(text)
    return path


def test_the_shipped_rules_load() -> None:
    rules = load_support_rules(ROOT / "bot" / "support.yml")
    assert 0 < rules.answers.min_score < 1
    assert rules.answers.top_k >= 1


def test_missing_keys_take_defaults(tmp_path: Path) -> None:
    rules = load_support_rules(write(tmp_path, "answers:\n  top_k: 6\n"))
    assert rules.answers.top_k == 6 and rules.answers.min_score == 0.425
    assert rules.contact.max_message_chars == 2000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("answers:\n  min_score: high\n", r"answers.min_score must be a number, got 'high'"),
        ("answers:\n  min_score: 1.5\n", r"answers.min_score must be between 0.0 and 1.0"),
        ("answers:\n  top_k: 2.5\n", r"answers.top_k must be a whole number"),
        ("answers:\n  topk: 3\n", r"unknown key answers.topk"),
        ("anwsers:\n  top_k: 3\n", r"unknown section 'anwsers'"),
        ("answers: [1, 2]\n", r"answers must be a mapping"),
        ("answers:\n  top_k: [\n", r"line \d+: not valid YAML"),
    ],
)
def test_errors_name_the_file_key_and_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as failed:
        load_support_rules(write(tmp_path, text))
    assert str(failed.value).startswith(str(tmp_path / "support.yml"))
    assert "\n" not in str(failed.value)


def test_a_missing_file_says_which_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="file not found .*SUPPORT_RULES"):
        load_support_rules(tmp_path / "nope.yml")
