"""Receive Slack events over Socket Mode: acknowledge at once, handle in the background.

    async def handle(kind: str, payload: dict) -> None:
        item = events.parse(kind, payload)
        ...

    runner = SocketModeRunner(settings.app_token, handle)
    await runner.start()   # raises SlackUnavailable if Slack refuses the app token
    ...
    await runner.close()

Built on slack_sdk's aiohttp SocketModeClient, which reconnects by itself. Every
envelope is acknowledged before `handle` is scheduled as a task, so a slow handler
never makes Slack retry; an envelope id (or event id) seen before is acknowledged
and dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack import messages
from channels.slack.client import SlackUnavailable, call, make_client
from channels.slack.dedupe import RecentIds

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class SocketModeRunner:
    def __init__(
        self,
        app_token: str,
        handle: Handler,
        web_client: AsyncWebClient | None = None,
        base_url: str | None = None,
        *,
        dedupe: RecentIds | None = None,
        ping_interval: float = 5,
        connect_timeout: float = 30,
        close_grace_seconds: float = 5,
    ) -> None:
        """`web_client` (or one built for `base_url`) only opens connections (app token).

        Nothing connects until `start()`: slack_sdk's client must be created
        inside a running event loop.
        """
        self._app_token = app_token
        self._handle = handle
        self._web_client = web_client or make_client(app_token, base_url)
        self._seen = dedupe if dedupe is not None else RecentIds()
        self._ping_interval = ping_interval
        self._connect_timeout = connect_timeout
        self._grace = close_grace_seconds
        self._client: SocketModeClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:  # never print the token
        return f"SocketModeRunner(connected={self._client is not None})"

    async def start(self) -> None:
        """Connect; raise SlackUnavailable if Slack refuses or no connection opens in time.

        slack_sdk's connect() retries forever, both a refused token and an
        unreachable WebSocket, so the first URL is asked for here and the first
        connection is bounded by `connect_timeout`. Later reconnects are
        slack_sdk's, in the background.
        """
        if self._client is not None:
            return
        opened = await call(self._web_client, "apps.connections.open", app_token=self._app_token)
        url = opened.get("url")
        if not isinstance(url, str) or not url:
            raise SlackUnavailable("apps.connections.open", messages.NO_SOCKET_URL)
        client = SocketModeClient(
            app_token=self._app_token,
            web_client=self._web_client,
            ping_interval=self._ping_interval,
            logger=logger,
        )
        client.socket_mode_request_listeners.append(self._on_request)
        client.wss_uri = url
        self._client = client
        try:
            await asyncio.wait_for(client.connect(), timeout=self._connect_timeout)
        except asyncio.TimeoutError:
            self._client = None
            await client.close()
            raise SlackUnavailable("socket_mode", messages.socket_timeout(self._connect_timeout)) from None

    async def close(self) -> None:
        """Disconnect, give running handlers `close_grace_seconds`, cancel the rest."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=self._grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until the handlers scheduled so far have finished (tests, shutdown)."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _on_request(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        try:
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        except Exception as error:  # Slack redelivers it; the dedupe below drops that copy
            logger.warning("could not acknowledge Socket Mode envelope %s: %s", request.envelope_id, error)
        if self._is_repeat(request):
            logger.info(
                "dropping a repeated Socket Mode %s envelope (retry_attempt %s)",
                request.type,
                request.retry_attempt,
            )
            return
        task = asyncio.create_task(self._run(request.type, request.payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _is_repeat(self, request: SocketModeRequest) -> bool:
        if self._seen.seen_before(f"envelope:{request.envelope_id}"):
            return True
        event_id = request.payload.get("event_id") if request.type == "events_api" else None
        return isinstance(event_id, str) and self._seen.seen_before(f"events_api:{event_id}")

    async def _run(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            await self._handle(kind, payload)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed handler must not end the connection
            logger.exception("handling a Socket Mode %s payload failed", kind)
