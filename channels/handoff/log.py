"""The conversation log as the relay sees it: Rasa's tracker store, under Rasa's lock.

Agent messages are logged as bot events with `custom.sender = {kind: agent,
name}`, so the transcript, the widget history and the reports all see who said
what. Writes take the conversation's lock, like Rasa's own HTTP API does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, ConversationResumed, Event

from channels.handoff.ports import Line
from channels.web import protocol


class RasaConversationLog:
    def __init__(self, agent: Callable[[], Agent], output_for: Callable[[str], OutputChannel]) -> None:
        self._agent = agent
        self._output_for = output_for

    async def exists(self, conversation_id: str) -> bool:
        return await self._agent().tracker_store.retrieve(conversation_id) is not None

    async def transcript(self, conversation_id: str) -> list[Line]:
        lines = []
        for item in protocol.history_from_events(await self._events(conversation_id)):
            sender = item["sender"]
            who = "customer" if item["type"] == "user" else sender.get("name", "bot")
            lines.append(Line(who=str(who), text=str(item["text"] or ""), ts=item["ts"]))
        return lines

    async def customer_context(self, conversation_id: str) -> dict[str, Any]:
        """Page, language and email as last seen in the conversation (for the agent's header)."""
        context: dict[str, Any] = {}
        for event in await self._events(conversation_id):
            metadata = event.get("metadata") or {}
            if event.get("event") == "user" and isinstance(metadata.get("context"), dict):
                context.update(metadata["context"])
            if event.get("event") == "slot" and event.get("name") == "contact_email" and event.get("value"):
                context["email"] = event["value"]
        return context

    async def add_agent_message(self, conversation_id: str, agent_name: str, text: str) -> dict[str, Any]:
        message = {"text": text, "custom": {"sender": {"kind": "agent", "name": agent_name}}}
        return await self.add_bot_message(conversation_id, message)

    async def add_bot_message(self, conversation_id: str, message: dict[str, Any]) -> dict[str, Any]:
        data = {key: value for key, value in message.items() if key != "text"}
        await self._append(
            conversation_id, [BotUttered(text=message.get("text"), data=data, timestamp=time.time())]
        )
        return message

    async def pause(self, conversation_id: str) -> None:
        await self._append(conversation_id, [ConversationPaused()])

    async def resume(self, conversation_id: str, then_intent: str | None) -> None:
        agent = self._agent()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_tracker_and_update_session(conversation_id)
            tracker.update(ConversationResumed())
            # Rasa logs no action_listen after the turn that paused the conversation;
            # without it, rules (which start after action_listen) would not match the next turn.
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await agent.processor.save_tracker(tracker)
            if then_intent:
                await agent.trigger_intent(then_intent, [], self._output_for(conversation_id), tracker)

    async def _append(self, conversation_id: str, events: list[Event]) -> None:
        agent = self._agent()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_tracker_and_update_session(conversation_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)

    async def _events(self, conversation_id: str) -> list[dict[str, Any]]:
        tracker = await self._agent().tracker_store.retrieve_full_tracker(conversation_id)
        return [event.as_dict() for event in tracker.events] if tracker else []
