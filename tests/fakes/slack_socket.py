"""A local Slack Socket Mode server for tests (127.0.0.1 only).

    with FakeSocketMode() as socket_mode, FakeSlack(connections_url=socket_mode.url) as slack:
        ...  # a client opens a connection through slack, gets `hello`
        envelope_id = socket_mode.push("events_api", payload)
        assert socket_mode.wait_for_acks(1)[0]["envelope_id"] == envelope_id

Built on aiohttp's server (the same API in the Rasa and the actions environments),
running its own event loop in a thread, so tests on either side of it can be
synchronous or asynchronous. Every connection gets a `hello`, then the envelopes
pushed so far (each to one connection). Text frames the client sends back are
recorded in `acks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._runner: web.AppRunner | None = None
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._sock.getsockname()[1]}/link/?ticket=fake"

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def push(
        self,
        type: str,
        payload: dict[str, Any],
        envelope_id: str | None = None,
        retry_attempt: int = 0,
    ) -> str:
        """Queue an envelope for the client; return its envelope_id."""
        envelope_id = envelope_id or uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": type != "events_api",
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        outbox = self._outbox
        assert outbox is not None, "use FakeSocketMode as a context manager"
        self._loop.call_soon_threadsafe(outbox.put_nowait, envelope)
        return envelope_id

    def push_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        outbox = self._outbox
        assert outbox is not None, "use FakeSocketMode as a context manager"
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        self._loop.call_soon_threadsafe(outbox.put_nowait, message)

    def wait_for_acks(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        """The first `count` acks, once that many have arrived; AssertionError after `timeout`."""
        return self._wait(lambda: self.acks, count, timeout, "acks")

    def wait_for_connections(self, count: int = 1, timeout: float = 5) -> None:
        self._wait(lambda: [None] * self.connections, count, timeout, "connections")

    def _wait(self, items: Any, count: int, timeout: float, what: str) -> list[Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                current = list(items())
            if len(current) >= count:
                return current[:count]
            time.sleep(0.01)
        raise AssertionError(f"expected {count} {what} within {timeout} s, got {len(current)}")

    async def _start(self) -> None:
        self._outbox = asyncio.Queue()
        app = web.Application()
        app.router.add_get("/link/", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        with self._lock:
            self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0FAKE"}})
        sender = asyncio.ensure_future(self._send_pushed(ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    with self._lock:
                        self.acks.append(json.loads(message.data))
        finally:
            sender.cancel()
            self._sockets.discard(ws)
        return ws

    async def _send_pushed(self, ws: web.WebSocketResponse) -> None:
        assert self._outbox is not None
        while not ws.closed:
            envelope = await self._outbox.get()
            await ws.send_json(envelope)
            with self._lock:
                self.sent.append(envelope)
