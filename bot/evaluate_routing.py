"""How well the trained NLU routes messages: per-label precision, recall and F1.

    python -m bot.evaluate_routing utterances.jsonl [--model var/models/supportbot.tar.gz]

Each input line is ``{"text": ..., "label": ...}`` with a label in ``LABELS``. The
model's intent is mapped to the label the rules act on (``route``): ``question``
and the FallbackClassifier's ``nlu_fallback`` both reach the knowledge answer, so
both count as "question"; an intent that is not a label (``cancel``) counts as
wrong. A table goes to stdout and the last line is the report as JSON; a bad
input file or a missing model fails with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

LABELS = ("greet", "goodbye", "thanks", "human", "question")
# Intents the rules send to the knowledge answer (bot/data/rules.yml).
QUESTION_INTENTS = frozenset({"question", "nlu_fallback"})
DEFAULT_MODEL = Path(os.environ.get("SUPPORTBOT_DATA_DIR") or "var") / "models" / "supportbot.tar.gz"


class DataError(ValueError):
    """One line naming the file, the line and what is wrong with it."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str


class LabelScores(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int  # gold lines with this label


class Report(TypedDict):
    per_label: dict[str, LabelScores]
    macro_f1: float  # unweighted mean of the per-label F1 over LABELS
    n: int
    confusion: dict[str, dict[str, int]]  # gold label -> routed label -> count
    question_routed_elsewhere: float  # share of gold "question" lines not routed to the knowledge answer


def parse_line(line: str, where: str) -> Example:
    """One JSON line as an ``Example``, or a ``DataError`` saying what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: not a JSON line ({error.msg})") from None
    if not isinstance(record, dict):
        raise DataError(f'{where}: expected an object with "text" and "label"')
    missing = [key for key in ("text", "label") if key not in record]
    if missing:
        raise DataError(f"{where}: missing key {', '.join(repr(k) for k in missing)}")
    text, label = record["text"], record["label"]
    if not isinstance(text, str) or not text.strip():
        raise DataError(f'{where}: "text" must be a non-empty string')
    if label not in LABELS:
        raise DataError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
    return Example(text=text, label=label)


def load_examples(path: Path) -> list[Example]:
    """Every non-blank line of a JSON-lines file; fails on the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read ({error})") from None
    examples = [parse_line(line, f"{path}:{number}") for number, line in enumerate(lines, 1) if line.strip()]
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def route(intent: str) -> str:
    """The label a predicted intent is routed to (an unknown intent is its own label)."""
    return "question" if intent in QUESTION_INTENTS else intent


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(gold: Sequence[str], routed: Sequence[str]) -> Report:
    """Per-label precision/recall/F1, macro F1 and the confusion counts.

    >>> score(["human", "question"], ["human", "greet"])["per_label"]["human"]["recall"]
    1.0
    """
    if len(gold) != len(routed):
        raise ValueError(f"{len(gold)} gold labels but {len(routed)} predictions")
    confusion: dict[str, dict[str, int]] = {}
    for truth, guess in zip(gold, routed, strict=True):
        row = confusion.setdefault(truth, {})
        row[guess] = row.get(guess, 0) + 1
    per_label: dict[str, LabelScores] = {}
    for label in LABELS:
        hits = confusion.get(label, {}).get(label, 0)
        predicted = sum(row.get(label, 0) for row in confusion.values())
        support = sum(confusion.get(label, {}).values())
        precision = hits / predicted if predicted else 0.0
        recall = hits / support if support else 0.0
        per_label[label] = LabelScores(
            precision=round(precision, 4),
            recall=round(recall, 4),
            f1=round(_f1(precision, recall), 4),
            support=support,
        )
    questions = confusion.get("question", {})
    n_questions = sum(questions.values())
    elsewhere = n_questions - questions.get("question", 0)
    return Report(
        per_label=per_label,
        macro_f1=round(statistics.fmean(s["f1"] for s in per_label.values()), 4),
        n=len(gold),
        confusion=confusion,
        question_routed_elsewhere=round(elsewhere / n_questions, 4) if n_questions else 0.0,
    )


def format_table(report: Report) -> str:
    """The report as a small fixed-width table for people."""
    rows = [f"{'label':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}"]
    for label, s in report["per_label"].items():
        rows.append(f"{label:<10}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['support']:>6}")
    rows.append(f"macro F1 {report['macro_f1']:.3f} over {report['n']} lines")
    rows.append(f"question routed elsewhere: {report['question_routed_elsewhere']:.1%}")
    return "\n".join(rows)


def predict_intents(model_path: Path, texts: Iterable[str]) -> tuple[list[str], list[float]]:
    """The top intent for each text and the seconds each parse took (model loaded once)."""
    import structlog  # Rasa's dependency; unconfigured it prints every parse to stdout
    from rasa.core.agent import Agent  # imported here: Rasa takes seconds to import

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    agent = Agent.load(str(model_path))

    async def parse_all() -> tuple[list[str], list[float]]:
        intents: list[str] = []
        seconds: list[float] = []
        for text in texts:
            started = time.perf_counter()
            parsed: dict[str, Any] = await agent.parse_message(text)
            seconds.append(time.perf_counter() - started)
            intents.append(str((parsed.get("intent") or {}).get("name")))
        return intents, seconds

    return asyncio.run(parse_all())


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median and 95th percentile (nearest rank) of per-message parse times, in ms."""
    ms = sorted(1000 * s for s in seconds)
    if not ms:
        return {"median": 0.0, "p95": 0.0}
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
    return {"median": round(statistics.median(ms), 2), "p95": round(p95, 2)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.evaluate_routing",
        description="Route each {text, label} line with the trained NLU and report P/R/F1 per label.",
    )
    parser.add_argument("file", type=Path, help="JSON lines with text and label")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="trained Rasa model (.tar.gz)")
    parser.add_argument(
        "--show-errors",
        action="store_true",
        help="also print each misrouted line (for your own held-out files, not for tuning to a benchmark)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        examples = load_examples(args.file)
    except DataError as error:
        print(f"evaluate_routing: {error}", file=sys.stderr)
        return 2
    if not args.model.is_file():
        print(f"evaluate_routing: {args.model}: no trained model (run `make model`)", file=sys.stderr)
        return 2
    intents, seconds = predict_intents(args.model, [e.text for e in examples])
    routed = [route(i) for i in intents]
    report = score([e.label for e in examples], routed)
    if args.show_errors:
        for example, label in zip(examples, routed, strict=True):
            if label != example.label:
                print(f"{example.label} -> {label}: {example.text}")
    latency = latency_ms(seconds)
    print(format_table(report))
    print(f"parse latency: median {latency['median']} ms, p95 {latency['p95']} ms")
    print(json.dumps({**report, "latency_ms": latency}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
