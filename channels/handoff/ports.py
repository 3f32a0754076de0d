"""What the relay needs from the outside, as small protocols.

The relay's boundaries are Slack (the agents' desk), the conversation log
(Rasa's tracker store) and the customers' channels. Production adapters:
desk.py (Slack), log.py (Rasa), and the channels' deliverers; tests use the
same adapters against a local fake Slack and a real Rasa server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from channels.handoff.store import Handoff


@dataclass(frozen=True)
class Line:
    """One line of a transcript as agents see it."""

    who: str  # "customer", "bot" or an agent's name
    text: str
    ts: float


class Desk(Protocol):
    """The agents' side (a Slack channel). Every method may raise DeskUnavailable."""

    async def open_thread(self, handoff: Handoff, transcript: list[Line]) -> tuple[str, str]: ...

    async def post(self, handoff: Handoff, text: str) -> None: ...

    async def show_claimed(self, handoff: Handoff, transcript: list[Line]) -> None: ...

    async def show_closed(self, handoff: Handoff, transcript: list[Line], by_user_id: str | None) -> None: ...

    async def ping(self, handoff: Handoff, waited_seconds: float) -> None: ...

    async def post_ticket(self, ticket: dict[str, Any]) -> None: ...

    async def user_name(self, user_id: str) -> str: ...


class DeskUnavailable(Exception):
    """The agents' side could not be reached (after retries)."""


class ConversationLog(Protocol):
    async def transcript(self, conversation_id: str) -> list[Line]: ...

    async def customer_context(self, conversation_id: str) -> dict[str, Any]: ...

    async def exists(self, conversation_id: str) -> bool: ...

    async def add_agent_message(self, conversation_id: str, agent_name: str, text: str) -> dict[str, Any]: ...

    async def add_bot_message(self, conversation_id: str, message: dict[str, Any]) -> dict[str, Any]: ...

    async def pause(self, conversation_id: str) -> None: ...

    async def resume(self, conversation_id: str, then_intent: str | None) -> None: ...


class Customers(Protocol):
    """Delivers a bot or agent message to wherever the customer is (web socket, Slack)."""

    async def deliver(self, handoff: Handoff, message: dict[str, Any]) -> None: ...
