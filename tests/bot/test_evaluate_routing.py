"""Routing evaluation: file validation and metrics as pure functions, then the CLI on the trained model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.environment import ROOT, resolve
from bot.evaluate_routing import (
    LABELS,
    DataError,
    Example,
    latency_ms,
    load_examples,
    main,
    parse_line,
    route,
    score,
)

MODEL = Path(os.environ.get("SUPPORTBOT_DATA_DIR") or ROOT / "var") / "models" / "supportbot.tar.gz"


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# --- file validation ---------------------------------------------------------------------------


def test_a_valid_line_becomes_an_example() -> None:
    assert parse_line('{"text": "hi there", "label": "greet"}', "f:1") == Example("hi there", "greet")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "f:3: not a JSON line"),
        ('["hi", "greet"]', 'f:3: expected an object with "text" and "label"'),
        ('{"text": "hi"}', "f:3: missing key 'label'"),
        ('{"label": "greet"}', "f:3: missing key 'text'"),
        ("{}", "f:3: missing key 'text', 'label'"),
        ('{"text": "hi", "label": "greeting"}', "f:3: unknown label 'greeting'"),
        ('{"text": "", "label": "greet"}', 'f:3: "text" must be a non-empty string'),
        ('{"text": 7, "label": "greet"}', 'f:3: "text" must be a non-empty string'),
    ],
)
def test_a_bad_line_names_the_place_and_the_problem(line: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        parse_line(line, "f:3")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_blank_lines_are_skipped_and_line_numbers_count_them(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "u.jsonl", '{"text": "bye", "label": "goodbye"}', "", "oops")
    with pytest.raises(DataError, match=r"u\.jsonl:3: not a JSON line"):
        load_examples(path)
    path = write_lines(tmp_path / "u.jsonl", "", '{"text": "bye", "label": "goodbye"}', "  ")
    assert load_examples(path) == [Example("bye", "goodbye")]


def test_a_missing_or_empty_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_examples(tmp_path / "absent.jsonl")
    with pytest.raises(DataError, match="no examples"):
        load_examples(write_lines(tmp_path / "empty.jsonl", "", ""))


# --- routing and metrics -----------------------------------------------------------------------


def test_question_and_fallback_reach_the_knowledge_answer_and_other_intents_stay_themselves() -> None:
    assert route("question") == "question"
    assert route("nlu_fallback") == "question"
    assert [route(label) for label in LABELS] == list(LABELS)
    assert route("cancel") == "cancel"


def test_perfect_routing_scores_one_everywhere() -> None:
    report = score(list(LABELS), list(LABELS))
    assert report["macro_f1"] == 1.0
    assert report["question_routed_elsewhere"] == 0.0
    assert all(s["precision"] == s["recall"] == s["f1"] == 1.0 for s in report["per_label"].values())


def test_scores_match_a_hand_computed_example() -> None:
    gold = ["human", "human", "human", "human", "question", "question", "question", "question", "greet"]
    routed = ["human", "human", "human", "question", "question", "question", "cancel", "human", "greet"]
    report = score(gold, routed)
    human, question = report["per_label"]["human"], report["per_label"]["question"]
    assert (human["precision"], human["recall"], human["support"]) == (0.75, 0.75, 4)
    assert (question["precision"], question["recall"]) == (round(2 / 3, 4), 0.5)
    assert question["f1"] == round(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), 4)
    # cancel and human are both "elsewhere" for a question.
    assert report["question_routed_elsewhere"] == 0.5
    assert report["confusion"]["question"] == {"question": 2, "cancel": 1, "human": 1}
    assert report["n"] == 9


def test_macro_f1_averages_all_five_labels_even_when_one_is_absent() -> None:
    report = score(["greet", "question"], ["greet", "question"])
    assert report["per_label"]["human"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["macro_f1"] == 0.4


def test_gold_and_predictions_must_line_up() -> None:
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        score(["greet", "human"], ["greet"])


def test_latency_is_reported_in_milliseconds() -> None:
    assert latency_ms([0.001, 0.002, 0.003]) == {"median": 2.0, "p95": 3.0}
    assert latency_ms([]) == {"median": 0.0, "p95": 0.0}


# --- command line ------------------------------------------------------------------------------


def test_a_bad_file_fails_with_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "u.jsonl", '{"text": "hi", "label": "hello"}')
    assert main([str(path), "--model", str(tmp_path / "absent.tar.gz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "u.jsonl:1: unknown label 'hello'" in err


def test_a_missing_model_fails_with_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "u.jsonl", '{"text": "hi", "label": "greet"}')
    assert main([str(path), "--model", str(tmp_path / "absent.tar.gz")]) == 2
    assert "no trained model" in capsys.readouterr().err


@pytest.mark.skipif(not MODEL.is_file(), reason=f"no trained model at {MODEL} (run `make model`)")
def test_the_cli_routes_with_the_trained_model(tmp_path: Path) -> None:
    lines = [
        ("hello there", "greet"),
        ("bye for now", "goodbye"),
        ("thanks a lot", "thanks"),
        ("i want to talk to a human", "human"),
        ("how do i reset my password", "question"),
    ]
    path = write_lines(tmp_path / "u.jsonl", *(json.dumps({"text": t, "label": label}) for t, label in lines))
    result = subprocess.run(
        [sys.executable, "-m", "bot.evaluate_routing", str(path), "--model", str(MODEL)],
        cwd=ROOT,
        env=resolve({**os.environ, "SUPPORTBOT_DATA_DIR": str(MODEL.parent.parent)}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["per_label"]) == set(LABELS)
    assert set(report["per_label"]["human"]) >= {"precision", "recall", "f1"}
    assert report["n"] == 5
    # Examples this clear are in the training data: a failure here means the model was not used.
    assert report["per_label"]["human"]["recall"] == 1.0
    assert report["question_routed_elsewhere"] == 0.0
