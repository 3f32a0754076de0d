"""Closed-loop load: N simulated customers, each asking its next question once the last is answered.

    questions = ["how do I reset my password?", ...]
    result = await run_load(lambda i: WidgetCustomer(url), questions, customers=8, turns=25, warmup=3)
    result.summary()  # {"p50_ms": ..., "p95_ms": ..., "throughput": ..., "errors": ...}

One asyncio process drives every customer, so the load generator costs one
core's share at most; it only waits on sockets. A turn's time is from sending
the message to the *full answer*: for the widget, every frame up to the
typing-off frame that closes the turn (the bot's reply and any buttons,
citations included); for Rasa's REST channel, the HTTP response, which Rasa
sends once the turn is processed. Warm-up turns (the first turns of every
customer, while caches fill) are not counted; a barrier starts every
customer's measured turns together, so throughput is answers over the
wall-clock time of the measured window.

A customer whose question got no knowledge answer (it was routed to a person,
say, and the contact form asks for an email address) says `recover` ("cancel")
next, as a person would, so one question does not derail the rest of the
conversation; that turn is measured like any other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import websockets

logger = logging.getLogger(__name__)
TURN_TIMEOUT = 60.0  # seconds before a turn counts as an error


class TurnError(Exception):
    """The turn did not produce a full answer (error frame, timeout, closed socket, bad status)."""


@dataclass(frozen=True)
class Reply:
    texts: list[str]
    grounded: bool  # a knowledge answer: at least one reply cites an article


class Customer(Protocol):
    async def connect(self) -> None: ...

    async def ask(self, text: str) -> Reply: ...

    async def close(self) -> None: ...


class WidgetCustomer:
    """A website widget: hello, then messages, over the widget WebSocket (docs/widget-protocol.md)."""

    def __init__(self, url: str, timeout: float = TURN_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self.ws: Any = None

    async def connect(self) -> None:
        try:
            self.ws = await websockets.connect(self.url, max_size=2**20, open_timeout=self.timeout)
            await self.ws.send(json.dumps({"type": "hello", "conversation_id": None}))
        except (OSError, TimeoutError, websockets.WebSocketException) as error:
            raise TurnError(f"cannot connect: {type(error).__name__}: {error}") from None
        welcome = await self._next()
        if welcome.get("type") != "welcome":
            raise TurnError(f"expected a welcome frame, got {welcome}")

    async def ask(self, text: str) -> Reply:
        if self.ws is None:
            raise TurnError("not connected")
        try:
            await self.ws.send(json.dumps({"type": "message", "text": text}))
        except websockets.WebSocketException as error:
            raise TurnError(f"socket closed: {error}") from None
        texts: list[str] = []
        grounded = False
        while (frame := await self._next()) != {"type": "typing", "on": False}:
            if frame.get("type") == "error":
                raise TurnError(f"error frame: {frame.get('code')}")
            if frame.get("type") == "bot":
                texts.append(frame.get("text") or "")
                grounded = grounded or bool(frame.get("citations"))
        if not texts:
            raise TurnError("the turn ended without a bot message")
        return Reply(texts, grounded)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _next(self) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
        except (TimeoutError, websockets.WebSocketException) as error:
            raise TurnError(f"no frame: {type(error).__name__}") from None
        return dict(json.loads(raw))


class RestCustomer:
    """A customer over Rasa's REST channel (/webhooks/rest/webhook): for assistants without the widget."""

    def __init__(self, url: str, timeout: float = TURN_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self.sender = uuid.uuid4().hex
        self.client: Any = None

    async def connect(self) -> None:
        self.client = httpx.AsyncClient()  # one keep-alive connection, like a widget's socket

    async def ask(self, text: str) -> Reply:
        try:
            response = await self.client.post(
                self.url, json={"sender": self.sender, "message": text}, timeout=self.timeout
            )
        except httpx.HTTPError as error:
            raise TurnError(f"{type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise TurnError(f"HTTP {response.status_code}")
        messages = response.json()
        if not messages:
            raise TurnError("no bot message")
        return Reply([m.get("text") or "" for m in messages], False)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()


@dataclass
class Turn:
    customer: int
    index: int  # 0-based position in the customer's conversation, warm-up included
    started: float  # monotonic seconds
    seconds: float
    error: str | None = None
    grounded: bool = False
    texts: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    turns: list[Turn]  # measured turns only
    window_seconds: float  # wall-clock time of the measured window

    @property
    def answered(self) -> list[Turn]:
        return [t for t in self.turns if t.error is None]

    @property
    def errors(self) -> list[Turn]:
        return [t for t in self.turns if t.error is not None]

    def summary(self) -> dict[str, Any]:
        times = sorted(t.seconds * 1000 for t in self.answered)
        knowledge = sorted(t.seconds * 1000 for t in self.answered if t.grounded)
        answered = len(self.answered)
        grounded = len(knowledge) / answered if answered else 0.0
        return {
            "answers": answered,
            "errors": len(self.errors),
            "p50_ms": _ms(percentile(times, 50)),
            "p95_ms": _ms(percentile(times, 95)),
            "p99_ms": _ms(percentile(times, 99)),
            "max_ms": _ms(times[-1] if times else None),
            "throughput": round(answered / self.window_seconds, 2) if self.window_seconds else 0.0,
            "grounded_share": round(grounded, 3),
            "knowledge_p95_ms": _ms(percentile(knowledge, 95)),  # grounded answers only
            "window_seconds": round(self.window_seconds, 2),
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), on sorted values; None if empty."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


async def run_load(
    make_customer: Callable[[int], Customer],
    questions: Sequence[str],
    customers: int,
    turns: int | None = None,
    warmup: int = 3,
    seconds: float | None = None,
    on_turn: Callable[[Turn], None] | None = None,
    recover: str | None = None,
    conversation_turns: int | None = None,
) -> LoadResult:
    """Every customer asks `warmup` questions, waits for the others, then asks `turns` more
    (or keeps asking for `seconds`). Customer i starts at question i * len/customers, so the
    customers ask different questions at the same time. With `conversation_turns`, a customer
    leaves after that many measured turns and a new one (a new conversation) takes its place."""
    if (turns is None) == (seconds is None):
        raise ValueError("give exactly one of turns and seconds")
    duration = float("inf") if seconds is None else seconds
    barrier = asyncio.Barrier(customers)
    window: dict[str, float] = {}
    measured: list[Turn] = []

    async def customer(i: int) -> None:
        client = make_customer(i)
        script = Script(questions, i * len(questions) // customers, recover)
        try:
            await client.connect()
            for n in range(warmup):
                script.done(await _turn(client, i, n, script.next()))
        finally:
            await barrier.wait()  # a customer that failed to start must not block the others
        window.setdefault("start", time.monotonic())
        n = warmup
        try:
            while n - warmup < turns if turns is not None else time.monotonic() - window["start"] < duration:
                if conversation_turns and n > warmup and (n - warmup) % conversation_turns == 0:
                    client = await _replace(client, make_customer(i))
                turn = await _turn(client, i, n, script.next())
                script.done(turn)
                measured.append(turn)
                if on_turn is not None:
                    on_turn(turn)
                n += 1
        finally:
            await client.close()
        window["end"] = max(window.get("end", 0.0), time.monotonic())

    await asyncio.gather(*(customer(i) for i in range(customers)))
    return LoadResult(measured, window.get("end", 0.0) - window.get("start", 0.0))


async def _replace(old: Customer, new: Customer) -> Customer:
    await old.close()
    try:
        await new.connect()
    except TurnError as error:  # counted by the turn that follows, which fails too
        logger.warning("a new customer could not connect: %s", error)
    return new


async def _turn(client: Customer, customer: int, index: int, question: str) -> Turn:
    started = time.monotonic()
    try:
        reply = await client.ask(question)
    except TurnError as error:
        return Turn(customer, index, started, time.monotonic() - started, error=str(error))
    seconds = time.monotonic() - started
    return Turn(customer, index, started, seconds, grounded=reply.grounded, texts=reply.texts)


@dataclass
class Script:
    """What one customer says next: the next question, or `recover` after a turn with no knowledge answer."""

    questions: Sequence[str]
    position: int = 0
    recover: str | None = None
    _recovering: bool = False

    def next(self) -> str:
        if self._recovering:
            assert self.recover is not None
            return self.recover
        text = self.questions[self.position % len(self.questions)]
        self.position += 1
        return text

    def done(self, turn: Turn) -> None:
        was_recovery, self._recovering = self._recovering, False
        if self.recover is not None and not was_recovery and turn.error is None and not turn.grounded:
            self._recovering = True


async def long_conversation(
    customer: Customer,
    questions: Sequence[str],
    turns: int,
    recover: str | None = None,
    before_turn: Callable[[int], None] | None = None,
) -> list[Turn]:
    """One customer, `turns` turns in one conversation: how the answer time grows with history."""
    script = Script(questions, 0, recover)
    done: list[Turn] = []
    await customer.connect()
    try:
        for n in range(turns):
            if before_turn is not None:
                before_turn(n)
            done.append(await _turn(customer, 0, n, script.next()))
            script.done(done[-1])
        return done
    finally:
        await customer.close()
