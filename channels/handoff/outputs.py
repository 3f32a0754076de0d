"""An output channel that hands the actions' directives to the relay.

action_handoff and action_submit_contact put `custom.handoff` / `custom.ticket`
in a bot message; whichever channel the customer uses, this wrapper sees the
message on its way out and schedules the relay. The relay runs after the
current turn (it needs the conversation's lock, which the turn holds).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from rasa.core.channels.channel import OutputChannel

from channels.handoff.relay import HandoffRelay, Origin

logger = logging.getLogger(__name__)
_tasks: set[asyncio.Task[None]] = set()


class DirectiveOutput(OutputChannel):
    def __init__(self, inner: OutputChannel, relay: HandoffRelay, origin: Origin) -> None:
        self.inner, self.relay, self.origin = inner, relay, origin

    @classmethod
    def name(cls) -> str:
        return "directives"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        raw = message.get("custom")
        custom: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if isinstance(custom.get("handoff"), dict):
            background(self.relay.on_directive(recipient_id, self.origin, custom["handoff"]))
        if isinstance(custom.get("ticket"), dict):
            background(self.relay.on_ticket(recipient_id, custom["ticket"]))
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})


def background(work: Coroutine[Any, Any, None]) -> None:
    """Run relay work after the current turn; keep a reference so it is not collected."""
    task = asyncio.get_running_loop().create_task(_logged(work))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception:  # a relay failure must not vanish silently in a task
        logger.exception("handoff relay work failed")
