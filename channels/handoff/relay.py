"""The handoff relay: carries out what the actions decided, between customers and agents.

    relay = HandoffRelay(store, desk, log, customers, clock=time.time)
    await relay.on_directive("c1", origin, {"action": "request", "claim_timeout_seconds": 180})
    await relay.on_agent_reply("C123", "1700000000.000100", "U1", "Hi, I'm Sam")

Every state change goes through the store (so it holds across replicas and
restarts); every message in either direction is added to the conversation log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.handoff import messages
from channels.handoff.ports import ConversationLog, Customers, Desk, DeskUnavailable
from channels.handoff.store import ABANDONED, CLAIMED, PENDING, RESOLVED, Handoff, HandoffStore, NewHandoff

logger = logging.getLogger(__name__)

RESOLVED_INTENT = "EXTERNAL_handoff_resolved"
FAILED_INTENT = "EXTERNAL_handoff_failed"


@dataclass(frozen=True)
class Origin:
    """Where the customer is: the channel name and how to reach them there."""

    channel: str  # "webchat" or "slack"
    address: dict[str, Any]


class HandoffRelay:
    def __init__(
        self,
        store: HandoffStore,
        desk: Desk | None,
        log: ConversationLog,
        customers: Customers,
        clock: Callable[[], float],
    ) -> None:
        self.store, self.desk, self.log, self.customers, self.clock = store, desk, log, customers, clock

    @property
    def has_desk(self) -> bool:
        return self.desk is not None

    # Directives from actions -------------------------------------------------

    async def on_directive(self, conversation_id: str, origin: Origin, directive: dict[str, Any]) -> None:
        """`custom.handoff` from action_handoff: open a thread for a paused conversation."""
        if directive.get("action") != "request" or self.store.active_for(conversation_id):
            return
        timeout = directive.get("claim_timeout_seconds")
        now = self.clock()
        handoff = self.store.create(
            NewHandoff(
                conversation_id=conversation_id,
                origin=origin.channel,
                origin_address=origin.address,
                trigger=str(directive.get("trigger") or "asked"),
                customer=await self.log.customer_context(conversation_id),
                created_at=now,
                claim_deadline=now + float(timeout)
                if isinstance(timeout, (int, float)) and timeout > 0
                else None,
            )
        )
        await self._open_thread(handoff)

    async def on_ticket(self, conversation_id: str, ticket: dict[str, Any]) -> None:
        """`custom.ticket` from action_submit_contact: record it and post it for the morning."""
        context = await self.log.customer_context(conversation_id)
        ticket_id = self.store.add_ticket(
            conversation_id,
            ticket.get("email"),
            ticket.get("message"),
            str(ticket.get("reason") or "contact"),
            context,
            self.clock(),
        )
        if self.desk is None:
            return
        try:
            await self.desk.post_ticket(
                {**ticket, **context, "conversation_id": conversation_id, "id": ticket_id}
            )
        except DeskUnavailable as error:  # the ticket is stored; it is posted by nobody, but not lost
            logger.warning("ticket %s not posted to Slack: %s", ticket_id, error)
            return
        self.store.mark_ticket_posted(ticket_id)

    # Customers ---------------------------------------------------------------

    async def on_customer_message(self, conversation_id: str, text: str, received_at: float) -> bool:
        """Forward a customer's message to the agents' thread; False if no handoff is active.

        Messages from before the handoff (the request itself) are in the thread's transcript already.
        """
        handoff = self.store.active_for(conversation_id)
        if (
            handoff is None
            or handoff.thread_ts is None
            or self.desk is None
            or received_at < handoff.created_at
        ):
            return False
        try:
            await self.desk.post(handoff, f"*Customer:* {text}")
        except DeskUnavailable as error:  # the message is in the log; the agent sees it in the transcript
            logger.warning("customer message of %s not forwarded: %s", conversation_id, error)
        return True

    async def leave_message_instead(self, conversation_id: str) -> None:
        """The customer gave up waiting: close the handoff and give the conversation back to the bot."""
        handoff = self.store.active_for(conversation_id)
        if handoff is None or not self.store.close(handoff.id, ABANDONED, self.clock()):
            return
        await self._show_closed(handoff, None)
        await self.log.resume(conversation_id, then_intent=None)

    # Agents ------------------------------------------------------------------

    async def on_agent_reply(self, slack_channel: str, thread_ts: str, user_id: str, text: str) -> bool:
        """An agent wrote in a handoff thread: log it and deliver it. False if not a live handoff."""
        handoff = self.store.by_thread(slack_channel, thread_ts)
        if handoff is None or not handoff.active:
            return False
        name = await self._name(user_id)
        if handoff.status == PENDING:  # replying is claiming
            await self.claim(handoff.conversation_id, user_id, name)
        message = await self.log.add_agent_message(handoff.conversation_id, name, text)
        self.store.record_agent_reply(handoff.id, self.clock())
        await self.customers.deliver(handoff, message)
        return True

    async def claim(self, conversation_id: str, user_id: str, name: str | None = None) -> str:
        """Returns what to tell the agent who pressed Claim."""
        handoff = self.store.active_for(conversation_id)
        if handoff is None:
            return "This conversation is no longer waiting for a person."
        name = name or await self._name(user_id)
        if not self.store.claim(handoff.id, user_id, name, self.clock()):
            current = self.store.get(handoff.id)
            owner = current.agent_name if current and current.status == CLAIMED else None
            return f"Already claimed by {owner}." if owner else "This conversation is no longer waiting."
        await self._tell_customer(handoff, messages.AGENT_JOINED.format(name=name))
        await self._show_claimed(handoff.id)
        return f"You claimed this conversation, {name}."

    async def resolve(self, conversation_id: str, user_id: str) -> str:
        handoff = self.store.active_for(conversation_id)
        if handoff is None or not self.store.close(handoff.id, RESOLVED, self.clock()):
            return "This conversation was already closed."
        name = await self._name(user_id)
        await self._show_closed(handoff, user_id)
        await self._tell_customer(handoff, messages.RESOLVED.format(name=name))
        await self.log.resume(conversation_id, then_intent=RESOLVED_INTENT)
        return f"Resolved. The bot is back in the conversation ({conversation_id})."

    async def take_over(self, conversation_id: str, origin: Origin, user_id: str) -> str:
        """An agent takes a live conversation from the bot (slash command)."""
        if not await self.log.exists(conversation_id):
            return f"No conversation with id {conversation_id}."
        if self.store.active_for(conversation_id):
            return "A person is already handling this conversation."
        name = await self._name(user_id)
        now = self.clock()
        handoff = self.store.create(
            NewHandoff(
                conversation_id=conversation_id,
                origin=origin.channel,
                origin_address=origin.address,
                trigger="takeover",
                customer=await self.log.customer_context(conversation_id),
                created_at=now,
            )
        )
        await self.log.pause(conversation_id)
        self.store.claim(handoff.id, user_id, name, now)
        if not await self._open_thread(handoff):
            return "Slack could not be reached; the conversation stays with the bot."
        await self._tell_customer(handoff, messages.AGENT_TOOK_OVER.format(name=name))
        await self._show_claimed(handoff.id)
        return f"You took over conversation {conversation_id}; reply in its thread."

    # Time --------------------------------------------------------------------

    async def sweep(self) -> int:
        """Ping threads nobody claimed in time and offer the customer email instead."""
        now = self.clock()
        count = 0
        for handoff in self.store.unclaimed_past_deadline(now):
            if not self.store.mark_pinged(handoff.id, now):
                continue  # another replica got there first
            count += 1
            try:
                await self._desk().ping(handoff, now - handoff.created_at)
            except DeskUnavailable as error:
                logger.warning("could not ping the thread of %s: %s", handoff.conversation_id, error)
            message = {"text": messages.STILL_WAITING, "buttons": [messages.LEAVE_MESSAGE_BUTTON]}
            await self.customers.deliver(
                handoff, await self.log.add_bot_message(handoff.conversation_id, message)
            )
        return count

    # Helpers -----------------------------------------------------------------

    async def _open_thread(self, handoff: Handoff) -> bool:
        try:
            channel, thread_ts = await self._desk().open_thread(
                handoff, await self.log.transcript(handoff.conversation_id)
            )
        except DeskUnavailable as error:
            logger.warning("handoff of %s failed, Slack unavailable: %s", handoff.conversation_id, error)
            self.store.close(handoff.id, ABANDONED, self.clock())
            await self._tell_customer(handoff, messages.DESK_UNAVAILABLE)
            await self.log.resume(handoff.conversation_id, then_intent=FAILED_INTENT)
            return False
        self.store.set_thread(handoff.id, channel, thread_ts)
        return True

    async def _show_claimed(self, handoff_id: int) -> None:
        current = self.store.get(handoff_id)
        if current is None or current.thread_ts is None or self.desk is None:
            return
        try:
            await self.desk.show_claimed(current, await self.log.transcript(current.conversation_id))
        except DeskUnavailable as error:
            logger.warning("could not show the claim of %s in Slack: %s", current.conversation_id, error)

    async def _show_closed(self, handoff: Handoff, by_user_id: str | None) -> None:
        current = self.store.get(handoff.id) or handoff
        if current.thread_ts is None or self.desk is None:
            return
        try:
            await self.desk.show_closed(
                current, await self.log.transcript(current.conversation_id), by_user_id
            )
        except DeskUnavailable as error:
            logger.warning("could not show the end of %s in Slack: %s", handoff.conversation_id, error)

    async def _tell_customer(self, handoff: Handoff, text: str) -> None:
        message = await self.log.add_bot_message(handoff.conversation_id, {"text": text})
        await self.customers.deliver(handoff, message)

    async def _name(self, user_id: str) -> str:
        try:
            return await self._desk().user_name(user_id)
        except DeskUnavailable:
            return "An agent"

    def _desk(self) -> Desk:
        if self.desk is None:
            raise DeskUnavailable("Slack is not configured")
        return self.desk
