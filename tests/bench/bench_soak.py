"""Bounded soak: N customers for M minutes against the real stack; memory growth and errors.

    make bench-soak MINUTES=30 [CUSTOMERS=8]
    python -m tests.bench.bench_soak --minutes 30 --customers 8

A benchmark, not a CI test. Customers ask the sample help centre's questions
in closed loop; each leaves after `--conversation-turns` turns and a new
customer (a new conversation) takes its place, as on a website. The resident
memory of both servers is sampled every `--interval` seconds. The baseline is
the sample at the end of the settling period (the first tenth of the run, at
most two minutes: caches, allocator arenas and the model's buffers fill up
then); growth is the median of the last three samples over that baseline. The
last line on stdout is JSON: memory_growth per process (and the largest),
errors, answers, latency percentiles for the whole run and for its first and
last minute, and every sample.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.bench.bench_latency import BENCH_DIR, QUESTIONS, helpcentre_questions, log
from tests.bench.loadgen import LoadResult, Turn, run_load
from tests.bench.procs import rss_bytes
from tests.bench.targets import Target, ours

MB = 2**20


async def sample_memory(target: Target, interval: float, samples: list[dict[str, float]]) -> None:
    start = time.monotonic()
    while True:
        sample = {name: round(rss_bytes(pid) / MB, 1) for name, pid in target.pids.items()}
        samples.append({"t": round(time.monotonic() - start, 1), **sample})
        await asyncio.sleep(interval)


def growth(samples: list[dict[str, float]], settle_seconds: float, names: Sequence[str]) -> dict[str, Any]:
    """Growth of each process's RSS from the end of the settling period to the end of the run."""
    settled = [s for s in samples if s["t"] >= settle_seconds] or samples[-1:]
    baseline, tail = settled[0], settled[-3:]
    result: dict[str, Any] = {}
    for name in [*names, "total"]:

        def value(sample: dict[str, float], key: str = name) -> float:
            return sum(sample[n] for n in names) if key == "total" else sample[key]

        start, end = value(baseline), statistics.median(value(s) for s in tail)
        result[name] = {"baseline_mb": start, "end_mb": round(end, 1), "growth": round(end / start - 1, 4)}
    return result


def minute_p95(turns: list[Turn], first: bool) -> float | None:
    if not turns:
        return None
    edge = min(t.started for t in turns) + 60 if first else max(t.started for t in turns) - 60
    picked = [t for t in turns if (t.started < edge if first else t.started > edge) and t.error is None]
    return LoadResult(picked, 1.0).summary()["p95_ms"]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = helpcentre_questions(args.questions)
    seconds = args.minutes * 60
    settle = min(120.0, seconds / 10)
    samples: list[dict[str, float]] = []
    progress = {"answers": 0, "errors": 0, "next": time.monotonic() + 60}

    def on_turn(turn: Turn) -> None:
        progress["answers" if turn.error is None else "errors"] += 1
        if time.monotonic() >= progress["next"]:
            progress["next"] += 60
            log(f"soak: {progress['answers']} answers, {progress['errors']} errors, rss {samples[-1]}")

    with ours(args.bench_dir, args.model, folder="soak", endpoints=args.endpoints) as target:
        log(f"soak: {args.customers} customers for {args.minutes} min (settling {settle:.0f} s)")
        sampler = asyncio.create_task(sample_memory(target, args.interval, samples))
        result = await run_load(
            target.customer,
            questions,
            args.customers,
            seconds=seconds,
            warmup=args.warmup,
            on_turn=on_turn,
            recover=target.recover,
            conversation_turns=args.conversation_turns,
        )
        sampler.cancel()
        samples.append(
            {"t": round(seconds, 1)}
            | {name: round(rss_bytes(pid) / MB, 1) for name, pid in target.pids.items()}
        )
    memory = growth(samples, settle, list(target.pids))
    summary = result.summary()
    return {
        "minutes": args.minutes,
        "customers": args.customers,
        "memory_growth": max(memory[name]["growth"] for name in target.pids),
        **summary,
        "first_minute_p95_ms": minute_p95(result.turns, first=True),
        "last_minute_p95_ms": minute_p95(result.turns, first=False),
        "first_errors": sorted({t.error for t in result.errors if t.error})[:3],
        "memory": memory,
        "samples": samples,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--conversation-turns", type=int, default=20, help="turns before a customer leaves")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between memory samples")
    parser.add_argument("--model", type=Path, help="our Rasa model (default: the product's, var/models)")
    parser.add_argument("--endpoints", type=Path, help="instead of bot/endpoints.yml (to try a change)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--bench-dir", type=Path, default=BENCH_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    result = asyncio.run(run(parse_args(argv)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
