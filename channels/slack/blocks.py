"""Block Kit messages for the agents' channel: pure functions returning dicts.

    posted = await call(client, "chat.postMessage", channel=agents, **handoff_waiting(handoff))
    # on the "Claim" button (action_id "handoff_claim", value = conversation id):
    await call(client, "chat.update", channel=agents, ts=posted["ts"], **handoff_claimed(handoff, "U123"))

Every customer-supplied string is escaped (&, <, >) and shown verbatim, so a
customer cannot ping @channel, mention people or plant links. Long transcripts
keep their most recent lines within Slack's limits (3000 characters per section
text, 50 blocks per message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

from channels.slack import messages

CLAIM_ACTION = "handoff_claim"
RESOLVE_ACTION = "handoff_resolve"

# Slack's limits (docs.slack.dev/reference/block-kit)
MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
BUTTON_VALUE_LIMIT = 2000
# Ours: a readable transcript and a notification-sized fallback text.
TRANSCRIPT_CHAR_BUDGET = 12_000
FALLBACK_LIMIT = 300
_VALUE_LIMIT = 500  # one field value (page URL, email, ...)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")

Block = dict[str, Any]


class SlackMessage(TypedDict):
    text: str  # fallback shown in notifications and read by screen readers
    blocks: list[Block]


class TranscriptLine(NamedTuple):
    who: str  # shown in bold: "Customer", "Bot", an agent's name
    text: str


@dataclass(frozen=True)
class Handoff:
    """What agents see about a customer asking for a person."""

    conversation_id: str
    channel: str  # where the customer is: "web" or "slack"
    transcript: Sequence[TranscriptLine] = ()
    page_url: str | None = None
    language: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A message taken outside business hours."""

    conversation_id: str
    email: str
    message: str
    page_url: str | None = None


