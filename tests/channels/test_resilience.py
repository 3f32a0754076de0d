"""A silent turn while the action server is down: the customer is told, and the log says so."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused
from rasa.utils.endpoints import EndpointConfig

from channels.resilience import (
    TEMPORARILY_UNAVAILABLE,
    UNAVAILABLE_MARK,
    WatchedOutput,
    action_server_healthy,
    health_url,
    probe_url,
    reply_when_unavailable,
)


class Log:
    def __init__(self, fail: bool = False) -> None:
        self.added: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    async def add_bot_message(self, conversation_id: str, message: dict[str, Any]) -> dict[str, Any]:
        if self.fail:
            raise ConnectionError("database gone")
        self.added.append((conversation_id, message))
        return message


class Rasa:
    """Rasa's handler as the channels see it: replies (or not) through the message's output channel."""

    def __init__(self, replies: bool) -> None:
        self.replies = replies
        self.store = InMemoryTrackerStore(Domain.empty())
        self.agent = SimpleNamespace(tracker_store=self.store, action_endpoint=None)

    async def handle(self, message: UserMessage) -> str:
        if self.replies:
            await message.output_channel.send_response(message.sender_id, {"text": "Hi!"})
        return "handled"

    def pause(self, sender: str) -> None:
        async def save() -> None:
            tracker = await self.store.get_or_create_tracker(sender)
            tracker.update(ConversationPaused())
            await self.store.save(tracker)

        asyncio.run(save())


class Probe:
    def __init__(self, healthy: bool) -> None:
        self.healthy, self.calls = healthy, 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.healthy


class Output(OutputChannel):
    """Keeps whole messages (Rasa's CollectingOutputChannel splits text and custom)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(message)


class BrokenOutput(OutputChannel):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        raise ConnectionError("Slack is down too")


def turn(rasa: Rasa, log: Log, probe: Probe, output: OutputChannel | None = None) -> tuple[Any, Any]:
    output = output or Output()
    handler = reply_when_unavailable(rasa.handle, lambda: rasa.agent, log, probe)  # type: ignore[arg-type, return-value]
    message = UserMessage("how do I export?", output, sender_id="c1")
    return asyncio.run(handler(message)), output


def test_a_silent_turn_while_the_action_server_is_down_is_answered_and_logged() -> None:
    rasa, log = Rasa(replies=False), Log()
    result, output = turn(rasa, log, Probe(healthy=False))
    assert result == "handled"  # Rasa's own result passes through
    assert [m["text"] for m in output.messages] == [TEMPORARILY_UNAVAILABLE]
    assert output.messages[0]["custom"] == UNAVAILABLE_MARK
    assert log.added == [("c1", {"text": TEMPORARILY_UNAVAILABLE, "custom": UNAVAILABLE_MARK})]


def test_a_turn_that_replied_costs_no_health_check() -> None:
    rasa, log, probe = Rasa(replies=True), Log(), Probe(healthy=False)
    _, output = turn(rasa, log, probe)
    assert [m["text"] for m in output.messages] == ["Hi!"]
    assert probe.calls == 0 and log.added == []


def test_a_silent_turn_with_the_action_server_up_stays_silent() -> None:
    rasa, log, probe = Rasa(replies=False), Log(), Probe(healthy=True)
    _, output = turn(rasa, log, probe)
    assert output.messages == [] and log.added == [] and probe.calls == 1


def test_while_a_person_has_the_conversation_silence_is_expected() -> None:
    rasa, log = Rasa(replies=False), Log()
    rasa.pause("c1")
    _, output = turn(rasa, log, Probe(healthy=False))
    assert output.messages == [] and log.added == []


def test_the_reply_is_logged_even_when_it_cannot_be_delivered() -> None:
    rasa, log = Rasa(replies=False), Log()
    turn(rasa, log, Probe(healthy=False), BrokenOutput())
    assert [m["text"] for _, m in log.added] == [TEMPORARILY_UNAVAILABLE]


def test_a_log_that_fails_does_not_fail_the_turn() -> None:
    rasa = Rasa(replies=False)
    result, output = turn(rasa, Log(fail=True), Probe(healthy=False))
    assert result == "handled" and [m["text"] for m in output.messages] == [TEMPORARILY_UNAVAILABLE]


def test_the_watched_output_keeps_the_channels_name() -> None:
    watched = WatchedOutput(CollectingOutputChannel())
    assert watched.name() == "collector" and not watched.sent
    asyncio.run(watched.send_text_message("c1", "hello"))
    assert watched.sent and watched.inner.messages[0]["text"] == "hello"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("webhook", "health"),
    [
        ("http://127.0.0.1:5055/webhook", "http://127.0.0.1:5055/health"),
        ("http://actions:5055/webhook/", "http://actions:5055/health"),
        ("https://bot.example.com/actions", "https://bot.example.com/actions/health"),
    ],
)
def test_the_health_url_sits_beside_the_webhook(webhook: str, health: str) -> None:
    assert health_url(webhook) == health


class Health(BaseHTTPRequestHandler):
    status = 200
    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the probe gave up first
            self.send_response(self.status if self.path == "/health" else 404)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Health,), {}))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(server: ThreadingHTTPServer, path: str = "/health") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_the_probe_reads_the_health_route(server: ThreadingHTTPServer) -> None:
    assert asyncio.run(probe_url(url(server), 2.0)) is True
    server.RequestHandlerClass.status = 503  # type: ignore[attr-defined]
    assert asyncio.run(probe_url(url(server), 2.0)) is False


def test_a_hanging_action_server_counts_as_down_within_the_timeout(server: ThreadingHTTPServer) -> None:
    server.RequestHandlerClass.delay = 1.5  # type: ignore[attr-defined]
    started = time.monotonic()
    assert asyncio.run(probe_url(url(server), 0.3)) is False
    assert time.monotonic() - started < 1.0


def test_a_closed_port_counts_as_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert asyncio.run(probe_url(f"http://127.0.0.1:{port}/health", 2.0)) is False


def test_the_agents_action_endpoint_is_probed(server: ThreadingHTTPServer) -> None:
    agent = SimpleNamespace(action_endpoint=EndpointConfig(url(server, "/webhook")))
    assert asyncio.run(action_server_healthy(agent)) is True  # type: ignore[arg-type]
    assert asyncio.run(action_server_healthy(SimpleNamespace(action_endpoint=None))) is True  # type: ignore[arg-type]
