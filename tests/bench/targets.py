"""The two systems under load, started on free ports, with how to talk to each.

with ours(bench_dir) as target:          # the product: widget WebSocket
    await run_load(target.customer, questions, customers=8, turns=25)
with reference(bench_dir) as target:     # bare `rasa init` + no-op action: REST channel
    ...
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.loadgen import Customer, RestCustomer, WidgetCustomer
from tests.bench.reference import ReferenceStack, ensure_reference
from tests.e2e.stack import make_stack

QUESTION_TIMEOUT = 60.0
# Simulated customers ask at machine speed, all from 127.0.0.1: the rate limits
# (channels/limits.py), made for people, would refuse most of their messages.
UNLIMITED = {
    "RATE_LIMIT_MESSAGES_PER_CONVERSATION": "0",
    "RATE_LIMIT_MESSAGES_PER_ADDRESS": "0",
    "RATE_LIMIT_CONNECTIONS_PER_ADDRESS": "0",
}


@dataclass
class Target:
    name: str
    customer: Callable[[int], Customer]  # customer i
    pids: dict[str, int]  # "rasa" / "actions" -> server process id
    logs: dict[str, Path]
    recover: str | None = None  # what a customer says after a turn without a knowledge answer


@contextmanager
def ours(
    bench_dir: Path,
    model: Path | None = None,
    folder: str = "ours",
    endpoints: Path | None = None,
    **env: str,
) -> Iterator[Target]:
    """The product as `make run` starts it (bot/serve.py's Stack), with a fresh data folder
    (bench_dir/folder-*): a copy of the built index, an empty SQLite conversation log.
    `endpoints` replaces bot/endpoints.yml, to try a tracker store before adopting it."""
    bench_dir.mkdir(parents=True, exist_ok=True)
    # A folder of its own, so two runs never share a conversation log; kept if the run fails.
    data_dir = Path(tempfile.mkdtemp(prefix=f"{folder}-", dir=bench_dir))
    stack = make_stack(data_dir, **{**UNLIMITED, **({"RASA_MODEL": str(model)} if model else {}), **env})
    if endpoints is not None:
        command = stack.rasa.command
        command[command.index("--endpoints") + 1] = str(endpoints)
    stack.start()
    try:
        assert stack.rasa.process and stack.actions.process
        yield Target(
            "ours",
            lambda _i: WidgetCustomer(stack.websocket_url, QUESTION_TIMEOUT),
            {"rasa": stack.rasa.process.pid, "actions": stack.actions.process.pid},
            {"rasa": stack.rasa.log_path, "actions": stack.actions.log_path},
            recover="cancel",  # leaves the contact form a question routed to a person started
        )
    finally:
        stack.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def reference(bench_dir: Path) -> Iterator[Target]:
    model = ensure_reference(bench_dir)
    stack = ReferenceStack(model, bench_dir / "reference")
    with stack:
        assert stack.rasa.process and stack.actions.process
        yield Target(
            "reference",
            lambda _i: RestCustomer(stack.rest_url, QUESTION_TIMEOUT),
            {"rasa": stack.rasa.process.pid, "actions": stack.actions.process.pid},
            {"rasa": stack.rasa.log_path, "actions": stack.actions.log_path},
        )