def escape(text: str) -> str:
    """Slack's three control characters as entities; everything else is left alone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def handoff_waiting(handoff: Handoff) -> SlackMessage:
    first = _first_line(handoff)
    return _handoff(
        handoff,
        messages.HANDOFF_HEADER,
        messages.HINT_WAITING,
        [_button(messages.BUTTON_CLAIM, CLAIM_ACTION, handoff, "primary"), _resolve(handoff)],
        messages.handoff_fallback(escape(handoff.channel), escape(first)),
    )


def handoff_claimed(handoff: Handoff, agent_id: str) -> SlackMessage:
    agent = mention(agent_id)
    return _handoff(
        handoff,
        messages.HANDOFF_CLAIMED_HEADER,
        messages.claimed_by(agent),
        [_resolve(handoff)],
        messages.claimed_fallback(agent),
    )


def handoff_resolved(handoff: Handoff, agent_id: str) -> SlackMessage:
    agent = mention(agent_id)
    return _handoff(
        handoff,
        messages.HANDOFF_RESOLVED_HEADER,
        messages.resolved_by(agent),
        [],
        messages.resolved_fallback(agent),
    )


def ticket_message(ticket: Ticket) -> SlackMessage:
    fields = [
        _field(messages.FIELD_EMAIL, escape(ticket.email)),
        _field(messages.FIELD_PAGE, _link(ticket.page_url)),
        _field(messages.FIELD_CONVERSATION, escape(ticket.conversation_id)),
    ]
    body = f"*{messages.FIELD_MESSAGE}*\n{escape(ticket.message.strip())}"
    return SlackMessage(
        text=_clip(messages.ticket_fallback(escape(ticket.email)), FALLBACK_LIMIT),
        blocks=[
            _header(messages.TICKET_HEADER),
            {"type": "section", "fields": fields},
            _section(_clip(body, SECTION_TEXT_LIMIT)),
        ],
    )


def mention(user_id: str) -> str:
    """`<@U123>` for a real user id; anything else is shown as escaped text."""
    return f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)


def _handoff(handoff: Handoff, header: str, status: str, buttons: list[Block], fallback: str) -> SlackMessage:
    top: list[Block] = [_header(header), {"type": "section", "fields": _handoff_fields(handoff)}, _divider()]
    bottom: list[Block] = [_context(status)]
    if buttons:
        bottom.append({"type": "actions", "block_id": "handoff_actions", "elements": buttons})
    room = MAX_BLOCKS - len(top) - len(bottom) - 1  # one more for the "N earlier messages" note
    return SlackMessage(
        text=_clip(fallback, FALLBACK_LIMIT),
        blocks=[*top, *transcript_blocks(handoff.transcript, room), *bottom],
    )


def _handoff_fields(handoff: Handoff) -> list[Block]:
    fields = [
        _field(messages.FIELD_CHANNEL, escape(handoff.channel)),
        _field(messages.FIELD_PAGE, _link(handoff.page_url)),
        _field(messages.FIELD_LANGUAGE, escape(handoff.language or messages.UNKNOWN_VALUE)),
    ]
    if handoff.email:
        fields.append(_field(messages.FIELD_EMAIL, escape(handoff.email)))
    fields.append(_field(messages.FIELD_CONVERSATION, escape(handoff.conversation_id)))
    return fields


def transcript_blocks(
    lines: Sequence[TranscriptLine], max_sections: int, char_budget: int = TRANSCRIPT_CHAR_BUDGET
) -> list[Block]:
    """The most recent lines that fit, packed into sections, oldest first.

    Returns at most `max_sections` sections plus one note saying how many earlier
    lines were left out.
    """
    chunks: list[list[str]] = []  # newest chunk first, each chunk newest line first
    used = kept = 0
    for line in reversed(lines):
        rendered = _clip(f"*{escape(line.who)}:* {escape(line.text.strip())}", SECTION_TEXT_LIMIT)
        if used + len(rendered) > char_budget and kept:
            break
        if chunks and _size(chunks[-1]) + 1 + len(rendered) <= SECTION_TEXT_LIMIT:
            chunks[-1].append(rendered)
        elif len(chunks) < max_sections:
            chunks.append([rendered])
        else:
            break
        used, kept = used + len(rendered), kept + 1
    sections = [_section("\n".join(reversed(chunk))) for chunk in reversed(chunks)]
    if not lines:
        return [_section(messages.TRANSCRIPT_EMPTY)]
    if kept < len(lines):
        return [_context(messages.transcript_omitted(len(lines) - kept)), *sections]
    return sections


def _size(chunk: list[str]) -> int:
    return sum(len(line) for line in chunk) + len(chunk) - 1


def _first_line(handoff: Handoff) -> str:
    return handoff.transcript[0].text.strip() if handoff.transcript else ""


def _resolve(handoff: Handoff) -> Block:
    return _button(messages.BUTTON_RESOLVE, RESOLVE_ACTION, handoff, None)


def _button(label: str, action_id: str, handoff: Handoff, style: str | None) -> Block:
    value = handoff.conversation_id
    if not value or len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError(f"a conversation id must be 1-{BUTTON_VALUE_LIMIT} characters for a button value")
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _link(url: str | None) -> str:
    """A clickable link for an http(s) URL; anything else as plain escaped text."""
    if not url:
        return messages.UNKNOWN_VALUE
    link = f"<{escape(url).replace('|', '%7C')}>"
    if url.startswith(("http://", "https://")) and len(link) <= _VALUE_LIMIT and not re.search(r"\s", url):
        return link
    return escape(url)


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _divider() -> Block:
    return {"type": "divider"}


def _field(label: str, value: str) -> Block:
    return _mrkdwn(_clip(f"*{label}*\n{_clip(value, _VALUE_LIMIT)}", FIELD_TEXT_LIMIT))


def _mrkdwn(text: str) -> Block:
    # verbatim: Slack does not turn plain "@channel", #names or URLs into mentions and links.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, never cutting an escape such as &amp; in half."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"
