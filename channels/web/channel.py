"""Rasa input channel for the website widget: WebSocket, static files, demo page.

Registered in bot/credentials.yml as `channels.web.channel.WebChatInput`; Rasa
mounts it under /webhooks/webchat/. It only translates: frames to UserMessages
(session.py), bot messages to frames (output.py).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.csat.runtime import record_while_paused
from channels.csat.runtime import runtime as csat_runtime
from channels.handoff.outputs import DirectiveOutput
from channels.handoff.relay import Origin
from channels.handoff.runtime import services
from channels.handoff.store import Handoff
from channels.limits import Limits, LimitSettings, too_many_connections
from channels.redaction import redact_incoming
from channels.resilience import reply_when_unavailable
from channels.web import protocol
from channels.web.hub import ConnectionHub
from channels.web.output import WebChatOutput
from channels.web.session import ChatSession
from channels.web.settings import WebChatSettings

logger = logging.getLogger(__name__)

LEAVE_MESSAGE = "/leave_message"
SOCKET_MAX_BYTES = 4 * protocol.MAX_FRAME_BYTES  # see _limit_frames
STATIC_DIR = Path(__file__).parent / "static"
# Only these files are served; nothing is looked up from the request path.
STATIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",  # the loader: launcher and badge
    "chat.js": "application/javascript; charset=utf-8",  # the panel, fetched when the chat opens
    "demo.html": "text/html; charset=utf-8",
}


class WebChatInput(InputChannel):
    def __init__(
        self, settings: WebChatSettings, hub: ConnectionHub | None = None, limits: Limits | None = None
    ) -> None:
        self.settings = settings
        self.hub = hub or ConnectionHub.from_env()  # with REDIS_URL: frames to other servers' sockets
        self.limits = limits or Limits(LimitSettings.from_env(os.environ))  # RATE_LIMIT_*

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        return cls(WebChatSettings.from_mapping(credentials or {}))

    def get_output_channel(self) -> OutputChannel:
        return self._output(None)

    def _output(self, conversation_id: str | None) -> OutputChannel:
        # Directives in bot messages (handoff, ticket) go to the relay on the way out.
        origin = Origin("webchat", {"conversation_id": conversation_id} if conversation_id else {})
        return DirectiveOutput(WebChatOutput(self.hub), self.handoffs.relay, origin)

    async def _deliver(self, handoff: Handoff, message: dict[str, Any]) -> None:
        await self.hub.send(handoff.conversation_id, protocol.bot_frame(message))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat", __name__)
        self.handoffs = services()
        on_new_message = redact_incoming(on_new_message, self.handoffs.customers.agent)  # REDACT_*
        # A turn left silent because the action server is down: tell the customer, log it.
        on_new_message = reply_when_unavailable(
            on_new_message, self.handoffs.customers.agent, self.handoffs.relay.log
        )
        self.handoffs.customers.register("webchat", self._deliver, lambda cid, _h: self._output(cid))

        @bp.listener("after_server_start")
        async def attach(app: Any, _loop: Any) -> None:
            self.handoffs.attach(app)
            await self.hub.start()
            csat_runtime().attach(app)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> Any:
            # 503 until the model is loaded: Rasa accepts connections before that.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @bp.route("/demo", methods=["GET"])
        async def demo(_: Request) -> Any:
            return await _static("demo.html")

        @bp.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> Any:
            return await _static(name)

        @bp.websocket("/ws")
        async def websocket(request: Request, ws: Any) -> None:
            if not self.settings.origin_allowed(request.headers.get("origin")):
                await ws.close(code=1008, reason="origin not allowed")
                return
            forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
            address = self.limits.address(request.ip, forwarded or None)
            if not (verdict := self.limits.connection(address)).allowed:
                refusal = protocol.ProtocolError("rate_limited", too_many_connections(verdict.wait))
                await ws.send(json.dumps(protocol.error_frame(refusal)))
                await ws.close(code=1013, reason="try again later")  # the widget retries with backoff
                return
            _limit_frames(ws)
            await self._session(request, ws, on_new_message, address).run()

        return bp

    def _session(
        self,
        request: Request,
        ws: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        address: str,
    ) -> ChatSession:
        relay = self.handoffs.relay

        async def handle(cid: str, message: protocol.Message, metadata: dict[str, Any]) -> None:
            if message.payload == LEAVE_MESSAGE:  # gave up waiting for an agent
                await relay.leave_message_instead(cid)
            await on_new_message(
                UserMessage(
                    text=message.payload or message.text,
                    output_channel=self._output(cid),
                    sender_id=cid,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            if message.record:  # a rating or feedback: recorded even while paused, never sent to agents
                await record_while_paused(request.app.ctx.agent, cid, self._output(cid))
                return
            # While a person handles the conversation Rasa only logs it; the agent reads it in Slack.
            await relay.on_customer_message(cid, message.text, metadata["received_at"])

        async def load_events(cid: str) -> list[dict[str, Any]] | None:
            agent = request.app.ctx.agent
            tracker = await agent.tracker_store.retrieve_full_tracker(cid)
            if tracker is None:
                return None
            return [event.as_dict() for event in tracker.events]

        return ChatSession(
            ws,
            self.hub,
            handle,
            load_events,
            self.settings.max_message_chars,
            limits=self.limits,
            address=address,
        )


def _limit_frames(ws: Any) -> None:
    """Frames a little over the protocol's limit get an error frame; far larger ones close the socket.

    Sanic reads whole messages of up to WEBSOCKET_MAX_SIZE (1 MiB) for every route
    of Rasa's app; this socket's own limit is lowered on websockets' connection,
    which checks it frame by frame (a bigger one closes with 1009, unread).
    """
    connection = getattr(ws, "connection", None)  # Sanic's WebsocketImplProtocol wraps websockets' one
    if connection is not None and hasattr(connection, "max_size"):
        connection.max_size = SOCKET_MAX_BYTES
    else:
        logger.warning("this Sanic's websocket has no frame size to limit (%s)", type(ws).__name__)


async def _static(name: str) -> Any:
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return response.json({"error": f"no such file: {name}"}, status=404)
    return await response.file(
        STATIC_DIR / name, mime_type=content_type, headers={"Cache-Control": "no-cache"}
    )
