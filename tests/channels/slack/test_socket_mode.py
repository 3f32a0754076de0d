"""SocketModeRunner end to end: FakeSlack opens the connection, FakeSocketMode delivers."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from channels.slack.client import SlackUnavailable
from channels.slack.socket_mode import SocketModeRunner
from tests.channels.slack import payloads as p
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode

pytestmark = pytest.mark.timeout(30)
APP_TOKEN = "xapp-1-A0FAKE-1-0123456789"


class Handler:
    """Records (kind, payload); optionally waits for `release` or fails on the first call."""

    def __init__(self, block: bool = False, fail_first: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cancelled = 0
        self.block, self.fail_first = block, fail_first
        self.release = asyncio.Event()

    async def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        self.calls.append((kind, payload))
        if self.fail_first and len(self.calls) == 1:
            raise RuntimeError("the relay fell over")
        if self.block:
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise


def run_with_runner(
    slack: FakeSlack,
    handler: Handler,
    scenario: Callable[[SocketModeRunner], Awaitable[None]],
    **options: Any,
) -> None:
    async def main() -> None:
        runner = SocketModeRunner(APP_TOKEN, handler, base_url=slack.base_url, **options)
        await runner.start()
        try:
            await scenario(runner)
        finally:
            await runner.close()

    asyncio.run(main())


async def acks(socket_mode: FakeSocketMode, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    return await asyncio.to_thread(socket_mode.wait_for_acks, count, timeout)


def test_every_envelope_is_acknowledged_and_handled(slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    handler = Handler()
    event = p.event_callback(p.thread_reply("On it"), event_id="Ev1")

    async def scenario(runner: SocketModeRunner) -> None:
        ids = [
            socket_mode.push("events_api", event),
            socket_mode.push("interactive", p.block_actions()),
            socket_mode.push("slash_commands", p.slash_command()),
        ]
        assert [ack["envelope_id"] for ack in await acks(socket_mode, 3)] == ids
        await runner.drain()

    run_with_runner(slack, handler, scenario)
    assert handler.calls == [
        ("events_api", event),
        ("interactive", p.block_actions()),
        ("slash_commands", p.slash_command()),
    ]
    assert all(set(ack) == {"envelope_id"} for ack in socket_mode.acks)
    assert slack.calls("apps.connections.open")[0].token == APP_TOKEN


def test_a_replayed_envelope_is_acknowledged_but_handled_once(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    handler = Handler()
    event = p.event_callback(p.dm("hello"), event_id="Ev1")

    async def scenario(runner: SocketModeRunner) -> None:
        envelope_id = socket_mode.push("events_api", event)
        socket_mode.push("events_api", event, envelope_id=envelope_id, retry_attempt=1)
        socket_mode.push("events_api", event, retry_attempt=2)  # a new envelope for the same event
        assert [ack["envelope_id"] for ack in await acks(socket_mode, 3)][:2] == [envelope_id, envelope_id]
        await runner.drain()

    run_with_runner(slack, handler, scenario)
    assert handler.calls == [("events_api", event)]


def test_a_slow_handler_does_not_delay_acknowledgements(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    handler = Handler(block=True)

    async def scenario(runner: SocketModeRunner) -> None:
        started = time.monotonic()
        socket_mode.push("events_api", p.event_callback(p.dm("first"), event_id="Ev1"))
        socket_mode.push("events_api", p.event_callback(p.dm("second"), event_id="Ev2"))
        await acks(socket_mode, 2)
        assert time.monotonic() - started < 1.0
        assert len(handler.calls) == 2  # both started, both still waiting
        handler.release.set()
        await runner.drain()

    run_with_runner(slack, handler, scenario)
    assert handler.cancelled == 0


def test_a_failing_handler_does_not_end_the_connection(slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    handler = Handler(fail_first=True)

    async def scenario(runner: SocketModeRunner) -> None:
        socket_mode.push("events_api", p.event_callback(p.dm("first"), event_id="Ev1"))
        await acks(socket_mode, 1)
        await runner.drain()
        socket_mode.push("events_api", p.event_callback(p.dm("second"), event_id="Ev2"))
        await acks(socket_mode, 2)
        await runner.drain()

    run_with_runner(slack, handler, scenario)
    assert len(handler.calls) == 2


def test_it_reconnects_when_slack_asks(slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    handler = Handler()

    async def scenario(runner: SocketModeRunner) -> None:
        socket_mode.push_disconnect()
        await asyncio.to_thread(socket_mode.wait_for_connections, 2)
        socket_mode.push("events_api", p.event_callback(p.dm("after the refresh"), event_id="Ev1"))
        await acks(socket_mode, 1)
        await runner.drain()

    run_with_runner(slack, handler, scenario)
    assert len(handler.calls) == 1
    assert len(slack.calls("apps.connections.open")) == 2


def test_close_cancels_handlers_that_outlive_the_grace_period(
    slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    handler = Handler(block=True)

    async def scenario(runner: SocketModeRunner) -> None:
        socket_mode.push("events_api", p.event_callback(p.dm("stuck"), event_id="Ev1"))
        await acks(socket_mode, 1)

    run_with_runner(slack, handler, scenario, close_grace_seconds=0.1)
    assert handler.cancelled == 1


@pytest.mark.parametrize(
    ("token", "connections_url", "reason"),
    [("xoxb-invalid", "ws://unused", "invalid_auth"), (APP_TOKEN, "", "no_connections_url_set_in_test")],
)
def test_start_fails_fast_when_slack_refuses(
    slack: FakeSlack, token: str, connections_url: str, reason: str
) -> None:
    slack.connections_url = connections_url

    async def main() -> None:
        runner = SocketModeRunner(token, Handler(), base_url=slack.base_url)
        try:
            await runner.start()
        finally:
            await runner.close()

    with pytest.raises(SlackUnavailable) as unavailable:
        asyncio.run(main())
    assert (unavailable.value.method, unavailable.value.reason) == ("apps.connections.open", reason)


def test_start_gives_up_when_the_websocket_cannot_be_reached(slack: FakeSlack) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        slack.connections_url = f"ws://127.0.0.1:{probe.getsockname()[1]}/link/"

    async def main() -> None:
        runner = SocketModeRunner(
            APP_TOKEN, Handler(), base_url=slack.base_url, connect_timeout=0.5, ping_interval=0.1
        )
        await runner.start()

    started = time.monotonic()
    with pytest.raises(SlackUnavailable, match="no WebSocket connection within 0.5 s"):
        asyncio.run(main())
    assert time.monotonic() - started < 3


def test_nothing_connects_before_start_and_the_token_is_not_shown(slack: FakeSlack) -> None:
    runner = SocketModeRunner(APP_TOKEN, Handler(), base_url=slack.base_url)
    assert slack.calls() == []
    assert APP_TOKEN not in repr(runner)
