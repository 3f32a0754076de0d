"""The agents' desk in Slack: one thread per handed-off conversation.

The thread's parent message carries who the customer is, the transcript so far
and the Claim / Resolve buttons; it is redrawn when someone claims or resolves.
Every Slack failure (after slack_sdk's retries) becomes DeskUnavailable, which
the relay turns into a ticket and an honest message to the customer.
With REDACT set, everything the customer wrote (transcript, forwarded messages,
tickets, the header's email and page) is redacted on its way to Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from channels.handoff.ports import DeskUnavailable, Line
from channels.handoff.store import ABANDONED, Handoff
from channels.slack import blocks
from channels.slack.client import SlackUnavailable, call

PING = "<!here> This customer has been waiting {minutes} min and nobody has claimed the conversation yet."
ABANDONED_NOTE = "The customer chose to leave an email and a message instead of waiting."


def _unchanged(text: str) -> str:
    return text


class SlackDesk:
    def __init__(
        self, client: AsyncWebClient, channel: str, redact: Callable[[str], str] = _unchanged
    ) -> None:
        self.client, self.channel, self.redact = client, channel, redact
        self._names: dict[str, str] = {}

    async def open_thread(self, handoff: Handoff, transcript: list[Line]) -> tuple[str, str]:
        message = blocks.handoff_waiting(self._view(handoff, transcript))
        response = await self._call("chat.postMessage", channel=self.channel, **message)
        return str(response.get("channel") or self.channel), str(response["ts"])

    async def post(self, handoff: Handoff, text: str) -> None:
        await self._call(
            "chat.postMessage",
            channel=handoff.slack_channel,
            thread_ts=handoff.thread_ts,
            text=self.redact(text),
        )

    async def show_claimed(self, handoff: Handoff, transcript: list[Line]) -> None:
        message = blocks.handoff_claimed(self._view(handoff, transcript), handoff.agent_id or "")
        await self._call("chat.update", channel=handoff.slack_channel, ts=handoff.thread_ts, **message)

    async def show_closed(self, handoff: Handoff, transcript: list[Line], by_user_id: str | None) -> None:
        if handoff.status == ABANDONED:
            await self.post(handoff, ABANDONED_NOTE)
        message = blocks.handoff_resolved(self._view(handoff, transcript), by_user_id or "the customer")
        await self._call("chat.update", channel=handoff.slack_channel, ts=handoff.thread_ts, **message)

    async def ping(self, handoff: Handoff, waited_seconds: float) -> None:
        await self.post(handoff, PING.format(minutes=max(1, round(waited_seconds / 60))))

    async def post_ticket(self, ticket: dict[str, Any]) -> None:
        message = blocks.ticket_message(
            blocks.Ticket(
                conversation_id=str(ticket.get("conversation_id", "")),
                email=self.redact(str(ticket.get("email") or "")),
                message=self.redact(str(ticket.get("message") or "")),
                page_url=self._optional(ticket.get("page_url")),
            )
        )
        await self._call("chat.postMessage", channel=self.channel, **message)

    async def user_name(self, user_id: str) -> str:
        if user_id not in self._names:
            user = (await self._call("users.info", user=user_id)).get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
            self._names[user_id] = str(name)
        return self._names[user_id]

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return await call(self.client, method, **kwargs)
        except SlackUnavailable as error:
            raise DeskUnavailable(str(error)) from error

    def _view(self, handoff: Handoff, transcript: list[Line]) -> blocks.Handoff:
        customer = handoff.customer
        return blocks.Handoff(
            conversation_id=handoff.conversation_id,
            channel="web" if handoff.origin == "webchat" else handoff.origin,
            transcript=[
                blocks.TranscriptLine(line.who.capitalize(), self.redact(line.text)) for line in transcript
            ],
            page_url=self._optional(customer.get("page_url")),
            language=customer.get("locale"),
            email=self._optional(customer.get("email")),
        )

    def _optional(self, value: Any) -> str | None:
        return self.redact(str(value)) if value else None
