"""One widget connection: hello, then customer messages, until the socket closes.

Survey answers (`csat`) and answer feedback (`feedback`) frames travel like
messages (typing indicator, the same handler) but are not echoed to the
conversation's other tabs: they are not something the customer said. Every
hello and message counts against the rate limits (channels/limits.py); a
refused one gets a `rate_limited` error and goes no further.

Dependencies come in as callables so the whole exchange is testable without a
server: `handle` is Rasa's on_new_message, `load_events` reads the conversation
log and returns None for an unknown conversation.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.limits import Limits, Verdict, too_fast
from channels.web import protocol
from channels.web.hub import ConnectionHub

logger = logging.getLogger(__name__)

EventLoader = Callable[[str], Awaitable[list[dict[str, Any]] | None]]
Handler = Callable[[str, protocol.Message, dict[str, Any]], Awaitable[None]]

UNKNOWN_CONVERSATION = "We couldn't find that earlier conversation, so this is a new one."
UNAVAILABLE = (
    "Sorry, the assistant is temporarily unavailable. Your message is saved; please try again in a moment."
)


class ServerSocket(Protocol):
    async def recv(self) -> str | bytes | None: ...

    async def send(self, data: str) -> None: ...


@dataclass
class ChatSession:
    socket: ServerSocket
    hub: ConnectionHub
    handle: Handler
    load_events: EventLoader
    max_chars: int
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex
    conversation_id: str | None = None
    context: dict[str, str] | None = None
    limits: Limits = field(default_factory=Limits.off)  # channels/limits.py: refused frames reach nobody
    address: str = "unknown"  # the client's address, as the limits see it

    async def run(self) -> None:
        try:
            while (raw := await self.socket.recv()) is not None:
                await self._on_frame(raw)
        finally:
            if self.conversation_id:
                self.hub.remove(self.conversation_id, self.socket)

    async def _on_frame(self, raw: str | bytes) -> None:
        try:
            frame = protocol.parse_client_frame(raw, self.max_chars)
            if isinstance(frame, protocol.Hello):
                await self._on_hello(frame)
            elif isinstance(frame, protocol.Message):
                await self._on_message(frame)
            else:
                await self._on_message(frame.message())
        except protocol.ProtocolError as error:
            await self._send(protocol.error_frame(error))
        except Exception:  # e.g. the conversation log is unreachable: say so, keep the socket
            logger.exception("a frame of conversation %s could not be handled", self.conversation_id)
            await self._send(protocol.error_frame(protocol.ProtocolError("unavailable", UNAVAILABLE)))

    async def _on_hello(self, hello: protocol.Hello) -> None:
        _allowed(self.limits.from_address(self.address))  # a hello reads the conversation log
        if self.conversation_id:
            self.hub.remove(self.conversation_id, self.socket)
        cid, history, notice = await self._resolve(hello.conversation_id)
        self.conversation_id, self.context = cid, hello.context
        self.hub.add(cid, self.socket)
        await self._send(protocol.welcome_frame(cid, history, notice))

    async def _resolve(self, wanted: str | None) -> tuple[str, list[Any], str | None]:
        if wanted is None:
            return self.new_id(), [], None
        events = await self.load_events(wanted) if protocol.is_valid_conversation_id(wanted) else None
        if events is None:
            return self.new_id(), [], UNKNOWN_CONVERSATION
        return wanted, list(protocol.history_from_events(events)), None

    async def _on_message(self, message: protocol.Message) -> None:
        if self.conversation_id is None:
            raise protocol.ProtocolError("not_started", "Send a hello frame first.")
        cid = self.conversation_id
        _allowed(self.limits.message(cid, self.address))
        if not message.record:
            await self.hub.send(cid, protocol.user_frame(message.text), skip=self.socket)
        await self._send(protocol.typing_frame(True))
        try:
            await self.handle(cid, message, self._metadata(message))
        except Exception:
            logger.exception("handling a message of conversation %s failed", cid)
            await self._send(protocol.error_frame(protocol.ProtocolError("unavailable", UNAVAILABLE)))
        finally:
            await self._send(protocol.typing_frame(False))

    def _metadata(self, message: protocol.Message) -> dict[str, Any]:
        metadata: dict[str, Any] = {"context": dict(self.context or {}), "received_at": time.time()}
        if message.payload:
            metadata["display_text"] = message.text
        return metadata

    async def _send(self, frame: dict[str, Any]) -> None:
        try:
            await self.socket.send(json.dumps(frame))
        except Exception as error:  # the socket closed under us; recv() ends the loop
            logger.info("could not send to a closed socket: %s", error)


def _allowed(verdict: Verdict) -> None:
    if not verdict.allowed:
        raise protocol.ProtocolError("rate_limited", too_fast(verdict.wait))
