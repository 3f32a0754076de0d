"""python -m knowledge.evaluation SET_DIR --min-score 0.4 [--sweep]

Prints progress and the gate trade-off to stderr, and one JSON object on the
last line of stdout (see harness.py for its keys).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from knowledge.embeddings import MiniLMEmbeddings
from knowledge.evaluation import harness
from knowledge.evaluation.beir import EvaluationError, load_beir
from knowledge.runtime import configure_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluation")
    parser.add_argument("set", type=Path, help="a BEIR-format folder")
    parser.add_argument("--min-score", type=float, required=True, help="the answer gate (bot/support.yml)")
    parser.add_argument("--sweep", action="store_true", help="also print the gate trade-off table")
    args = parser.parse_args(argv)
    configure_cpu()
    try:
        data = load_beir(args.set)
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{data.name}: {len(data.corpus)} documents, {len(data.answerable)} answerable and "
        f"{len(data.unanswerable)} unanswerable queries",
        file=sys.stderr,
    )
    report, run = harness.evaluate(data, MiniLMEmbeddings(), args.min_score)
    if args.sweep:
        thresholds = [round(0.2 + 0.025 * i, 3) for i in range(17)]
        for row in harness.gate_tradeoff(data, run, thresholds):
            print(json.dumps(row), file=sys.stderr)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
