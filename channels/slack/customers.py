"""Customers who ask in Slack: their conversation ids and how replies reach them.

A DM is one conversation per DM channel; a mention in a channel starts a
conversation in the mention's thread, and the bot answers in that thread.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack import surveys
from channels.slack.blocks import escape
from channels.slack.client import call

CUSTOMER_BUTTON = "customer_button"  # action_id of buttons under bot answers


def conversation_id(channel: str, thread_ts: str | None) -> str:
    return f"slack-{channel}-{thread_ts}" if thread_ts else f"slack-{channel}"


def address(conversation: str) -> dict[str, str | None]:
    """The Slack channel and thread of a Slack customer's conversation id."""
    parts = conversation.split("-", 2)
    return {"channel": parts[1], "thread_ts": parts[2] if len(parts) > 2 else None}


class SlackCustomerOutput(OutputChannel):
    """Bot and agent messages to a customer in Slack: text, sources, buttons.

    Answers get helpful / not helpful buttons, a survey its rating buttons, and
    the thanks for a rating an "Add a comment" button (channels/slack/surveys.py).
    """

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str | None) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts

    @classmethod
    def name(cls) -> str:
        return "slack"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = render(message)
        if not text:
            return
        kwargs: dict[str, Any] = {"channel": self.channel, "text": text}
        if self.thread_ts:
            kwargs["thread_ts"] = self.thread_ts
        raw = message.get("custom")
        elements = [_button(b) for b in (message.get("buttons") or [])[:5]]
        elements += surveys.buttons_for(raw if isinstance(raw, dict) else {})
        if elements:
            kwargs["blocks"] = [
                {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}},
                {"type": "actions", "elements": elements},
            ]
        await call(self.client, "chat.postMessage", **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})


def render(message: dict[str, Any]) -> str:
    """Slack mrkdwn for a bot message: customer-visible text escaped, sources as links."""
    raw = message.get("custom")
    custom: dict[str, Any] = raw if isinstance(raw, dict) else {}
    text = escape(str(message.get("text") or ""))
    sender = custom.get("sender")
    if isinstance(sender, dict) and sender.get("kind") == "agent":
        text = f"*{escape(str(sender.get('name', 'Agent')))} (support):* {text}"
    sources = [c for c in (custom.get("citations") or []) if isinstance(c, dict)]
    links = [_link(c) for c in sources]
    if links:
        text += "\n_Sources:_ " + " · ".join(links)
    return text.strip()


def _link(citation: dict[str, Any]) -> str:
    title, url = escape(str(citation.get("title", ""))), str(citation.get("url", ""))
    if url.startswith(("http://", "https://")) and "|" not in url and ">" not in url:
        return f"<{url}|{title}>"
    return title


def _button(button: dict[str, Any]) -> dict[str, Any]:
    title = str(button.get("title", ""))[:75]
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": title or "…"},
        "action_id": f"{CUSTOMER_BUTTON}:{button.get('payload', '')}"[:255],
        "value": str(button.get("payload") or title)[:2000],
    }
