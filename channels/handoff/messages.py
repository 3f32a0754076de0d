"""What the customer is told during a handoff (the Slack-side strings live in channels/slack)."""

from __future__ import annotations

AGENT_JOINED = "{name} from the support team has joined the chat."
AGENT_TOOK_OVER = "{name} from the support team is joining this chat."
RESOLVED = "{name} has closed this part of the conversation. I'm back: ask me anything else."
DESK_UNAVAILABLE = (
    "I couldn't reach the support team just now, so I can't connect you to a person. "
    "I can take your email address and a message instead, and the team will reply by email."
)
STILL_WAITING = (
    "Nobody from the team has picked this up yet, sorry for the wait. You can keep waiting here, "
    "or leave your email address and a message and we'll reply by email."
)
LEAVE_MESSAGE_BUTTON = {"title": "Leave my email instead", "payload": "/leave_message"}
