"""Rasa output channel: every bot message becomes one `bot` frame on the hub."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel

from channels.web import protocol
from channels.web.hub import ConnectionHub


class WebChatOutput(OutputChannel):
    def __init__(self, hub: ConnectionHub) -> None:
        self.hub = hub

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # One frame per message (the base class splits text, buttons and custom
        # into several sends), so citations and buttons stay with their text.
        await self.hub.send(recipient_id, protocol.bot_frame(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})
