"""Latency and throughput under load, ours against a bare `rasa init` assistant, same run.

    make bench-latency [CUSTOMERS=8 TURNS=25]
    python -m tests.bench.bench_latency --customers 8 --turns 25 [--model var/bench/models/x.tar.gz]

First the reference (Rasa's init template plus a no-op custom action, over
Rasa's REST channel), then the product (its widget WebSocket, the sample help
centre), with the same number of customers and turns; after each, one long
conversation, to see what history costs. Progress goes to
stderr; the last line on stdout is JSON: ours at the top level (p50_ms, p95_ms,
p99_ms, throughput, errors, grounded_share), the reference beside it, and the
ratios (ours over the reference). How "full answer" and the rest are defined:
tests/bench/loadgen.py and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.bench.loadgen import Turn, long_conversation, run_load
from tests.bench.procs import CpuMeter, cpu_seconds, rss_bytes
from tests.bench.reference import NOOP_REPLY
from tests.bench.targets import Target, ours, reference

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "var" / "bench"
QUESTIONS = ROOT / "tests" / "knowledge" / "helpcentre_questions.yml"
EDGE = 10  # turns averaged (median) at each end of the long conversation


def helpcentre_questions(path: Path = QUESTIONS) -> list[str]:
    """The sample help centre's hand-written customer questions that it can answer."""
    return [item["question"] for item in yaml.safe_load(path.read_text())["answerable"]]


async def measure(target: Target, questions: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    log(f"{target.name}: {args.customers} customers x {args.turns} turns (+{args.warmup} warm-up)")
    meter = CpuMeter(target.pids)
    meter.start()  # after warm-up would be cleaner, but warm-up turns are few and cheap
    result = await run_load(
        target.customer,
        questions,
        args.customers,
        turns=args.turns,
        warmup=args.warmup,
        recover=target.recover,
    )
    cpu = meter.stop()
    summary = result.summary()
    summary["cpu_ms_per_answer"] = {
        name: round(1000 * seconds / max(1, len(result.turns) + args.warmup * args.customers), 1)
        for name, seconds in cpu.items()
    }
    summary["rss_mb"] = {name: round(rss_bytes(pid) / 2**20, 1) for name, pid in target.pids.items()}
    summary["first_errors"] = sorted({t.error for t in result.errors if t.error})[:3]
    if target.name == "reference":  # how often the rule sent the turn through the no-op action
        noop = sum(NOOP_REPLY in t.texts for t in result.answered)
        summary["custom_action_share"] = round(noop / len(result.answered), 3) if result.answered else None
    log(f"{target.name}: {json.dumps(summary)}")
    return summary


async def measure_long(target: Target, questions: Sequence[str], turns: int) -> dict[str, Any]:
    """The first and the last EDGE turns of one long conversation, by wall clock and by server CPU."""
    log(f"{target.name}: one conversation of {turns} turns")
    cpu: dict[int, dict[str, float]] = {}
    marks = {0, EDGE, turns - EDGE}

    def before_turn(n: int) -> None:
        if n in marks:
            cpu[n] = {name: cpu_seconds(pid) for name, pid in target.pids.items()}

    conversation = await long_conversation(target.customer(0), questions, turns, target.recover, before_turn)
    cpu[turns] = {name: cpu_seconds(pid) for name, pid in target.pids.items()}

    def per_turn(start: int, end: int) -> dict[str, float]:
        return {name: round(1000 * (cpu[end][name] - cpu[start][name]) / EDGE, 1) for name in target.pids}

    first, last = per_turn(0, EDGE), per_turn(turns - EDGE, turns)
    summary = long_summary(conversation)
    summary |= {
        "first_turns_cpu_ms": first,
        "last_turns_cpu_ms": last,
        "cpu_ratio": round(sum(last.values()) / sum(first.values()), 3) if sum(first.values()) else None,
    }
    return summary


def long_summary(turns: list[Turn]) -> dict[str, Any]:
    """Median of the first and of the last EDGE turns: one turn alone is too noisy to compare."""
    ms = [t.seconds * 1000 for t in turns]
    first, last = statistics.median(ms[:EDGE]), statistics.median(ms[-EDGE:])
    return {
        "turns": len(turns),
        "errors": sum(t.error is not None for t in turns),
        "first_turns_ms": round(first, 1),
        "last_turns_ms": round(last, 1),
        "ratio": round(last / first, 3),
    }


def ratios(ours_: dict[str, Any], reference_: dict[str, Any]) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        return round(ours_[key] / reference_[key], 3) if ours_[key] and reference_[key] else None

    return {
        "throughput_ratio": ratio("throughput"),
        "p50_ratio": ratio("p50_ms"),
        "p95_ratio": ratio("p95_ms"),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = helpcentre_questions(args.questions)
    result: dict[str, Any] = {"customers": args.customers, "turns": args.turns, "warmup": args.warmup}
    if not args.skip_reference:
        with reference(args.bench_dir) as target:
            result["reference"] = await measure(target, questions, args)
            if args.long_turns:  # what history costs a bare Rasa assistant, for comparison
                result["reference"]["long_conversation"] = await measure_long(
                    target, questions, args.long_turns
                )
    with ours(args.bench_dir, args.model, endpoints=args.endpoints) as target:
        mine = await measure(target, questions, args)
        if args.long_turns:
            mine["long_conversation"] = await measure_long(target, questions, args.long_turns)
    result = {**mine, **result}
    if "reference" in result:
        result |= ratios(mine, result["reference"])
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_latency", description=__doc__)
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--turns", type=int, default=25, help="measured turns per customer")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured turns per customer first")
    parser.add_argument("--long-turns", type=int, default=200, help="one conversation's turns (0: skip)")
    parser.add_argument("--model", type=Path, help="our Rasa model (default: the product's, var/models)")
    parser.add_argument("--endpoints", type=Path, help="instead of bot/endpoints.yml (to try a change)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--bench-dir", type=Path, default=BENCH_DIR)
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
